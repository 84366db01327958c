"""The lifecycle transitions after submission, claiming and assigning, rating."""

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from identity.selectors import official_agency_ids

from ..calendar import due_at_compute, supplement_pause_working_days, working_days_add
from ..issued_pdfs import issued_documents_publish
from ..models import (
    ACTIVE_STATUSES,
    FINAL_STATUSES,
    Dossier,
    DossierEvent,
    DossierFile,
    DossierRating,
    IssuedDocument,
    Status,
)
from ..notify import officials_notify
from ..uploads import UploadRefused, upload_check
from .base import (
    DossierActionError,
    _check_official,
    _event,
    _illegal,
    _intake_officials_notify,
    _lock,
    _transition,
)

# --- Transitions ---------------------------------------------------------------------------------


def dossier_receive(*, dossier: Dossier, by, note: str = "") -> Dossier:
    """Intake accepts the dossier: the deadline starts; form 01 (receipt and appointment)."""

    data: dict = {}

    def apply(d):
        d.received_at = timezone.now()
        time = d.snapshot.get("processing_time") or {}
        d.due_at = due_at_compute(
            received_at=d.received_at,
            value=time.get("value") or 0,
            unit=time.get("unit") or "working_days",
            agency_id=d.current_agency_id or d.agency_id,
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
    """The citizen has added the supplements: back to where the dossier was.

    The legal clock stops while the agency waits for the citizen (Decree 61/2018, art. 18: the
    time already spent counts, the waiting does not): a dossier that had a due date gets it
    pushed back by the working days between the request and the resubmission."""
    data: dict = {}

    def apply(d):
        event = _supplement_event(d)
        resume = (event.from_status if event else "") or Status.SUBMITTED
        d.status = resume
        if event is not None and d.due_at is not None:
            waited = supplement_pause_working_days(
                event.at, timezone.now(), agency_id=d.current_agency_id or d.agency_id
            )
            if waited > 0:
                data.update(due_at_before=d.due_at.isoformat(), paused_working_days=waited)
                d.due_at = working_days_add(d.due_at, waited, agency_id=d.current_agency_id or d.agency_id)
                data["new_due_at"] = d.due_at.isoformat()

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
        data=data,
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

    with transaction.atomic():
        d = _transition(
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
        # The receiving agency's intake officials learn about it (a repeat is de-duplicated).
        _intake_officials_notify(dossier=d)
    return d


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
    with transaction.atomic():
        issued_documents_publish([(issued.dossier_id, issued.kind, issued.event_id, True)])


def dossier_rate(*, dossier: Dossier, by, score: int, comment: str = "") -> DossierRating:
    with transaction.atomic():
        d = _lock(dossier)
        if by.pk != d.citizen_id:
            raise DossierActionError(_("Only the applicant can rate the service."))
        if d.status not in FINAL_STATUSES or d.status == Status.WITHDRAWN:
            raise DossierActionError(_("You can rate the service once the dossier is finished."))
        if not 1 <= int(score) <= 5:
            raise DossierActionError(_("Choose a score from 1 to 5."))
        if DossierRating.objects.filter(dossier=d).exists():
            raise DossierActionError(_("You have already rated this dossier; a dossier is rated only once."))
        rating = DossierRating.objects.create(dossier=d, score=int(score), comment=comment.strip())
        _event(dossier=d, actor=by, action="rate", data={"score": int(score)})
    return rating
