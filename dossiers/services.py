"""Writes on dossiers: drafts, submission (with the dossier code), every lifecycle transition,
claiming and assigning, files, ratings and the deadline marks. Nothing else assigns `status`.

Each transition locks the row, checks the state, is a no-op when already done, refuses an
illegal move with DossierActionError (a message for people), appends a timeline event, sends
`dossier_transitioned`, and queues the notification and the PDF to go out on commit.
"""

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from identity import roles
from identity.selectors import official_agency_ids, user_has_role

from .calendar import due_at_compute, working_days_between
from .eform import build_form_class, form_data_clean
from .hooks import transition_guards_check
from .models import (
    ACTIVE_STATUSES,
    FINAL_STATUSES,
    Channel,
    Dossier,
    DossierEvent,
    DossierFile,
    DossierRating,
    IssuedDocument,
    Status,
)
from .notify import citizen_notify, officials_notify
from .signals import dossier_submitted, dossier_transitioned
from .uploads import UploadRefused, upload_check


class DossierActionError(Exception):
    """An action that may not happen now; str(error) is a message for the person who tried."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = str(message)


# Which official roles may take which action (superusers may take all).
ACTION_ROLES = {
    "receive": {roles.INTAKE, roles.LEADER},
    "request_supplement": {roles.INTAKE, roles.PROCESSING, roles.LEADER},
    "reject_intake": {roles.INTAKE, roles.LEADER},
    "transfer": {roles.PROCESSING, roles.LEADER},
    "transfer_back": {roles.INTAKE, roles.PROCESSING, roles.LEADER},
    "approve": {roles.PROCESSING, roles.LEADER},
    "refuse": {roles.PROCESSING, roles.LEADER},
    "extend": {roles.PROCESSING, roles.LEADER},
    "return_result": {roles.INTAKE, roles.LEADER},
    "claim": {roles.INTAKE, roles.PROCESSING, roles.LEADER},
    "assign": {roles.LEADER},
    "regenerate": {roles.INTAKE, roles.PROCESSING, roles.LEADER},
}

ACTION_LABELS = {
    "submit": gettext_noop("submit"),
    "receive": gettext_noop("receive"),
    "request_supplement": gettext_noop("request supplements"),
    "resubmit": gettext_noop("resubmit"),
    "reject_intake": gettext_noop("reject at intake"),
    "transfer": gettext_noop("transfer"),
    "transfer_back": gettext_noop("transfer back"),
    "approve": gettext_noop("approve"),
    "refuse": gettext_noop("refuse"),
    "extend": gettext_noop("extend"),
    "return_result": gettext_noop("return the result"),
    "withdraw": gettext_noop("withdraw"),
    "claim": gettext_noop("claim"),
    "assign": gettext_noop("assign"),
}


def _action_label(action: str) -> str:
    return _(ACTION_LABELS.get(action, action))


def official_may(user, dossier: Dossier, action: str) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    agency_id = dossier.current_agency_id or dossier.agency_id
    if agency_id not in official_agency_ids(user):
        return False
    return user_has_role(user, *ACTION_ROLES.get(action, set()))


def _check_official(user, dossier: Dossier, action: str) -> None:
    if not official_may(user, dossier, action):
        raise DossierActionError(_("You may not %(action)s this dossier.") % {"action": _action_label(action)})


def _check_owner(user, dossier: Dossier) -> None:
    if user is None or user.pk not in (dossier.citizen_id, dossier.filed_by_id):
        raise DossierActionError(_("This dossier is not yours."))


def _illegal(dossier: Dossier, action: str) -> DossierActionError:
    return DossierActionError(
        _("A dossier that is “%(status)s” cannot be %(action)s: this step is not possible now.")
        % {"status": dossier.get_status_display(), "action": _action_label(action)}
    )


def _lock(dossier: Dossier | int) -> Dossier:
    pk = dossier.pk if isinstance(dossier, Dossier) else dossier
    return (
        Dossier.objects.select_for_update(of=("self",) if connection.features.has_select_for_update_of else ())
        .select_related("citizen", "agency", "current_agency", "procedure_version")
        .get(pk=pk)
    )


def _event(*, dossier, actor, action, from_status="", to_status="", note="", data=None) -> DossierEvent:
    return DossierEvent.objects.create(
        dossier=dossier,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data or {},
    )


def _issue_on_commit(*, dossier_id: int, kind: str, event_id: int) -> None:
    from .tasks import issued_document_generate

    transaction.on_commit(lambda: issued_document_generate.delay(dossier_id, kind, event_id))


def _transition(
    *,
    dossier,
    actor,
    action: str,
    allowed: tuple,
    to: str | None,
    note: str = "",
    data: dict | None = None,
    apply: Callable[[Dossier], None] | None = None,
    done: Callable[[Dossier], bool] | None = None,
    check: Callable[[Dossier], None] | None = None,
    issue: str | None = None,
    official: bool = True,
    guard: bool = True,
    notify_citizen: bool = True,
    notify_note: str | None = None,
) -> Dossier:
    with transaction.atomic():
        d = _lock(dossier)
        if official:
            _check_official(actor, d, action)
        else:
            _check_owner(actor, d)
        if (done or (lambda x: to is not None and x.status == to))(d):
            return d
        if d.status not in allowed:
            raise _illegal(d, action)
        if check:
            check(d)
        if guard:
            message = transition_guards_check(dossier=d, action=action)
            if message:
                raise DossierActionError(message)
        from_status = d.status
        if apply:
            apply(d)
        if to:
            d.status = to
        d.save()
        event = _event(
            dossier=d, actor=actor, action=action, from_status=from_status, to_status=d.status, note=note, data=data
        )
        dossier_transitioned.send(
            sender=Dossier, dossier=d, action=action, from_status=from_status, to_status=d.status, actor=actor
        )
        if issue:
            _issue_on_commit(dossier_id=d.pk, kind=issue, event_id=event.pk)
        if notify_citizen:
            citizen_notify(
                dossier=d, action=action, note=notify_note if notify_note is not None else note, key=f"event:{event.pk}"
            )
        if d.parent_id:
            _bundle_parent_sync(parent_id=d.parent_id, actor=actor)
    return d


# --- Drafts and files ----------------------------------------------------------------------------


def dossier_draft_create(
    *,
    citizen,
    procedure_version,
    agency=None,
    filed_by=None,
    channel: str = Channel.ONLINE,
    consent: bool = False,
    applicant: dict | None = None,
) -> Dossier:
    """A new draft. `agency` defaults to the first implementing agency of the procedure."""
    snapshot = procedure_version.snapshot or {}
    agency_ids = [a["id"] for a in snapshot.get("agencies", [])]
    if agency is None:
        if not agency_ids:
            raise DossierActionError(_("This procedure has no implementing agency yet."))
        agency_id = agency_ids[0]
    else:
        agency_id = agency.pk
        if agency_ids and agency_id not in agency_ids:
            raise DossierActionError(_("This agency does not handle this procedure."))
    if filed_by is not None and filed_by.pk != citizen.pk and not consent:
        raise DossierActionError(_("Record the applicant's consent before filing on their behalf."))
    with transaction.atomic():
        dossier = Dossier.objects.create(
            citizen=citizen,
            filed_by=filed_by if filed_by is not None and filed_by.pk != citizen.pk else None,
            channel=channel,
            procedure_version=procedure_version,
            agency_id=agency_id,
            applicant=applicant if applicant is not None else applicant_from_user(citizen),
            consent_recorded=consent,
        )
        _event(
            dossier=dossier,
            actor=filed_by or citizen,
            action="draft",
            to_status=Status.DRAFT,
            data={"channel": channel, "consent": consent} if dossier.filed_by_id else {},
        )
    return dossier


def applicant_from_user(user) -> dict:
    from .eform import user_address

    return {
        "full_name": user.full_name,
        "personal_id": user.personal_id or "",
        "date_of_birth": user.date_of_birth.isoformat() if user.date_of_birth else "",
        "sex": user.sex,
        "phone": user.phone,
        "email": user.email,
        "address": user_address(user),
    }


def _check_draft(dossier: Dossier, by) -> None:
    _check_owner(by, dossier)
    if dossier.status != Status.DRAFT:
        raise DossierActionError(_("This dossier has been submitted and can no longer be edited."))


def dossier_draft_update(
    *, dossier: Dossier, by, applicant: dict | None = None, form_data: dict | None = None, agency=None
) -> Dossier:
    """Save what was typed, valid or not: nothing is lost; validation happens at submission."""
    with transaction.atomic():
        d = _lock(dossier)
        _check_draft(d, by)
        if applicant is not None:
            d.applicant = {**d.applicant, **applicant}
        if form_data is not None:
            d.form_data = {**d.form_data, **form_data}
        if agency is not None:
            ids = [a["id"] for a in d.snapshot.get("agencies", [])]
            if ids and agency.pk not in ids:
                raise DossierActionError(_("This agency does not handle this procedure."))
            d.agency = agency
        d.save()
    return d


def dossier_draft_delete(*, dossier: Dossier, by) -> None:
    with transaction.atomic():
        d = _lock(dossier)
        _check_draft(d, by)
        for f in d.files.all():
            if f.file:
                f.file.delete(save=False)
        d.delete()


def _files_usage(dossier: Dossier) -> tuple[int, int]:
    rows = list(dossier.files.values_list("size", flat=True))
    return sum(rows), len(rows)


def dossier_file_add(
    *,
    dossier: Dossier,
    by,
    doc_key: str = "",
    upload=None,
    personal_document=None,
    kind: str = DossierFile.Kind.APPLICANT,
) -> DossierFile:
    """Attach an upload (checked by content and size) or a document from the personal store."""
    with transaction.atomic():
        d = _lock(dossier)
        if kind == DossierFile.Kind.SUPPLEMENT:
            _check_owner(by, d)
            if d.status != Status.SUPPLEMENT_REQUESTED:
                raise DossierActionError(_("Supplements can only be added when they have been requested."))
        elif kind == DossierFile.Kind.SCAN and d.status != Status.DRAFT:
            _check_official(by, d, "receive")
        else:
            _check_draft(d, by)
        keys = {doc.get("key") for doc in d.snapshot.get("documents", [])}
        if doc_key and keys and doc_key not in keys:
            raise DossierActionError(_("Unknown document."))
        if personal_document is not None:
            if personal_document.owner_id != d.citizen_id:
                raise DossierActionError(_("This document is not in the applicant's document store."))
            return DossierFile.objects.create(
                dossier=d,
                doc_key=doc_key,
                kind=kind,
                personal_document=personal_document,
                original_name=personal_document.title,
                content_type=personal_document.content_type,
                size=0,
                uploaded_by=by,
            )
        if upload is None:
            raise DossierActionError(_("Choose a file to upload."))
        used_bytes, used_files = _files_usage(d)
        try:
            content_type = upload_check(upload=upload, used_bytes=used_bytes, used_files=used_files)
        except UploadRefused as exc:
            raise DossierActionError(str(exc)) from exc
        row = DossierFile(
            dossier=d,
            doc_key=doc_key,
            kind=kind,
            original_name=(upload.name or "")[-255:],
            content_type=content_type,
            size=upload.size,
            uploaded_by=by,
        )
        row.file.save("upload", upload, save=False)
        row.save()
    return row


def dossier_file_remove(*, dossier: Dossier, by, file_id: int) -> None:
    with transaction.atomic():
        d = _lock(dossier)
        row = d.files.filter(pk=file_id).first()
        if row is None:
            return
        if row.kind == DossierFile.Kind.SUPPLEMENT and d.status == Status.SUPPLEMENT_REQUESTED:
            _check_owner(by, d)
        else:
            _check_draft(d, by)
        name = row.file.name if row.file else None
        storage = row.file.storage if row.file else None
        row.delete()
        if name:
            transaction.on_commit(lambda: storage.delete(name))


# --- Submission ----------------------------------------------------------------------------------


def dossier_code_next(*, unit_code: str, day: dt.date) -> str:
    """`<unit code>-YYMMDD-NNNN`: one atomic upsert on the per-(unit, day) counter row, so
    concurrent submissions on any number of processes never share a number."""
    table = "dossiers_dossiercodecounter"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (unit_code, day, last) VALUES (%s, %s, 1) "  # noqa: S608 - constant table name
            f"ON CONFLICT (unit_code, day) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [unit_code, day.isoformat()],
        )
        number = cursor.fetchone()[0]
    return f"{unit_code}-{day:%y%m%d}-{number:04d}"


def dossier_validation_errors(dossier: Dossier) -> dict[str, list[str]]:
    """What stops a draft from being submitted: {"applicant"|"form:<field>"|"documents:<key>": [...]}."""
    errors: dict[str, list[str]] = {}
    applicant = dossier.applicant or {}
    for key, label in (("full_name", _("Full name")), ("personal_id", _("Personal identification number"))):
        if not str(applicant.get(key, "")).strip():
            errors.setdefault("applicant", []).append(_("%(field)s is required.") % {"field": label})
    pid = str(applicant.get("personal_id", "")).strip()
    if pid and (len(pid) != 12 or not pid.isdigit()):
        errors.setdefault("applicant", []).append(_("The personal identification number has 12 digits."))
    schema = dossier.snapshot.get("form_schema") or []
    _cleaned, form_errors = form_data_clean(schema, dossier.form_data or {}, language="vi")
    if form_errors:
        labels = {name: f.label for name, f in build_form_class(schema, language="vi").base_fields.items()}
        for field, messages in form_errors.items():
            label = labels.get(field) or field
            errors[f"form:{field}"] = [f"{label}: {m}" for m in messages]
    present = set(dossier.files.values_list("doc_key", flat=True))
    for doc in dossier.snapshot.get("documents", []):
        if not doc.get("mandatory") or doc.get("key") in present:
            continue
        if "eid:identity" in (doc.get("reusable_kinds") or []) and pid:
            continue
        errors[f"documents:{doc.get('key')}"] = [_("“%(name)s” is required.") % {"name": doc.get("name")}]
    return errors


def dossier_submit(*, dossier: Dossier, by) -> Dossier:
    """Submit a draft: validate, freeze the data, give it its code, put it in the agency's queue."""
    with transaction.atomic():
        d = _lock(dossier)
        _check_owner(by, d)
        if d.status != Status.DRAFT:
            if d.code:
                return d
            raise _illegal(d, "submit")
        snapshot = d.snapshot
        errors = dossier_validation_errors(d)
        if errors:
            first = next(iter(errors.values()))[0]
            raise DossierActionError(_("The dossier is not complete: %(error)s") % {"error": first})
        _cleaned, _errs = form_data_clean(snapshot.get("form_schema") or [], d.form_data or {}, language="vi")
        now = timezone.now()
        d.form_data = _cleaned or d.form_data
        d.code = dossier_code_next(unit_code=d.agency.code, day=timezone.localdate(now))
        d.status = Status.SUBMITTED
        d.submitted_at = now
        d.current_agency = None if snapshot.get("is_bundle") else d.agency
        d.save()
        _event(
            dossier=d,
            actor=by,
            action="submit",
            from_status=Status.DRAFT,
            to_status=Status.SUBMITTED,
            data={"procedure_version": d.procedure_version_id, "channel": d.channel},
        )
        if snapshot.get("is_bundle"):
            _bundle_parts_create(parent=d, by=by, now=now)
        dossier_submitted.send(sender=Dossier, dossier=d)
        dossier_transitioned.send(
            sender=Dossier, dossier=d, action="submit", from_status=Status.DRAFT, to_status=d.status, actor=by
        )
        citizen_notify(dossier=d, action="submit")
        if d.current_agency_id:
            _intake_officials_notify(dossier=d)
    return d


def _bundle_parts_create(*, parent: Dossier, by, now) -> None:
    from services.models import Agency

    parts = parent.snapshot.get("bundle_parts") or []
    agencies = Agency.objects.in_bulk([p["agency"]["id"] for p in parts if p.get("agency")])
    for index, part in enumerate(parts):
        agency = agencies.get((part.get("agency") or {}).get("id"))
        if agency is None:
            continue
        child = Dossier.objects.create(
            parent=parent,
            citizen=parent.citizen,
            filed_by=parent.filed_by,
            channel=parent.channel,
            procedure_version=parent.procedure_version,
            agency=agency,
            current_agency=agency,
            applicant=parent.applicant,
            form_data={**parent.form_data, "bundle_part": {"index": index, "name": part.get("name", "")}},
            consent_recorded=parent.consent_recorded,
            code=dossier_code_next(unit_code=agency.code, day=timezone.localdate(now)),
            status=Status.SUBMITTED,
            submitted_at=now,
        )
        _event(
            dossier=child,
            actor=by,
            action="submit",
            from_status=Status.DRAFT,
            to_status=Status.SUBMITTED,
            note=part.get("name", ""),
            data={"parent": parent.code},
        )
        dossier_submitted.send(sender=Dossier, dossier=child)
        _intake_officials_notify(dossier=child)


def _bundle_parent_sync(*, parent_id: int, actor) -> None:
    """A bundle's status follows its parts: in processing once one is received, completed
    when all are done."""
    parent = _lock(parent_id)
    parts = list(parent.parts.values_list("status", "due_at", "received_at"))
    statuses = [s for s, _due, _rec in parts]
    if not statuses:
        return
    if all(s in FINAL_STATUSES for s in statuses):
        if any(s == Status.COMPLETED for s in statuses):
            new = Status.COMPLETED
        elif all(s == Status.WITHDRAWN for s in statuses):
            new = Status.WITHDRAWN
        else:
            new = Status.REFUSED
    elif any(s == Status.SUPPLEMENT_REQUESTED for s in statuses):
        new = Status.SUPPLEMENT_REQUESTED
    elif any(s in (Status.IN_PROCESSING, Status.TRANSFERRED, Status.RESULT_READY, Status.COMPLETED) for s in statuses):
        new = Status.IN_PROCESSING
    else:
        new = Status.SUBMITTED
    dues = [due for _s, due, _r in parts if due]
    receipts = [rec for _s, _d, rec in parts if rec]
    parent.due_at = max(dues) if dues else parent.due_at
    parent.received_at = min(receipts) if receipts else parent.received_at
    if new == parent.status:
        parent.save(update_fields=["due_at", "received_at", "updated_at"])
        return
    old = parent.status
    parent.status = new
    if new in FINAL_STATUSES:
        parent.completed_at = timezone.now()
    parent.save()
    _event(dossier=parent, actor=actor, action="bundle_sync", from_status=old, to_status=new)
    dossier_transitioned.send(
        sender=Dossier, dossier=parent, action="bundle_sync", from_status=old, to_status=new, actor=actor
    )
    if new == Status.COMPLETED:
        citizen_notify(dossier=parent, action="return_result")


def _intake_officials_notify(*, dossier: Dossier) -> None:
    users = (
        get_user_model()
        .objects.filter(
            official_profile__agency_id=dossier.current_agency_id, groups__name=roles.INTAKE, is_active=True
        )
        .distinct()
    )
    officials_notify(
        users=users,
        dossier=dossier,
        event="dossier.new",
        subject=_("New dossier %(code)s") % {"code": dossier.code},
        body=_("A new dossier %(code)s (%(procedure)s) is waiting in your agency's queue.")
        % {"code": dossier.code, "procedure": dossier.procedure_version.name},
    )


# --- Transitions ---------------------------------------------------------------------------------


def dossier_receive(*, dossier: Dossier, by, note: str = "") -> Dossier:
    """Intake accepts the dossier: the deadline starts; form 01 (receipt and appointment)."""

    data: dict = {}

    def apply(d):
        d.received_at = timezone.now()
        time = d.snapshot.get("processing_time") or {}
        d.due_at = due_at_compute(
            received_at=d.received_at, value=time.get("value") or 0, unit=time.get("unit") or "working_days"
        )
        data["due_at"] = d.due_at.isoformat()
        if d.assigned_to_id is None:
            d.assigned_to = by

    return _transition(
        dossier=dossier,
        actor=by,
        action="receive",
        allowed=(Status.SUBMITTED,),
        to=Status.IN_PROCESSING,
        note=note,
        data=data,
        apply=apply,
        done=lambda d: d.received_at is not None and d.status == Status.IN_PROCESSING,
        issue=IssuedDocument.Kind.RECEIPT,
    )


def dossier_request_supplement(*, dossier: Dossier, by, missing: list[str] | str, note: str = "") -> Dossier:
    """Ask the citizen for what is missing (form 02); they upload it and resubmit."""
    if isinstance(missing, str):
        missing = [line.strip() for line in missing.splitlines() if line.strip()]
    if not missing:
        raise DossierActionError(_("List what is missing."))
    return _transition(
        dossier=dossier,
        actor=by,
        action="request_supplement",
        allowed=(Status.SUBMITTED, Status.IN_PROCESSING),
        to=Status.SUPPLEMENT_REQUESTED,
        note=note,
        notify_note="; ".join([*missing, note] if note else missing),
        data={"missing": missing},
        issue=IssuedDocument.Kind.SUPPLEMENT,
    )


def _supplement_event(d: Dossier) -> DossierEvent | None:
    return d.events.filter(action="request_supplement").order_by("-at", "-id").first()


def dossier_resubmit(*, dossier: Dossier, by, note: str = "") -> Dossier:
    """The citizen has added the supplements: back to where the dossier was."""

    def apply(d):
        event = _supplement_event(d)
        resume = (event.from_status if event else "") or Status.SUBMITTED
        d.status = resume

    def check(d):
        if event := _supplement_event(d):
            added = d.files.filter(kind=DossierFile.Kind.SUPPLEMENT, created_at__gte=event.at).exists()
            if not added and not note.strip():
                raise DossierActionError(_("Upload the requested documents (or explain) before resubmitting."))

    d = _transition(
        dossier=dossier,
        actor=by,
        action="resubmit",
        allowed=(Status.SUPPLEMENT_REQUESTED,),
        to=None,
        note=note,
        apply=apply,
        check=check,
        done=lambda d: False,
        official=False,
        guard=False,
        notify_citizen=False,
    )
    with transaction.atomic():
        if d.current_agency_id:
            officials = get_user_model().objects.filter(pk=d.assigned_to_id) if d.assigned_to_id else None
            if officials is None:
                _intake_officials_notify(dossier=d)
            else:
                officials_notify(
                    users=officials,
                    dossier=d,
                    event="dossier.resubmitted",
                    subject=_("Supplements received for %(code)s") % {"code": d.code},
                    body=_("The applicant added the requested supplements to dossier %(code)s.") % {"code": d.code},
                )
    return d


def dossier_reject_intake(*, dossier: Dossier, by, reason: str) -> Dossier:
    """Refuse to accept the dossier at intake (form 03, with the reason)."""
    if not reason.strip():
        raise DossierActionError(_("Give the reason."))

    def apply(d):
        d.completed_at = timezone.now()

    return _transition(
        dossier=dossier,
        actor=by,
        action="reject_intake",
        allowed=(Status.SUBMITTED, Status.SUPPLEMENT_REQUESTED),
        to=Status.REJECTED,
        note=reason,
        apply=apply,
        check=lambda d: _not_received(d, "reject_intake"),
        issue=IssuedDocument.Kind.REFUSAL,
        guard=False,
    )


def _not_received(d: Dossier, action: str) -> None:
    if d.received_at is not None:
        raise _illegal(d, action)


def dossier_transfer(*, dossier: Dossier, by, to_agency, note: str = "") -> Dossier:
    """Send the dossier to another agency for its part of the work (liên thông)."""

    def check(d):
        if to_agency.pk == d.current_agency_id:
            raise DossierActionError(_("The dossier is already with this agency."))

    def apply(d):
        d.current_agency = to_agency
        d.assigned_to = None

    return _transition(
        dossier=dossier,
        actor=by,
        action="transfer",
        allowed=(Status.IN_PROCESSING,),
        to=Status.TRANSFERRED,
        note=note,
        data={"to_agency": to_agency.pk, "to_agency_name": to_agency.name},
        check=check,
        apply=apply,
        done=lambda d: d.status == Status.TRANSFERRED and d.current_agency_id == to_agency.pk,
    )


def dossier_transfer_back(*, dossier: Dossier, by, note: str = "") -> Dossier:
    """The other agency has done its part and hands the dossier back."""

    def apply(d):
        d.current_agency = d.agency
        last = d.events.filter(action="transfer").order_by("-at", "-id").first()
        d.assigned_to = last.actor if last else None

    return _transition(
        dossier=dossier,
        actor=by,
        action="transfer_back",
        allowed=(Status.TRANSFERRED,),
        to=Status.IN_PROCESSING,
        note=note,
        apply=apply,
        notify_citizen=False,
    )


def dossier_approve(*, dossier: Dossier, by, result_file=None, paper_result: bool = False, note: str = "") -> Dossier:
    """The result is ready: an uploaded result document, or a paper result to collect."""
    if result_file is None and not paper_result:
        raise DossierActionError(_("Upload the result document or mark that the result is on paper."))
    if result_file is not None:
        try:
            content_type = upload_check(upload=result_file, used_bytes=0, used_files=0)
        except UploadRefused as exc:
            raise DossierActionError(str(exc)) from exc

    def apply(d):
        if result_file is not None:
            row = DossierFile(
                dossier=d,
                kind=DossierFile.Kind.RESULT,
                original_name=(result_file.name or "")[-255:],
                content_type=content_type,
                size=result_file.size,
                uploaded_by=by,
            )
            row.file.save("result", result_file, save=False)
            row.save()

    return _transition(
        dossier=dossier,
        actor=by,
        action="approve",
        allowed=(Status.IN_PROCESSING,),
        to=Status.RESULT_READY,
        note=note,
        data={"paper_result": bool(paper_result and result_file is None)},
        apply=apply,
        issue=IssuedDocument.Kind.RESULT,
    )


def dossier_refuse(*, dossier: Dossier, by, reason: str) -> Dossier:
    """Refuse the request after examination (with the reason; form 03)."""
    if not reason.strip():
        raise DossierActionError(_("Give the reason."))

    def apply(d):
        d.completed_at = timezone.now()

    return _transition(
        dossier=dossier,
        actor=by,
        action="refuse",
        allowed=(Status.IN_PROCESSING, Status.TRANSFERRED),
        to=Status.REFUSED,
        note=reason,
        apply=apply,
        issue=IssuedDocument.Kind.REFUSAL,
        guard=False,
    )


def dossier_extend(*, dossier: Dossier, by, new_due: dt.date | dt.datetime, reason: str) -> Dossier:
    """Apologise and set a later result date (form 04)."""
    if not reason.strip():
        raise DossierActionError(_("Give the reason."))
    if isinstance(new_due, dt.datetime):
        new_due_at = new_due
    else:
        close = settings.DOSSIER_WORKING_HOURS[-1][1]
        hours, minutes = (int(x) for x in close.split(":"))
        new_due_at = timezone.make_aware(dt.datetime.combine(new_due, dt.time(hours, minutes)))
    state = {}

    def check(d):
        if d.due_at and new_due_at <= d.due_at:
            raise DossierActionError(_("The new date must be after the current due date."))
        if new_due_at <= timezone.now():
            raise DossierActionError(_("The new date must be in the future."))
        state["old"] = d.due_at.isoformat() if d.due_at else None

    def apply(d):
        d.due_at = new_due_at
        d.due_soon_notified_at = None
        d.overdue_notified_at = None

    data = {"new_due_at": new_due_at.isoformat()}
    d = _transition(
        dossier=dossier,
        actor=by,
        action="extend",
        allowed=(Status.IN_PROCESSING, Status.TRANSFERRED, Status.SUPPLEMENT_REQUESTED),
        to=None,
        note=reason,
        data=data,
        check=lambda x: (_must_be_received(x, "extend"), check(x)),
        apply=apply,
        done=lambda x: x.due_at == new_due_at,
        issue=IssuedDocument.Kind.APOLOGY,
    )
    return d


def _must_be_received(d: Dossier, action: str) -> None:
    if d.received_at is None:
        raise _illegal(d, action)


def dossier_return_result(*, dossier: Dossier, by, note: str = "") -> Dossier:
    """The citizen has the result: completed."""

    def apply(d):
        d.completed_at = timezone.now()

    return _transition(
        dossier=dossier,
        actor=by,
        action="return_result",
        allowed=(Status.RESULT_READY,),
        to=Status.COMPLETED,
        note=note,
        apply=apply,
    )


def dossier_withdraw(*, dossier: Dossier, by, reason: str = "") -> Dossier:
    """The citizen takes the dossier back (before a result exists)."""

    def apply(d):
        d.completed_at = timezone.now()

    d = _transition(
        dossier=dossier,
        actor=by,
        action="withdraw",
        allowed=(Status.SUBMITTED, Status.SUPPLEMENT_REQUESTED, Status.IN_PROCESSING, Status.TRANSFERRED),
        to=Status.WITHDRAWN,
        note=reason,
        apply=apply,
        official=False,
        guard=False,
    )
    if d.parts.exists():
        for part in d.parts.exclude(status__in=FINAL_STATUSES):
            _transition(
                dossier=part,
                actor=by,
                action="withdraw",
                allowed=(Status.SUBMITTED, Status.SUPPLEMENT_REQUESTED, Status.IN_PROCESSING, Status.TRANSFERRED),
                to=Status.WITHDRAWN,
                note=reason,
                apply=apply,
                official=False,
                guard=False,
                notify_citizen=False,
            )
    return d


def dossier_claim(*, dossier: Dossier, by) -> Dossier:
    """An official takes the dossier; the row lock makes sure only one of two wins."""
    with transaction.atomic():
        d = _lock(dossier)
        _check_official(by, d, "claim")
        if d.assigned_to_id == by.pk:
            return d
        if d.status not in ACTIVE_STATUSES and d.status != Status.RESULT_READY:
            raise _illegal(d, "claim")
        if d.assigned_to_id is not None:
            raise DossierActionError(
                _("%(name)s is already handling this dossier.") % {"name": d.assigned_to.get_full_name()}
            )
        d.assigned_to = by
        d.save(update_fields=["assigned_to", "updated_at"])
        _event(dossier=d, actor=by, action="claim", note=by.get_full_name(), data={"official": by.pk})
    return d


def dossier_assign(*, dossier: Dossier, by, official) -> Dossier:
    """A leader gives the dossier to an official of the agency handling it."""
    with transaction.atomic():
        d = _lock(dossier)
        _check_official(by, d, "assign")
        if d.assigned_to_id == official.pk:
            return d
        if d.status not in ACTIVE_STATUSES and d.status != Status.RESULT_READY:
            raise _illegal(d, "assign")
        if (d.current_agency_id or d.agency_id) not in official_agency_ids(official):
            raise DossierActionError(_("%(name)s does not work for this agency.") % {"name": official.get_full_name()})
        d.assigned_to = official
        d.save(update_fields=["assigned_to", "updated_at"])
        _event(dossier=d, actor=by, action="assign", note=official.get_full_name(), data={"official": official.pk})
        officials_notify(
            users=[official],
            dossier=d,
            event="dossier.assigned",
            subject=_("Dossier %(code)s assigned to you") % {"code": d.code},
            body=_("You have been assigned dossier %(code)s.") % {"code": d.code},
        )
    return d


def issued_document_regenerate(*, issued: IssuedDocument, by) -> None:
    _check_official(by, issued.dossier, "regenerate")
    from .tasks import issued_document_generate

    transaction.on_commit(lambda: issued_document_generate.delay(issued.dossier_id, issued.kind, issued.event_id, True))


def dossier_rate(*, dossier: Dossier, by, score: int, comment: str = "") -> DossierRating:
    with transaction.atomic():
        d = _lock(dossier)
        if by.pk != d.citizen_id:
            raise DossierActionError(_("Only the applicant can rate the service."))
        if d.status not in FINAL_STATUSES or d.status == Status.WITHDRAWN:
            raise DossierActionError(_("You can rate the service once the dossier is finished."))
        if not 1 <= int(score) <= 5:
            raise DossierActionError(_("Choose a score from 1 to 5."))
        rating, _created = DossierRating.objects.update_or_create(
            dossier=d, defaults={"score": int(score), "comment": comment.strip()}
        )
        _event(dossier=d, actor=by, action="rate", data={"score": int(score)})
    return rating


# --- Deadlines -----------------------------------------------------------------------------------


def dossier_deadlines_mark(*, now: dt.datetime | None = None) -> dict:
    """Notify the responsible officials once when a dossier becomes due soon, once when overdue."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    counts = {"due_soon": 0, "overdue": 0}
    soon_limit = now + dt.timedelta(days=settings.DOSSIER_DUE_SOON_DAYS + 7)
    active = Dossier.objects.filter(status__in=ACTIVE_STATUSES, due_at__isnull=False, current_agency__isnull=False)
    for pk in active.filter(due_at__lt=now, overdue_notified_at__isnull=True).values_list("pk", flat=True)[:1000]:
        with transaction.atomic():
            d = _lock(pk)
            if d.overdue_notified_at or d.status not in ACTIVE_STATUSES:
                continue
            d.overdue_notified_at = now
            d.save(update_fields=["overdue_notified_at"])
            _event(dossier=d, actor=None, action="overdue")
            _deadline_notify(d, overdue=True)
            counts["overdue"] += 1
    soon = active.filter(due_at__gte=now, due_at__lt=soon_limit, due_soon_notified_at__isnull=True)
    for pk, due_at in soon.values_list("pk", "due_at")[:1000]:
        if working_days_between(today, timezone.localdate(due_at)) > settings.DOSSIER_DUE_SOON_DAYS:
            continue
        with transaction.atomic():
            d = _lock(pk)
            if d.due_soon_notified_at or d.status not in ACTIVE_STATUSES:
                continue
            d.due_soon_notified_at = now
            d.save(update_fields=["due_soon_notified_at"])
            _deadline_notify(d, overdue=False)
            counts["due_soon"] += 1
    return counts


def _deadline_notify(d: Dossier, *, overdue: bool) -> None:
    users = get_user_model().objects.filter(pk=d.assigned_to_id) if d.assigned_to_id else None
    if users is None:
        users = (
            get_user_model()
            .objects.filter(
                official_profile__agency_id=d.current_agency_id,
                groups__name__in=[roles.LEADER, roles.PROCESSING],
                is_active=True,
            )
            .distinct()
        )
    due = timezone.localtime(d.due_at).strftime("%d/%m/%Y")
    if overdue:
        subject = _("Dossier %(code)s is overdue") % {"code": d.code}
        body = _("Dossier %(code)s was due on %(due)s and is not finished.") % {"code": d.code, "due": due}
    else:
        subject = _("Dossier %(code)s is due soon") % {"code": d.code}
        body = _("Dossier %(code)s is due on %(due)s.") % {"code": d.code, "due": due}
    event = "dossier.overdue" if overdue else "dossier.due_soon"
    officials_notify(users=users, dossier=d, event=event, subject=subject, body=body)
