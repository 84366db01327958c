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
from ..lifecycle import ACTIONS, FINAL_STATUSES, SIGN_OFF_OUTCOMES, action_check
from ..models import (
    CertificationEntry,
    CertificationRegister,
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
    _intake_officials_notify,
    _issue_on_commit,
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
        d.legal_due_at = d.due_at
        data["due_at"] = d.due_at.isoformat()
        if d.assigned_to_id is None:
            d.assigned_to = by

    return _transition(
        dossier=dossier,
        actor=by,
        action="receive",
        note=note,
        data=data,
        apply=apply,
        done=lambda d: d.received_at is not None and d.status == ACTIONS["receive"].target,
        issue=IssuedDocument.Kind.RECEIPT,
    )


def dossier_request_supplement(*, dossier: Dossier, by, missing: list[str] | str, note: str = "") -> Dossier:
    """Ask the citizen for what is missing (form 02); they upload it and resubmit."""
    if isinstance(missing, str):
        missing = [line.strip() for line in missing.splitlines() if line.strip()]
    if not missing:
        raise DossierActionError(_("List what is missing."))

    def pause(d):
        # The clock stops: once resumed, the (moved) due date may be notified as due soon again.
        d.due_soon_notified_at = None

    return _transition(
        dossier=dossier,
        actor=by,
        action="request_supplement",
        note=note,
        notify_note="; ".join([*missing, note] if note else missing),
        data={"missing": missing},
        apply=pause,
        issue=IssuedDocument.Kind.SUPPLEMENT,
    )


def _supplement_event(d: Dossier) -> DossierEvent | None:
    return d.events.filter(action="request_supplement").order_by("-at", "-id").first()


def dossier_resubmit(*, dossier: Dossier, by, note: str = "") -> Dossier:
    """The citizen has added the supplements: back to where the dossier was.

    The legal clock stops while the agency waits for the citizen: a dossier that had due dates
    gets both (promised and legal) pushed back by the working days between the request and the
    resubmission. One transaction with the officials' notification."""
    data: dict = {}

    def apply(d):
        event = _supplement_event(d)
        resume = (event.from_status if event else "") or Status.SUBMITTED
        d.status = resume
        if event is not None and d.due_at is not None:
            agency_id = d.current_agency_id or d.agency_id
            waited = supplement_pause_working_days(event.at, timezone.now(), agency_id=agency_id)
            if waited > 0:
                data.update(due_at_before=d.due_at.isoformat(), paused_working_days=waited)
                d.due_at = working_days_add(d.due_at, waited, agency_id=agency_id)
                if d.legal_due_at is not None:
                    d.legal_due_at = working_days_add(d.legal_due_at, waited, agency_id=agency_id)
                    data["new_legal_due_at"] = d.legal_due_at.isoformat()
                data["new_due_at"] = d.due_at.isoformat()

    def check(d):
        if event := _supplement_event(d):
            added = d.files.filter(kind=DossierFile.Kind.SUPPLEMENT, created_at__gte=event.at).exists()
            if not added and not note.strip():
                raise DossierActionError(_("Upload the requested documents (or explain) before resubmitting."))

    def notify(d):
        if not d.current_agency_id:
            return
        if d.assigned_to_id is None:
            _intake_officials_notify(dossier=d)
            return
        officials_notify(
            users=get_user_model().objects.filter(pk=d.assigned_to_id),
            dossier=d,
            event="dossier.resubmitted",
            subject=_("Supplements received for %(code)s") % {"code": d.code},
            body=_("The applicant added the requested supplements to dossier %(code)s.") % {"code": d.code},
        )

    return _transition(
        dossier=dossier,
        actor=by,
        action="resubmit",
        note=note,
        data=data,
        apply=apply,
        check=check,
        done=lambda d: False,
        guard=False,
        notify_citizen=False,
        cascade=notify,
    )


def _close_with_reason(*, action: str, dossier: Dossier, by, reason: str) -> Dossier:
    """An action of the lifecycle table that ends the dossier with a reason and issues its form
    (`Action.form`): the reason is required, the dossier is completed now, no payment guard."""
    spec = ACTIONS[action]
    if "reason" not in spec.inputs or not spec.form:
        raise ValueError(f"{action} does not close the dossier with a reason and a form")
    if not reason.strip():
        raise DossierActionError(_("Give the reason."))

    def apply(d):
        d.completed_at = timezone.now()

    return _transition(dossier=dossier, actor=by, action=action, note=reason, apply=apply, issue=spec.form, guard=False)


def dossier_reject_intake(*, dossier: Dossier, by, reason: str) -> Dossier:
    """Refuse to accept the dossier at intake (form 03, with the reason)."""
    return _close_with_reason(action="reject_intake", dossier=dossier, by=by, reason=reason)


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
            note=note,
            data={"to_agency": to_agency.pk, "to_agency_name": to_agency.name},
            check=check,
            apply=apply,
            done=lambda d: d.status == ACTIONS["transfer"].target and d.current_agency_id == to_agency.pk,
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
        note=note,
        apply=apply,
        notify_citizen=False,
    )


def _result_file_check(result_file, paper_result):
    if result_file is None and not paper_result:
        raise DossierActionError(_("Upload the result document or mark that the result is on paper."))
    if result_file is not None:
        try:
            return upload_check(upload=result_file, used_bytes=0, used_files=0)
        except UploadRefused as exc:
            raise DossierActionError(str(exc)) from exc
    return ""


def _result_file_save(d: Dossier, *, by, result_file, content_type) -> DossierFile:
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
    return row


def _result_issued(d: Dossier, *, by) -> None:
    """A part of a liên thông bundle has its result: it is attached to the next parts (those
    that waited for it), which may now start."""
    from ..lifecycle import previous_part_pending

    if not d.parent_id:
        return
    index = (d.form_data.get("bundle_part") or {}).get("index")
    results = list(d.files.filter(kind=DossierFile.Kind.RESULT))
    for part in Dossier.objects.filter(parent_id=d.parent_id).exclude(pk=d.pk).order_by("id"):
        p_index = (part.form_data.get("bundle_part") or {}).get("index")
        if p_index is None or index is None or p_index != index + 1:
            continue
        for row in results:
            DossierFile.objects.create(
                dossier=part,
                kind=DossierFile.Kind.RESULT,
                doc_key=f"bundle-previous:{d.code}",
                file=row.file.name,
                original_name=row.original_name,
                content_type=row.content_type,
                size=row.size,
                uploaded_by=by,
            )
        _event(
            dossier=part,
            actor=by,
            action="bundle_previous_result",
            note=d.code or "",
            data={"previous": d.code, "files": len(results), "starts": previous_part_pending(part) is None},
        )
        if part.current_agency_id:
            _intake_officials_notify(dossier=part)


def dossier_approve(*, dossier: Dossier, by, result_file=None, paper_result: bool = False, note: str = "") -> Dossier:
    """The result is ready (signed by the head, or one-step when the procedure needs no sign-off):
    an uploaded result document, or a paper result to collect."""
    content_type = _result_file_check(result_file, paper_result)

    def apply(d):
        if result_file is not None:
            _result_file_save(d, by=by, result_file=result_file, content_type=content_type)

    return _transition(
        dossier=dossier,
        actor=by,
        action="approve",
        note=note,
        data={"paper_result": bool(paper_result and result_file is None)},
        apply=apply,
        issue=IssuedDocument.Kind.RESULT,
        cascade=lambda d: _result_issued(d, by=by),
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
        note=reason,
        apply=apply,
        issue=IssuedDocument.Kind.REFUSAL,
        guard=False,
    )


def dossier_propose_approve(
    *, dossier: Dossier, by, result_file=None, paper_result: bool = False, note: str = ""
) -> Dossier:
    """The processing official proposes the result (the draft attached) for the head's sign-off."""
    content_type = _result_file_check(result_file, paper_result)
    data: dict = {"proposal": "approve", "paper_result": bool(paper_result and result_file is None)}

    def apply(d):
        if result_file is not None:
            row = _result_file_save(d, by=by, result_file=result_file, content_type=content_type)
            data["draft_file"] = row.pk

    return _transition(dossier=dossier, actor=by, action="propose_approve", note=note, data=data, apply=apply)


def dossier_propose_refuse(*, dossier: Dossier, by, reason: str) -> Dossier:
    """The processing official proposes a refusal (with its reason) for the head's sign-off."""
    if not reason.strip():
        raise DossierActionError(_("Give the reason."))
    return _transition(
        dossier=dossier, actor=by, action="propose_refuse", note=reason, data={"proposal": "refuse"}, guard=False
    )


def _proposal(d: Dossier) -> DossierEvent | None:
    return d.events.filter(action__in=["propose_approve", "propose_refuse"]).order_by("-at", "-id").first()


def dossier_sign_off(*, dossier: Dossier, by, note: str = "") -> Dossier:
    """The head of the agency signs the proposal: the result is issued, or the refusal (form 03)."""
    state: dict = {}

    def apply(d):
        proposal = _proposal(d)
        if proposal is None:
            raise DossierActionError(_("There is no proposal to sign off."))
        target, kind = SIGN_OFF_OUTCOMES[proposal.action]
        state.update(proposal=proposal, kind=kind)
        data.update(proposal=proposal.action, proposed_by=proposal.actor_id, proposal_event=proposal.pk)
        d.status = target
        if target in FINAL_STATUSES:
            d.completed_at = timezone.now()

    def after(d):
        event = d.events.filter(action="sign_off").order_by("-at", "-id").first()
        _issue_on_commit(dossier_id=d.pk, kind=state["kind"], event_id=event.pk)
        if state["kind"] == IssuedDocument.Kind.RESULT:
            _result_issued(d, by=by)

    data: dict = {}
    proposal = _proposal(dossier)
    if proposal is not None and proposal.action == "propose_refuse":
        note = "\n".join(x for x in (proposal.note, note) if x)  # form 03 prints the reason
    return _transition(
        dossier=dossier,
        actor=by,
        action="sign_off",
        note=note,
        data=data,
        apply=apply,
        done=lambda x: False,
        cascade=after,
    )


def dossier_send_back(*, dossier: Dossier, by, comment: str) -> Dossier:
    """The head sends the proposal back to the processing official, with a comment."""
    if not comment.strip():
        raise DossierActionError(_("Say what must be reworked."))

    def apply(d):
        proposal = _proposal(d)
        if proposal is not None and proposal.actor_id:
            d.assigned_to_id = proposal.actor_id

    return _transition(
        dossier=dossier, actor=by, action="send_back", note=comment, apply=apply, notify_citizen=False, guard=False
    )


def dossier_stop(*, dossier: Dossier, by, reason: str) -> Dossier:
    """Stop processing (form 05, with the reason the law allows)."""
    return _close_with_reason(action="stop", dossier=dossier, by=by, reason=reason)


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
        if d.legal_due_at is None:
            d.legal_due_at = d.due_at
        d.due_at = new_due_at
        d.due_soon_notified_at = None

    data = {"new_due_at": new_due_at.isoformat()}
    return _transition(
        dossier=dossier,
        actor=by,
        action="extend",
        note=reason,
        data=data,
        check=check,
        apply=apply,
        done=lambda x: x.due_at == new_due_at,
        issue=IssuedDocument.Kind.APOLOGY,
    )


def dossier_return_result(*, dossier: Dossier, by, note: str = "") -> Dossier:
    """The citizen has the result: completed. Its signed electronic results (a result, a
    certified copy) go to the citizen's document store."""
    from ..issued_pdfs import results_to_store

    def apply(d):
        d.completed_at = timezone.now()

    def after(d):
        transaction.on_commit(lambda: results_to_store(dossier_id=d.pk))

    return _transition(
        dossier=dossier,
        actor=by,
        action="return_result",
        note=note,
        apply=apply,
        cascade=after,
    )


SCAN_TYPES = ("application/pdf", "image/jpeg", "image/png")


def _certification_number(*, agency_id: int, year: int) -> int:
    """The next number of the agency's certification register for the year: the register row is
    locked until the transaction ends, so numbers are sequential and never shared."""
    register, _created = CertificationRegister.objects.get_or_create(agency_id=agency_id, year=year)
    register = CertificationRegister.objects.select_for_update().get(pk=register.pk)
    register.last_number += 1
    register.save(update_fields=["last_number"])
    return register.last_number


def dossier_certify_copy(*, dossier: Dossier, by, file_id=None, compared: bool = False, note: str = "") -> Dossier:
    """Electronic certified copy from the original (chứng thực bản sao điện tử từ bản chính): the
    certifier compared the scan with the original; the copy takes the next number of the
    agency's certification register and is issued signed (the scan wrapped in a PDF with the
    certification statement, the number and the certifier's name and title)."""
    from ..issued_pdfs import _signer, issuing_agency

    if not compared:
        raise DossierActionError(_("Confirm that you compared the scan with the original."))
    state: dict = {}
    data: dict = {}

    def check(d):
        row = (
            DossierFile.objects.filter(dossier=d, pk=file_id)
            .exclude(kind=DossierFile.Kind.RESULT)
            .select_related("personal_document")
            .first()
            if file_id
            else None
        )
        if row is None:
            raise DossierActionError(_("Choose the scan of the original to certify."))
        if row.content_type not in SCAN_TYPES:
            raise DossierActionError(_("The scan must be a PDF, JPEG or PNG file."))
        state["file"] = row

    def apply(d):
        year = timezone.localdate().year
        agency_id = d.current_agency_id or d.agency_id
        number = _certification_number(agency_id=agency_id, year=year)
        state.update(year=year, number=number, agency_id=agency_id)
        data.update(certification_number=number, year=year, file_id=state["file"].pk)

    def after(d):
        event = d.events.filter(action="certify_copy").order_by("-at", "-id").first()
        signer = _signer(event, issuing_agency(d, event))
        CertificationEntry.objects.create(
            agency_id=state["agency_id"],
            year=state["year"],
            number=state["number"],
            dossier=d,
            source_file=state["file"],
            document_title=str((d.form_data or {}).get("document_title") or "")[:255],
            certifier=by,
            certifier_title=str(signer["title"])[:150],
            event=event,
        )

    return _transition(
        dossier=dossier,
        actor=by,
        action="certify_copy",
        note=note,
        data=data,
        check=check,
        apply=apply,
        issue=IssuedDocument.Kind.CERTIFIED_COPY,
        cascade=after,
    )


def dossier_withdraw(*, dossier: Dossier, by, reason: str = "") -> Dossier:
    """The citizen takes the dossier back (before a result exists). A bundle: its open parts
    first, then the bundle itself, all in one transaction (a refusal anywhere undoes all)."""

    def apply(d):
        d.completed_at = timezone.now()

    def withdraw_parts(parent):
        for part in parent.parts.exclude(status__in=FINAL_STATUSES).order_by("id"):
            _transition(
                dossier=part,
                actor=by,
                action="withdraw",
                note=reason,
                apply=apply,
                guard=True,
                notify_citizen=False,
                sync_parent=False,
            )

    with transaction.atomic():
        d = _lock(dossier)
        action_check(user=by, dossier=d, action="withdraw")
        withdraw_parts(d)
        return _transition(dossier=d, actor=by, action="withdraw", note=reason, apply=apply, guard=True)


def dossier_claim(*, dossier: Dossier, by) -> Dossier:
    """An official takes the dossier; the row lock makes sure only one of two wins."""
    with transaction.atomic():
        d = _lock(dossier)
        _check_official(by, d, "claim")
        if d.assigned_to_id == by.pk:
            return d
        action_check(user=by, dossier=d, action="claim")
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
        action_check(user=by, dossier=d, action="assign")
        if d.assigned_to_id == official.pk:
            return d
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
        if d.status not in ACTIONS["rate"].sources:
            raise DossierActionError(_("You can rate the service once the dossier is finished."))
        if not 1 <= int(score) <= 5:
            raise DossierActionError(_("Choose a score from 1 to 5."))
        if DossierRating.objects.filter(dossier=d).exists():
            raise DossierActionError(_("You have already rated this dossier; a dossier is rated only once."))
        rating = DossierRating.objects.create(dossier=d, score=int(score), comment=comment.strip())
        _event(dossier=d, actor=by, action="rate", data={"score": int(score)})
    return rating
