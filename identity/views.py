"""The citizen's account pages: profile and identity level, CCCD QR and MRZ checks, population
registry check, personal document store, privacy, and the e-ID sign-in endpoints."""

from __future__ import annotations

import logging

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from portal.kernel.cccd import cccd_validate
from portal.kernel.files import file_response

from . import services
from .cccd import CccdQrError, cccd_qr_decode, mrz_check
from .eid import LOGOUT_SESSION_KEY, PROMPT_LOGIN_COOKIE, eid_provider
from .forms import CccdQrForm, CloseAccountForm, MrzForm, PersonalDocumentForm, ProfileForm
from .models import PersonalDocument, User
from .population_registry import RegistryUnavailable
from .selectors import personal_document_filename, personal_documents_of

logger = logging.getLogger(__name__)
QR_SESSION_KEY = "identity.cccd_qr"


@login_required
def profile(request):
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=user)
        if "refresh_wards" in request.POST:
            # Re-show the form with the communes of the chosen province, without saving.
            initial = {name: request.POST.get(name) for name in ProfileForm.Meta.fields}
            initial["ward"] = None
            return render(
                request, "identity/profile.html", _profile_context(request, ProfileForm(instance=user, initial=initial))
            )
        if form.is_valid():
            try:
                with transaction.atomic():
                    form.save()
            except IntegrityError:
                # Two accounts typing the same number at the same moment: the unique index decides.
                form.add_error(
                    "personal_id", _("This personal identification number is already used by another account.")
                )
            else:
                messages.success(request, _("Your profile has been saved."))
                return redirect("identity:profile")
    else:
        form = ProfileForm(instance=user)
    return render(request, "identity/profile.html", _profile_context(request, form))


def _profile_context(request, form):
    user = request.user
    primary = EmailAddress.objects.filter(user=user, email__iexact=user.email).first() if user.email else None
    return {
        "form": form,
        "email_verified": bool(primary and primary.verified),
        "no_email": not user.email,
        "level2": user.identity_level >= User.Level.LEVEL_2,
        "eid_enabled": True,
    }


@login_required
def cccd_qr(request):
    parsed = None
    problems: list[str] = []
    if request.method == "POST" and "apply" in request.POST:
        data = request.session.pop(QR_SESSION_KEY, None)
        if not data:
            messages.error(request, _("Please upload the photo again."))
            return redirect("identity:cccd-qr")
        return _apply_qr(request, data)
    form = CccdQrForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            parsed = cccd_qr_decode(form.cleaned_data["photo"].read())
        except CccdQrError as exc:
            form.add_error("photo", str(exc))
        else:
            user = request.user
            try:
                cccd_validate(parsed.number, date_of_birth=parsed.date_of_birth, sex=parsed.sex or None)
            except ValidationError as error:
                problems = error.messages
            if parsed.date_of_birth is None:
                problems = [
                    _("The date of birth in the QR code is not a real date: it was left empty, check your card."),
                    *problems,
                ]
            request.session[QR_SESSION_KEY] = {
                "number": parsed.number,
                "full_name": parsed.full_name,
                "date_of_birth": parsed.date_of_birth.isoformat() if parsed.date_of_birth else "",
                "sex": parsed.sex,
                "address": parsed.address,
            }
            comparisons = [
                (_("Full name"), parsed.full_name, user.full_name),
                (_("Personal identification number"), parsed.number, user.personal_id or ""),
                (
                    _("Date of birth"),
                    parsed.date_of_birth.strftime("%d/%m/%Y") if parsed.date_of_birth else "",
                    user.date_of_birth.strftime("%d/%m/%Y") if user.date_of_birth else "",
                ),
                (
                    _("Sex"),
                    _("Male") if parsed.sex == "M" else _("Female") if parsed.sex == "F" else "",
                    user.get_sex_display(),
                ),
            ]
            return render(
                request,
                "identity/cccd_qr.html",
                {"form": CccdQrForm(), "parsed": parsed, "problems": problems, "comparisons": comparisons},
            )
    return render(request, "identity/cccd_qr.html", {"form": form, "parsed": None, "problems": problems})


def _apply_qr(request, data):
    import datetime as dt

    user = request.user
    if user.identity_level >= User.Level.LEVEL_2:
        messages.info(request, _("Your identity is already verified; your profile was not changed."))
        return redirect("identity:profile")
    if User.objects.filter(personal_id=data["number"]).exclude(pk=user.pk).exists():
        messages.error(request, _("This personal identification number is already used by another account."))
        return redirect("identity:cccd-qr")
    user.full_name = data["full_name"]
    user.personal_id = data["number"]
    user.date_of_birth = dt.date.fromisoformat(data["date_of_birth"]) if data["date_of_birth"] else user.date_of_birth
    user.sex = data["sex"] or user.sex
    if data["address"] and not user.address_line:
        user.address_line = data["address"][:255]
    # A card photo proves nothing about who holds the account: the number is only claimed.
    user.personal_id_source = User.PersonalIdSource.CCCD_QR
    try:
        with transaction.atomic():
            user.save(
                update_fields=["full_name", "personal_id", "personal_id_source", "date_of_birth", "sex", "address_line"]
            )
    except IntegrityError:
        messages.error(request, _("This personal identification number is already used by another account."))
        return redirect("identity:cccd-qr")
    messages.success(request, _("Your profile was filled in from your ID card."))
    return redirect("identity:profile")


@login_required
def mrz(request):
    form = MrzForm(request.POST or None)
    result = None
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        result, errors = mrz_check(form.cleaned_data["mrz"])
        if result and not errors and request.user.personal_id and result.number != request.user.personal_id:
            errors.append(_("The card in the MRZ is not the one on your profile."))
    return render(request, "identity/mrz.html", {"form": form, "result": result, "errors": errors})


@login_required
@require_POST
def registry_check(request):
    try:
        matched = services.registry_check_run(user=request.user)
    except services.RegistryCheckRefused as exc:
        messages.error(request, str(exc))
        return redirect("identity:profile")
    except RegistryUnavailable:
        logger.warning("population registry unavailable for a profile check")
        request.session["identity.registry_down"] = True
        messages.warning(
            request,
            _(
                "The national population database is not answering right now. Nothing is lost: you can keep "
                "using the portal at level 1 and try again later, or ask to be verified in person at the "
                "one-stop desk."
            ),
        )
        return redirect("identity:profile")
    request.session.pop("identity.registry_down", None)
    if matched:
        messages.success(request, _("Your name, date of birth and ID number match the national population database."))
    else:
        messages.error(
            request,
            _(
                "Your name, date of birth or ID number do not match the national population database. Please "
                "check them against your ID card."
            ),
        )
    return redirect("identity:profile")


@login_required
@require_POST
def request_in_person(request):
    services.user_request_in_person_verification(user=request.user)
    messages.success(
        request,
        _(
            "Your request is recorded. Bring your chip ID card to any one-stop desk: an official will check it "
            "and raise your account to level 2."
        ),
    )
    return redirect("identity:profile")


@login_required
def documents(request):
    form = PersonalDocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.personal_document_add(
                owner=request.user,
                doc_type=data["doc_type"],
                title=data["title"],
                upload=data["upload"],
                number=data["number"],
                issuer=data["issuer"],
                issued_on=data["issued_on"],
                expires_on=data["expires_on"],
            )
        except ValidationError as exc:
            form.add_error("upload", exc)
        else:
            messages.success(request, _("The document was added to your personal document store."))
            return redirect("identity:documents")
    return render(
        request,
        "identity/documents.html",
        {
            "form": form,
            "documents": personal_documents_of(request.user),
            "doc_types": dict(PersonalDocumentForm.DOC_TYPES),
        },
    )


@login_required
def document_file(request, pk: int):
    document = get_object_or_404(PersonalDocument, pk=pk)
    if not document.file:
        raise Http404
    try:
        handle = services.personal_document_open(document=document, user=request.user, request=request)
    except PermissionDenied:
        raise Http404 from None
    return file_response(handle, filename=personal_document_filename(document), content_type=document.content_type)


@login_required
@require_POST
def document_delete(request, pk: int):
    document = get_object_or_404(PersonalDocument, pk=pk, owner=request.user)
    try:
        services.personal_document_delete(document=document, by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("identity:documents")
    messages.success(request, _("The document was deleted."))
    return redirect("identity:documents")


@login_required
def privacy(request):
    form = CloseAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            kept = services.account_close(user=request.user)
        except services.AccountCloseError as exc:
            messages.error(request, str(exc))
            return redirect("identity:privacy")
        logout(request)
        messages.success(request, _("Your account has been closed and your personal data deleted."))
        if kept:
            messages.info(
                request,
                _("The documents you sent with your dossiers are kept with those dossiers' records."),
            )
        return redirect("/")
    return render(request, "identity/privacy.html", {"form": form})


@login_required
@require_POST
def privacy_export(request):
    payload = services.account_export(user=request.user)
    response = HttpResponse(payload, content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="du-lieu-ca-nhan.zip"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- e-ID ---------------------------------------------------------------------------------------


LINK_SESSION_KEY = "identity.eid.link"


def eid_start(request):
    """Start an e-ID sign-in. A POST by a signed-in citizen (the profile's "Verify with VNeID")
    links the e-ID to this account: being signed in is the proof of control over it."""
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    request.session.pop(LINK_SESSION_KEY, None)
    if request.method == "POST" and request.user.is_authenticated:
        request.session[LINK_SESSION_KEY] = request.user.pk
    prompt = "login" if request.COOKIES.get(PROMPT_LOGIN_COOKIE) else ""
    try:
        url = eid_provider().authorization_url(request, next_url=next_url, prompt=prompt)
    except services.EidLoginError as exc:
        messages.error(request, str(exc))
        return redirect("account_login")
    return redirect(url)


@ratelimit(key="ip", rate=lambda group, request: settings.EID_CALLBACK_RATE, block=False)
def eid_callback(request):
    if getattr(request, "limited", False):
        from portal.views import ratelimited

        return ratelimited(request)
    provider = eid_provider()
    next_url = (request.session.get("identity.eid.flow") or {}).get("next") or ""
    link_pk = request.session.pop(LINK_SESSION_KEY, None)
    link_to = request.user if request.user.is_authenticated and request.user.pk == link_pk else None
    try:
        identity = provider.complete(request)
        result = services.user_from_eid(identity=identity, link_to=link_to, request=request)
    except services.EidLoginError as exc:
        logger.info("e-ID sign-in refused: %s", exc)
        messages.error(request, _("VNeID sign-in failed: %(reason)s") % {"reason": exc})
        return redirect("identity:profile" if link_to is not None else "account_login")
    user = result.user
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[LOGOUT_SESSION_KEY] = {"provider": provider.id, "id_token": identity.id_token}
    if result.clash:
        messages.warning(
            request,
            _(
                "Another account had entered your personal identification number. VNeID confirmed that the "
                "number is yours, so you are signed in to your own account and the number was removed from the "
                "other one. If that account is yours or you did not expect this, please contact the one-stop desk."
            ),
        )
    if user.identity_level >= User.Level.LEVEL_2:
        messages.success(request, _("You are signed in with VNeID. Your account is verified at level 2."))
    else:
        messages.success(request, _("You are signed in with VNeID (level 1 e-ID account)."))
    response = redirect(next_url or "identity:profile")
    response.delete_cookie(PROMPT_LOGIN_COOKIE)
    return response
