"""Citizen pages: filing (a multi-step form over a draft), my dossiers, the dossier page with its
timeline and files, supplements, withdrawal, rating, and the public lookup."""

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from catalog.eform import build_form_class, form_data_clean
from catalog.fees import fee_lines_due
from catalog.selectors import procedure_version_current
from portal.db_router import replica_reads
from portal.kernel.files import file_response

from . import selectors, services
from .eform import answers_display, prefill_values
from .forms import (
    ApplicantForm,
    ConsentCodeForm,
    ConsentFormUploadForm,
    LookupForm,
    OnBehalfForm,
    RatingForm,
    SupplementForm,
)
from .lifecycle import (
    ACTIVE_STATUSES,
    DRAFT_STATUSES,
    IN_PROGRESS_STATUSES,
    NEW_STATUSES,
    PROCESSING_STATUSES,
    RESULT_STATUSES,
    RESULT_WAITING_STATUSES,
    action_allowed,
    previous_part_pending,
)
from .models import CITIZEN_EVENTS, Dossier, DossierEvent, DossierFile, OnBehalfConsent
from .services import DossierActionError

STEPS = [
    ("applicant", gettext_lazy("Applicant")),
    ("form", gettext_lazy("Declaration")),
    ("documents", gettext_lazy("Documents")),
    ("review", gettext_lazy("Review and submit")),
]
STEP_NAMES = [s for s, _label in STEPS]
# Filed by an official for a citizen: the citizen's consent comes first.
CONSENT_STEP = ("consent", gettext_lazy("Applicant's consent"))


def _procedure_version(code: str):
    return procedure_version_current(code)


def _first_url(*names: str, default: str = "/") -> str:
    for name in names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return default


def _level_page(request, version):
    return render(
        request,
        "dossiers/level_required.html",
        {
            "version": version,
            "snapshot": version.snapshot,
            "profile_url": _first_url("identity:profile", "identity:verify", "identity:account"),
        },
        status=403,
    )


@login_required
def file_start(request, code: str):
    """Start filing (or resume the draft already begun) for a procedure. Only a POST (with its
    CSRF token) makes a draft: a GET, which any site can make a browser send, shows the button."""
    version = _procedure_version(code)
    if version is None:
        raise Http404
    snapshot = version.snapshot or {}
    try:
        services.procedure_level_check(citizen=request.user, procedure_version=version)
    except services.DossierLevelRequired:
        return _level_page(request, version)
    draft = (
        Dossier.objects.filter(
            citizen=request.user, filed_by__isnull=True, status__in=DRAFT_STATUSES, procedure_version=version
        )
        .order_by("-updated_at")
        .first()
    )
    if request.method != "POST":
        return render(
            request,
            "dossiers/file_start.html",
            {
                "version": version,
                "snapshot": snapshot,
                "draft": draft,
                "steps": STEPS,
                "can_file_on_behalf": services.on_behalf_may_file(request.user),
            },
        )
    if draft is None:
        try:
            draft = services.dossier_draft_create(citizen=request.user, procedure_version=version)
        except DossierActionError as exc:
            messages.error(request, exc.message)
            return redirect("/")
    else:
        messages.info(request, _("We kept the draft you started earlier: continue where you stopped."))
    return redirect("dossiers:step", pk=draft.pk, step="applicant")


@login_required
def file_on_behalf(request, code: str):
    """An official or volunteer files for a citizen identified by their ID number; the citizen's
    consent is proven at the next step, before anything of theirs is shown."""
    if not services.on_behalf_may_file(request.user):
        raise Http404
    version = _procedure_version(code)
    if version is None:
        raise Http404
    form = OnBehalfForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            draft = services.dossier_on_behalf_start(
                official=request.user,
                personal_id=form.cleaned_data["personal_id"],
                procedure_version=version,
                channel=form.cleaned_data["channel"],
                request=request,
            )
        except DossierActionError as exc:
            form.add_error("personal_id", exc.message)
        else:
            return redirect("dossiers:step", pk=draft.pk, step="consent")
    return render(request, "dossiers/on_behalf.html", {"form": form, "version": version})


def _draft_or_404(request, pk: int) -> Dossier:
    dossier = selectors.dossier_for_owner(user=request.user, pk=pk)
    if dossier is None:
        raise Http404
    return dossier


def _steps_of(dossier) -> list:
    return [CONSENT_STEP, *STEPS] if dossier.filed_by_id else list(STEPS)


def _stepper(dossier, current: str):
    names = [name for name, _label in _steps_of(dossier)]
    index = names.index(current)
    return [
        {"name": name, "label": label, "done": i < index, "current": i == index}
        for i, (name, label) in enumerate(_steps_of(dossier))
    ]


def _next_step(dossier, step: str) -> str:
    names = [name for name, _label in _steps_of(dossier)]
    return names[min(names.index(step) + 1, len(names) - 1)]


def _prev_step(dossier, step: str) -> str | None:
    names = [name for name, _label in _steps_of(dossier)]
    i = names.index(step)
    return names[i - 1] if i else None


@login_required
def step(request, pk: int, step: str):
    dossier = _draft_or_404(request, pk)
    if step not in [name for name, _label in _steps_of(dossier)]:
        raise Http404
    if dossier.status not in DRAFT_STATUSES:
        return redirect("dossiers:detail", pk=dossier.pk)
    if step == "consent":
        if not services.on_behalf_is_filer(dossier, request.user):
            return redirect("dossiers:step", pk=dossier.pk, step="applicant")
        return _step_consent(request, dossier)
    if services.on_behalf_is_filer(dossier, request.user):
        # Nothing of the citizen is shown to the official before the citizen's consent.
        try:
            services.on_behalf_access_check(dossier=dossier, by=request.user)
        except DossierActionError as exc:
            messages.error(request, exc.message)
            if dossier.consent_recorded:
                return redirect("dossiers:mine")
            return redirect("dossiers:step", pk=dossier.pk, step="consent")
        services.on_behalf_audit(
            dossier=dossier, by=request.user, action="view", detail=f"{step} step ({request.method})", request=request
        )
    handler = {"applicant": _step_applicant, "form": _step_form, "documents": _step_documents, "review": _step_review}
    return handler[step](request, dossier)


def _after_save(request, dossier, step, valid: bool):
    """Common ending of a POST: save-draft stays, 'back' goes back, 'next' moves on when valid."""
    action = request.POST.get("action", "next")
    if action == "save":
        messages.success(request, _("Draft saved. You can come back to it from “My dossiers”."))
        return redirect("dossiers:step", pk=dossier.pk, step=step)
    if action == "back" and _prev_step(dossier, step):
        return redirect("dossiers:step", pk=dossier.pk, step=_prev_step(dossier, step))
    if valid:
        return redirect("dossiers:step", pk=dossier.pk, step=_next_step(dossier, step))
    return None


def _render_step(request, dossier, step, context, status=200):
    return render(
        request,
        f"dossiers/filing/{step}.html",
        {
            "dossier": dossier,
            "snapshot": dossier.snapshot,
            "steps": _stepper(dossier, step),
            "step": step,
            "prev_step": _prev_step(dossier, step),
            "can_file_on_behalf": dossier.filed_by_id is None and services.on_behalf_may_file(request.user),
            "is_filer": services.on_behalf_is_filer(dossier, request.user),
            **context,
        },
        status=status,
    )


def _step_consent(request, dossier):
    """The citizen proves their consent: a code sent to their phone or email that they read out,
    or (in person) the scan of a consent form they signed."""
    code_form, upload_form = ConsentCodeForm(), ConsentFormUploadForm()
    status = 200
    if request.method == "POST" and not dossier.consent_recorded:
        action = request.POST.get("action", "")
        try:
            if action in (OnBehalfConsent.Method.SMS, OnBehalfConsent.Method.EMAIL):
                services.on_behalf_code_send(dossier=dossier, by=request.user, method=action, request=request)
                messages.success(request, _("The code was sent. Ask the applicant to read it out to you."))
                return redirect("dossiers:step", pk=dossier.pk, step="consent")
            if action == "verify":
                code_form = ConsentCodeForm(request.POST)
                if code_form.is_valid():
                    services.on_behalf_code_verify(
                        dossier=dossier, by=request.user, code=code_form.cleaned_data["code"], request=request
                    )
                    messages.success(request, _("The applicant's consent is confirmed."))
                    return redirect("dossiers:step", pk=dossier.pk, step="applicant")
                status = 400
            elif action == "upload":
                upload_form = ConsentFormUploadForm(request.POST, request.FILES)
                if upload_form.is_valid():
                    services.on_behalf_consent_form_attach(
                        dossier=dossier,
                        by=request.user,
                        upload=upload_form.cleaned_data["signed_form"],
                        request=request,
                    )
                    messages.success(
                        request, _("The signed consent form is attached: the applicant's consent is confirmed.")
                    )
                    return redirect("dossiers:step", pk=dossier.pk, step="applicant")
                status = 400
        except DossierActionError as exc:
            target = upload_form if action == "upload" else code_form
            target.add_error(None, exc.message)
            status = 400
    elif request.method == "POST" and request.POST.get("action") == "next":
        return redirect("dossiers:step", pk=dossier.pk, step="applicant")
    try:
        contacts = services.on_behalf_contacts(dossier=dossier, by=request.user)
    except DossierActionError as exc:
        messages.error(request, exc.message)
        return redirect("dossiers:mine")
    pending = services.on_behalf_code_pending(dossier)
    return _render_step(
        request,
        dossier,
        "consent",
        {
            "contacts": contacts,
            "code_pending": pending,
            "code_form": code_form,
            "upload_form": upload_form,
            "in_person": dossier.channel in services.consent.IN_PERSON_CHANNELS,
            "ttl_minutes": max(settings.ON_BEHALF_CODE_TTL_SECONDS // 60, 1),
        },
        status=status,
    )


def _step_applicant(request, dossier):
    snapshot = dossier.snapshot
    citizen = dossier.citizen
    on_behalf = dossier.filed_by_id is not None
    verified = services.applicant_locked(citizen=citizen, on_behalf=on_behalf)
    locked = list(verified)
    initial = {**dossier.applicant, **verified, "agency": dossier.agency_id}
    residence = services.applicant_asks_residence(dossier=dossier)
    kwargs = {
        "agencies": snapshot.get("agencies", []),
        "locked": locked,
        "initial": initial,
        "consent": not on_behalf and request.user.pk == citizen.pk,
        "residence": residence,
    }
    if request.method == "POST":
        form = ApplicantForm(request.POST, **kwargs)
        valid = form.is_valid()
        # A verified field sent anyway (a page changed by hand) goes to the service, which refuses it.
        raw = {
            name: request.POST.get(name, "")
            for name in form.fields
            if name not in ("agency", "save_to_profile", "residence") and (name not in locked or name in request.POST)
        }
        if residence:
            raw["residence"] = form.cleaned_data.get("residence") or _raw_answers(form, request.POST)["residence"]
        if "personal_id" in raw and "personal_id" not in locked:
            raw["personal_id"] = form.cleaned_data.get("personal_id") or raw["personal_id"]
        agency = None
        if valid and form.cleaned_data.get("agency"):
            from catalog.selectors import agency_get

            agency = agency_get(id=form.cleaned_data["agency"])
        try:
            dossier = services.dossier_draft_update(dossier=dossier, by=request.user, applicant=raw, agency=agency)
        except DossierActionError as exc:
            form.add_error(None, exc.message)
            return _render_step(request, dossier, "applicant", {"form": form}, status=400)
        if valid and form.cleaned_data.get("save_to_profile"):
            from identity.services import profile_update_from_applicant

            if profile_update_from_applicant(user=citizen, applicant=dossier.applicant):
                messages.success(request, _("Your profile was updated: next time these details are filled in."))
        if request.POST.get("action") == "refresh":  # without JavaScript: the communes of the province
            return redirect("dossiers:step", pk=dossier.pk, step="applicant")
        response = _after_save(request, dossier, "applicant", valid)
        if response:
            return response
        return _render_step(request, dossier, "applicant", {"form": form}, status=400)
    return _render_step(request, dossier, "applicant", {"form": ApplicantForm(**kwargs)})


def _identity_facts(schema, answers, language) -> list[tuple[str, str]]:
    shown = [spec for spec in schema if spec.get("name") in answers]
    return answers_display(shown, answers, language=language)


def _step_form(request, dossier):
    schema = dossier.snapshot.get("form_schema") or []
    language = getattr(request, "LANGUAGE_CODE", "vi")
    # The applicant's fields are answered by the applicant step: facts here, not inputs.
    identity = services.eform_identity_answers(dossier=dossier)
    own_schema = [spec for spec in schema if spec.get("name") not in identity]
    form_class = build_form_class(own_schema, language=language)
    initial = {**prefill_values(own_schema, dossier.citizen), **(dossier.form_data or {})}
    context = {"identity_facts": _identity_facts(schema, identity, language)}
    if request.method == "POST":
        form = form_class(request.POST, initial=initial)
        valid = form.is_valid()
        cleaned, _errors = form_data_clean(own_schema, request.POST, language=language) if valid else ({}, {})
        sent = {name: request.POST[name] for name in identity if name in request.POST}
        try:
            services.dossier_draft_update(
                dossier=dossier, by=request.user, form_data={**(cleaned or _raw_answers(form, request.POST)), **sent}
            )
        except DossierActionError as exc:
            form.add_error(None, exc.message)
            return _render_step(request, dossier, "form", {"form": form, **context}, status=400)
        if request.POST.get("action") == "refresh":
            return redirect("dossiers:step", pk=dossier.pk, step="form")
        response = _after_save(request, dossier, "form", valid)
        if response:
            return response
        return _render_step(request, dossier, "form", {"form": form, **context}, status=400)
    return _render_step(request, dossier, "form", {"form": form_class(initial=initial), **context})


def _raw_answers(form, data) -> dict:
    """What was typed, kept as is (also when invalid) so nothing is lost."""
    from django import forms as dj_forms

    raw = {}
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, dj_forms.MultiWidget):
            names = getattr(widget, "widgets_names", [f"_{i}" for i in range(len(widget.widgets))])
            raw[name] = {suffix.lstrip("_"): data.get(f"{name}{suffix}", "") for suffix in names}
        elif isinstance(widget, dj_forms.CheckboxInput):
            raw[name] = name in data
        else:
            values = data.getlist(name)
            raw[name] = values[0] if len(values) == 1 else (values or "")
    return raw


def _documents_context(request, dossier, errors=None):
    files = list(dossier.files.select_related("personal_document"))
    store = services.applicant_store_documents(dossier=dossier, by=request.user)
    rows = []
    for doc in dossier.snapshot.get("documents", []):
        key = doc.get("key")
        kinds = [k.split(":", 1)[1] for k in doc.get("reusable_kinds") or [] if k.startswith("store:")]
        row_files = [f for f in files if f.doc_key == key]
        matching = [d for d in store if not kinds or d.doc_type in kinds]
        # A document the portal issued and signed, of the kind this item accepts, is offered first
        # (unless it is attached already); the rest of the store follows in the list.
        attached = {f.personal_document_id for f in row_files}
        offers = [d for d in matching if kinds and d.signed and d.doc_type in kinds and d.pk not in attached]
        rows.append(
            {
                "doc": doc,
                "files": row_files,
                "offers": offers,
                "store": [d for d in matching if d not in offers],
                "errors": (errors or {}).get(key, []),
                "waived": services.document_waived(dossier, doc),
            }
        )
    return {"rows": rows, "other_files": [f for f in files if not f.doc_key], "has_errors": bool(errors)}


def _row_id(value: str | None) -> int | None:
    """The row id a form field names, or None for anything that cannot be one ("abc", "²", 10**30)."""
    if value and value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return None


def _step_documents(request, dossier):
    if request.method == "POST":
        errors: dict[str, list[str]] = {}
        remove = request.POST.get("remove")
        if remove:
            file_id = _row_id(remove)
            if file_id is not None:  # anything else names no file: nothing to remove
                services.dossier_file_remove(dossier=dossier, by=request.user, file_id=file_id)
                messages.success(request, _("The file was removed."))
            return redirect("dossiers:step", pk=dossier.pk, step="documents")
        kind = DossierFile.Kind.SCAN if dossier.filed_by_id else DossierFile.Kind.APPLICANT
        from identity.selectors import personal_documents_of

        for doc in dossier.snapshot.get("documents", []):
            key = doc.get("key")
            for upload in request.FILES.getlist(f"file_{key}"):
                try:
                    services.dossier_file_add(dossier=dossier, by=request.user, doc_key=key, upload=upload, kind=kind)
                except DossierActionError as exc:
                    errors.setdefault(key, []).append(exc.message)
            # The offered signed document (a checkbox) and the store list (a select) share the name.
            for store_id in sorted({_row_id(v) for v in request.POST.getlist(f"store_{key}")[:5]} - {None}):
                document = personal_documents_of(dossier.citizen).filter(pk=store_id).first()
                if document is None:
                    errors.setdefault(key, []).append(_("This document is not in the applicant's document store."))
                elif not dossier.files.filter(doc_key=key, personal_document=document).exists():
                    try:
                        services.dossier_file_add(
                            dossier=dossier,
                            by=request.user,
                            doc_key=key,
                            personal_document=document,
                            kind=kind,
                            request=request,
                        )
                    except DossierActionError as exc:
                        errors.setdefault(key, []).append(exc.message)
        if not errors:
            response = _after_save(request, dossier, "documents", True)
            if request.POST.get("action") == "upload":
                messages.success(request, _("Files added."))
                return redirect("dossiers:step", pk=dossier.pk, step="documents")
            return response
        return _render_step(request, dossier, "documents", _documents_context(request, dossier, errors), status=400)
    return _render_step(request, dossier, "documents", _documents_context(request, dossier))


def _ddmmyyyy(iso: str) -> str:
    """1992-04-18 -> 18/04/1992 (a person reads dates day first); anything else as it is."""
    try:
        return dt.date.fromisoformat(iso).strftime("%d/%m/%Y")
    except ValueError:
        return iso


def _step_review(request, dossier):
    errors = services.dossier_validation_errors(dossier)
    schema = dossier.snapshot.get("form_schema") or []
    answers = answers_display(schema, dossier.form_data, language=getattr(request, "LANGUAGE_CODE", "vi"))
    if request.method == "POST":
        if request.POST.get("action") == "back":
            return redirect("dossiers:step", pk=dossier.pk, step="documents")
        try:
            dossier = services.dossier_submit(dossier=dossier, by=request.user)
        except DossierActionError as exc:
            messages.error(request, exc.message)
        else:
            # The dossier page greets the citizen with the code and the next step (once).
            request.session[JUST_SUBMITTED_KEY] = dossier.pk
            return redirect("dossiers:detail", pk=dossier.pk)
    step_of = {"applicant": "applicant", "form": "form", "documents": "documents"}
    fees = fee_lines_due(dossier.snapshot, dossier.form_data)
    error_rows = [(step_of.get(k.split(":")[0], "applicant"), m) for k, msgs in errors.items() for m in msgs]
    return _render_step(
        request,
        dossier,
        "review",
        {
            "errors": error_rows,
            "answers": answers,
            "files": dossier.files.select_related("personal_document"),
            "fees": fees,
            "fee_total": sum((line["amount"] for line in fees), 0),
            "applicant_birth": _ddmmyyyy((dossier.applicant or {}).get("date_of_birth") or ""),
        },
    )


@login_required
@require_POST
def draft_delete(request, pk: int):
    dossier = _draft_or_404(request, pk)
    try:
        services.dossier_draft_delete(dossier=dossier, by=request.user, request=request)
    except DossierActionError as exc:
        messages.error(request, exc.message)
        return redirect("dossiers:detail", pk=pk)
    messages.success(request, _("The draft was deleted."))
    return redirect("dossiers:mine")


@login_required
def mine(request):
    page = Paginator(selectors.dossiers_of_citizen(request.user), 20).get_page(request.GET.get("page"))
    return render(request, "dossiers/mine.html", {"page": page})


def _timeline(dossier):
    ids = [dossier.pk, *dossier.parts.values_list("pk", flat=True)]
    return (
        DossierEvent.objects.filter(dossier_id__in=ids)
        .filter(action__in=CITIZEN_EVENTS)
        .select_related("dossier")
        .order_by("at", "id")
    )


# The dossier page shows "just submitted" (code and next step) once, right after submission.
JUST_SUBMITTED_KEY = "dossiers_just_submitted"


def citizen_actions(*, dossier, user) -> frozenset[str]:
    """What the citizen (or who filed for them) may do on the dossier page now: "pay",
    "supplement", "withdraw", "rate". The ONE place the page decides it, from the lifecycle
    table; the services refuse anything else."""
    actions = set()
    if action_allowed(user=user, dossier=dossier, action="withdraw"):
        actions.add("withdraw")
    if action_allowed(user=user, dossier=dossier, action="resubmit"):
        actions.add("supplement")
    if (
        user.pk == dossier.citizen_id
        and _rating_of(dossier) is None
        and action_allowed(user=user, dossier=dossier, action="rate")
    ):
        actions.add("rate")
    if _fee_due_message(dossier):
        actions.add("pay")
    return frozenset(actions)


def _rating_of(dossier):
    return getattr(dossier, "rating", None) if hasattr(dossier, "rating") else None


def _fee_due_message(dossier) -> str | None:
    """The fee still blocks the next move (payments answers through the transition guards)."""
    from .hooks import transition_guards_check

    if dossier.status in NEW_STATUSES:
        return transition_guards_check(dossier=dossier, action="receive")
    if dossier.status in PROCESSING_STATUSES:
        return transition_guards_check(dossier=dossier, action="return")
    return None


def dossier_next_step(*, dossier, actions: frozenset[str], issued) -> dict | None:
    """The one thing to do now, shown first on the dossier page: what, where (a link or an
    anchor on the page), what happens next, and the appointment date."""
    result = next((d for d in issued if d.kind == "result" and d.dossier_id == dossier.pk), None)
    due = dossier.due_at
    if "supplement" in actions:
        return {
            "kind": "supplement",
            "title": _("Upload the supplements the agency asked for"),
            "action": _("Upload the supplements"),
            "href": "#bo-sung",
            "then": _(
                "The time for processing stops until you send them; when you do, the agency continues "
                "with your dossier."
            ),
            "due": None,
        }
    if "pay" in actions:
        before_intake = dossier.status in NEW_STATUSES
        return {
            "kind": "pay",
            "title": _("Pay the fee"),
            "action": _("Pay now"),
            "href": "#thanh-toan",
            "then": _("Once paid, the agency receives your dossier and gives you an appointment date.")
            if before_intake
            else _("Once paid, the agency returns the result to you."),
            "due": None if before_intake else due,
        }
    if dossier.status in NEW_STATUSES:
        return {
            "kind": "wait",
            "title": _("Wait for the agency to receive your dossier"),
            "then": _(
                "The one-stop desk checks your dossier. When it is received you get a receipt with the "
                "appointment date (by email and in your inbox)."
            ),
            "due": None,
        }
    if dossier.status in IN_PROGRESS_STATUSES - NEW_STATUSES:
        return {
            "kind": "wait",
            "title": _("Your dossier is being processed"),
            "then": _("Nothing to do for now. We will tell you when the result is ready."),
            "due": due,
        }
    if dossier.status in RESULT_STATUSES and result is not None:
        return {
            "kind": "result",
            "title": _("Your result is ready"),
            "action": _("Download the result"),
            "href": reverse("dossiers:issued_download", args=[dossier.pk, result.pk]),
            "then": _("Rate the service once you have it: it helps the agency improve.") if "rate" in actions else "",
            "due": None,
        }
    if dossier.status in RESULT_WAITING_STATUSES:
        return {
            "kind": "wait",
            "title": _("Your result is ready"),
            "then": _("Collect it at the agency on the appointment date, bringing your ID card."),
            "due": due,
        }
    if "rate" in actions:
        return {
            "kind": "rate",
            "title": _("Rate the service"),
            "action": _("Rate the service"),
            "href": "#danh-gia",
            "then": _("Your rating is sent to the agency and counts in its service-quality indicators."),
            "due": None,
        }
    return None


@login_required
def detail(request, pk: int):
    dossier = _draft_or_404(request, pk)
    if dossier.status in DRAFT_STATUSES:
        return redirect("dossiers:step", pk=dossier.pk, step="applicant")
    if services.on_behalf_is_filer(dossier, request.user):
        try:
            services.on_behalf_access_check(dossier=dossier, by=request.user)
        except DossierActionError as exc:
            raise Http404 from exc
        services.on_behalf_audit(
            dossier=dossier, by=request.user, action="view", detail="dossier page", request=request
        )
    rating = _rating_of(dossier)
    actions = citizen_actions(dossier=dossier, user=request.user)
    issued = list(selectors.issued_documents(dossier))
    supplement_event = (
        dossier.events.filter(action="request_supplement").order_by("-at", "-id").first()
        if "supplement" in actions
        else None
    )
    just_submitted = request.session.pop(JUST_SUBMITTED_KEY, None) == dossier.pk
    parts = list(dossier.parts.select_related("agency", "procedure_version").order_by("pk"))
    for part in parts:
        part.waits_for_previous = part.status in NEW_STATUSES and previous_part_pending(part) is not None
    current_part = next((p for p in parts if p.status in ACTIVE_STATUSES and not p.waits_for_previous), None)
    return render(
        request,
        "dossiers/detail.html",
        {
            "dossier": dossier,
            "snapshot": dossier.snapshot,
            "events": _timeline(dossier),
            "files": selectors.dossier_files(dossier),
            "issued": issued,
            "awaiting_signature": selectors.issued_documents_awaiting_signature(dossier),
            "parts": parts,
            "current_part": current_part,
            "can_withdraw": "withdraw" in actions,
            "next_step": dossier_next_step(dossier=dossier, actions=actions, issued=issued),
            "just_submitted": just_submitted,
            "supplement_event": supplement_event,
            "supplement_form": SupplementForm(),
            "rating": rating,
            "rating_form": RatingForm() if "rate" in actions else None,
        },
    )


def _serve(file_field, *, filename: str, content_type: str):
    return file_response(file_field, filename=filename, content_type=content_type)


def _official_sees(user, dossier) -> bool:
    return user.is_staff and selectors.dossier_visible_to_official(user=user, dossier=dossier)


def _dossier_for_download(request, pk: int) -> Dossier:
    dossier = selectors.dossier_for_owner(user=request.user, pk=pk)
    if dossier is None:
        dossier = Dossier.objects.filter(pk=pk).first()
        if dossier is None or not _official_sees(request.user, dossier):
            raise Http404
    try:  # the official filing for the citizen: only after the citizen's consent
        services.on_behalf_access_check(dossier=dossier, by=request.user)
    except DossierActionError as exc:
        raise Http404 from exc
    return dossier


def _audit_official_access(request, dossier, obj, *, detail: str) -> None:
    """An official opening a citizen's file leaves a row in the audit trail (the official filing
    on the citizen's behalf too)."""
    if request.user.pk == dossier.citizen_id:
        return
    from portal.audit import audit_record

    audit_record(
        actor=request.user, subject=dossier.citizen, action="download", obj=obj, detail=detail, request=request
    )


@login_required
def file_download(request, pk: int, file_id: int):
    """A file attached to the dossier, for its owner or an official of the agency handling it."""
    dossier = _dossier_for_download(request, pk)
    row = selectors.dossier_files(dossier).filter(pk=file_id).first()
    if row is None:
        raise Http404
    _audit_official_access(request, dossier, row, detail=f"{dossier.code} file {row.pk}")
    if row.personal_document_id:
        document = row.personal_document
        ext = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(document.content_type, "bin")
        return _serve(document.file, filename=f"document-{document.pk}.{ext}", content_type=document.content_type)
    if not row.file:
        raise Http404
    signed = selectors.signed_result_of(row)
    if signed is not None:  # the result document as the agency signed it (docs/signing.md)
        return _serve(
            signed.file, filename=f"{dossier.code or dossier.pk}-{row.pk}.pdf", content_type="application/pdf"
        )
    ext = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(row.content_type, "bin")
    return _serve(row.file, filename=f"{dossier.code or dossier.pk}-{row.pk}.{ext}", content_type=row.content_type)


@login_required
def declaration_download(request, pk: int):
    """The declaration made from the e-form's answers (PDF), for the owner or an official of
    the agency handling the dossier."""
    from django.http import HttpResponse

    from .issued_pdfs import declaration_pdf

    dossier = _dossier_for_download(request, pk)
    if dossier.status in DRAFT_STATUSES or not dossier.snapshot.get("form_schema"):
        raise Http404
    _audit_official_access(request, dossier, dossier, detail=f"{dossier.code} declaration")
    response = HttpResponse(declaration_pdf(dossier=dossier), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{dossier.code}-to-khai.pdf"'
    return response


@login_required
def issued_download(request, pk: int, doc_id: int):
    dossier = _dossier_for_download(request, pk)
    doc = selectors.issued_documents(dossier).filter(pk=doc_id).first()
    if doc is None:
        raise Http404
    _audit_official_access(request, dossier, doc, detail=f"{doc.dossier.code} {doc.kind}")
    return _serve(doc.file, filename=f"{doc.dossier.code}-{doc.kind}.pdf", content_type="application/pdf")


@login_required
def withdraw(request, pk: int):
    """Withdrawing is never one click: the dossier page links here, and only the POST of this
    page's confirmation button (confirm=yes) withdraws. Works without JavaScript."""
    dossier = _draft_or_404(request, pk)
    if request.method != "POST" or request.POST.get("confirm") != "yes":
        if dossier.status in DRAFT_STATUSES:
            return redirect("dossiers:step", pk=dossier.pk, step="applicant")
        return render(
            request,
            "dossiers/withdraw_confirm.html",
            {
                "dossier": dossier,
                "snapshot": dossier.snapshot,
                "can_withdraw": "withdraw" in citizen_actions(dossier=dossier, user=request.user),
                "reason": request.POST.get("reason", "")[:1000],
            },
        )
    try:
        services.dossier_withdraw(dossier=dossier, by=request.user, reason=request.POST.get("reason", "")[:1000])
    except DossierActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The dossier has been withdrawn."))
    return redirect("dossiers:detail", pk=pk)


@login_required
@require_POST
def supplement(request, pk: int):
    """Upload the requested supplements, then resubmit."""
    dossier = _draft_or_404(request, pk)
    form = SupplementForm(request.POST)
    form.is_valid()
    try:
        for upload in request.FILES.getlist("files"):
            services.dossier_file_add(
                dossier=dossier,
                by=request.user,
                upload=upload,
                doc_key=request.POST.get("doc_key", ""),
                kind=DossierFile.Kind.SUPPLEMENT,
            )
        if request.POST.get("action") == "resubmit":
            services.dossier_resubmit(dossier=dossier, by=request.user, note=form.cleaned_data.get("note", ""))
            messages.success(request, _("Supplements sent. The agency will continue with your dossier."))
        else:
            messages.success(request, _("Files added. Press “Send supplements” when you have added everything."))
    except DossierActionError as exc:
        messages.error(request, exc.message)
    return redirect("dossiers:detail", pk=pk)


@login_required
@require_POST
def rate(request, pk: int):
    dossier = _draft_or_404(request, pk)
    form = RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a score from 1 to 5."))
        return redirect("dossiers:detail", pk=pk)
    try:
        services.dossier_rate(
            dossier=dossier, by=request.user, score=form.cleaned_data["score"], comment=form.cleaned_data["comment"]
        )
    except DossierActionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thank you for your rating."))
    return redirect("dossiers:detail", pk=pk)


def _lookup_rate(_group, _request):
    return settings.DOSSIER_LOOKUP_RATE


@ratelimit(key="ip", rate=_lookup_rate, block=True)
@replica_reads
def lookup(request):
    """Public status lookup by dossier code: no personal data."""
    form = LookupForm(request.GET or None)
    dossier = None
    searched = False
    if form.is_bound and form.is_valid():
        searched = True
        dossier = selectors.dossier_lookup(form.cleaned_data["code"])
    return render(
        request,
        "dossiers/lookup.html",
        {"form": form, "dossier": dossier, "searched": searched, "today": dt.date.today()},
    )
