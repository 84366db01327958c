"""Drafts and the files attached to a dossier."""

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.selectors import agency_get
from identity.selectors import citizen_by_personal_id, official_agency_ids
from portal.audit import AuditAction

from ..lifecycle import CLOCK_STOPPED_STATUSES, DRAFT_STATUSES
from ..models import (
    Channel,
    Dossier,
    DossierFile,
    Status,
)
from ..uploads import UploadRefused, upload_check
from .base import (
    DossierActionError,
    DossierIncomplete,
    _check_official,
    _check_owner,
    _event,
    _lock,
    procedure_level_check,
)
from .on_behalf import (
    _handles_procedure,
    _refusal,
    on_behalf_access_check,
    on_behalf_audit,
    on_behalf_check_allowed,
    on_behalf_is_filer,
    on_behalf_may_file,
)

# --- Drafts and files ----------------------------------------------------------------------------


def dossier_draft_create(
    *,
    citizen,
    procedure_version,
    agency=None,
    filed_by=None,
    channel: str = Channel.ONLINE,
    applicant: dict | None = None,
) -> Dossier:
    """A new draft. `agency` defaults to the first implementing agency of the procedure.

    Filed by an official for someone else (`filed_by`), the official must be allowed to file for
    this citizen, and the draft holds nothing of the citizen but their number until the citizen's
    consent is proven (services.on_behalf)."""

    agency_id = _agency_id_for(procedure_version, agency, citizen=citizen)
    on_behalf = filed_by is not None and filed_by.pk != citizen.pk
    if on_behalf:
        on_behalf_check_allowed(official=filed_by, citizen=citizen, procedure_version=procedure_version)
        applicant = {"personal_id": citizen.personal_id or ""}
    procedure_level_check(citizen=citizen, procedure_version=procedure_version, on_behalf=on_behalf)
    with transaction.atomic():
        dossier = Dossier.objects.create(
            citizen=citizen,
            filed_by=filed_by if on_behalf else None,
            channel=channel,
            procedure_version=procedure_version,
            agency_id=agency_id,
            applicant=applicant if applicant is not None else applicant_from_user(citizen),
            consent_recorded=False,
        )
        _event(
            dossier=dossier,
            actor=filed_by or citizen,
            action="draft",
            to_status=Status.DRAFT,
            data={"channel": channel} if dossier.filed_by_id else {},
        )
    return dossier


def _agency_id_for(procedure_version, agency=None, *, citizen=None) -> int:
    """The receiving agency: the one chosen if it handles the procedure; else, for a commune-level
    procedure, the one serving the citizen's commune / ward; else the first that handles it."""
    snapshot = procedure_version.snapshot or {}
    agency_ids = [a["id"] for a in snapshot.get("agencies", [])]
    if agency is None:
        if not agency_ids:
            raise DossierActionError(_("This procedure has no implementing agency yet."))
        ward_id = getattr(citizen, "ward_id", None)
        if ward_id and snapshot.get("level") == "commune" and len(agency_ids) > 1:
            from catalog.selectors import agencies_by_ids

            serving = [pk for pk, a in agencies_by_ids(ids=agency_ids).items() if a.ward_id == ward_id]
            if serving:
                return min(serving, key=agency_ids.index)
        return agency_ids[0]
    if agency_ids and agency.pk not in agency_ids:
        raise DossierActionError(_("This agency does not handle this procedure."))
    return agency.pk


def _identity_of(user) -> dict[str, str]:
    return {
        "full_name": user.full_name,
        "personal_id": user.personal_id or "",
        "date_of_birth": user.date_of_birth.isoformat() if user.date_of_birth else "",
    }


def applicant_from_user(user, *, given: dict | None = None) -> dict:
    """The applicant as the portal knows them: the verified identity and the profile, and for
    what the profile lacks (phone, address, a typed number…) the applicant of the citizen's last
    dossier. An account without an email (an e-ID login that gave none) has none to prefill.
    `given`: values the caller will put over these; the last dossier is not read when they fill
    every gap of the profile."""
    from ..eform import user_address

    profile = {
        **_identity_of(user),
        "sex": user.sex,
        "phone": user.phone,
        "email": user.email or "",
        "address": user_address(user),
    }
    if all(value or (given or {}).get(name) for name, value in profile.items()):
        return profile
    last = (
        Dossier.objects.filter(citizen=user, filed_by__isnull=True)
        .exclude(status__in=DRAFT_STATUSES)
        .order_by("-submitted_at", "-pk")
        .values_list("applicant", flat=True)
        .first()
    ) or {}
    locked = applicant_locked(citizen=user)
    return {name: value if (value or name in locked) else str(last.get(name) or "") for name, value in profile.items()}


def applicant_asks_residence(*, dossier: Dossier) -> bool:
    """The applicant step asks for the residence structured (province, commune, street) when the
    citizen files for themselves and the profile has no address yet: then it can be kept on the
    profile and fill the e-form's address fields, and is never typed twice."""
    if dossier.filed_by_id is not None:
        return False
    if isinstance((dossier.applicant or {}).get("residence"), dict):
        return True
    citizen = dossier.citizen
    return not (citizen.ward_id or citizen.address_line)


# The applicant's identity a level-2 (verified e-ID) citizen filing for themselves cannot change.
APPLICANT_LOCKED_FIELDS = ("full_name", "personal_id", "date_of_birth", "sex")


def applicant_locked(*, citizen, on_behalf: bool = False) -> dict[str, str]:
    """{field: verified value} of the applicant fields that may not be changed: a level-2
    citizen's own name, number, birth date and sex when they file for themselves (an official
    filing on someone's behalf types what the citizen's papers say)."""
    if on_behalf or citizen.identity_level < 2:
        return {}
    verified = {**_identity_of(citizen), "sex": citizen.sex or ""}
    return {name: verified[name] for name in APPLICANT_LOCKED_FIELDS if verified[name]}


_APPLICANT_LABELS = {
    "full_name": gettext_lazy("Full name"),
    "personal_id": gettext_lazy("Personal identification number"),
    "date_of_birth": gettext_lazy("Date of birth"),
    "sex": gettext_lazy("Sex"),
}


def _locked_message(label) -> str:
    return _("%(field)s comes from your verified e-ID and cannot be changed.") % {"field": label}


def eform_identity_answers(*, dossier: Dossier) -> dict:
    """The e-form's answers about the applicant (fields with `prefill: identity.<attr>`), taken
    from the applicant step: the citizen confirms them once and the e-form shows them as facts.
    A structured address comes from the residence asked at the applicant step, else from the
    profile (province, commune, street)."""
    from ..eform import prefill_values

    schema = dossier.snapshot.get("form_schema") or []
    applicant = dossier.applicant or {}
    structured = prefill_values(schema, dossier.citizen) if dossier.filed_by_id is None else {}
    answers = {}
    for spec in schema:
        source = spec.get("prefill") or ""
        if not source.startswith("identity."):
            continue
        attr = source.split(".", 1)[1]
        if spec.get("type") == "address":
            # The residence confirmed at the applicant step, else the profile's.
            residence = applicant.get("residence") if attr == "address" else None
            value = residence if isinstance(residence, dict) and residence.get("ward") else structured.get(spec["name"])
        else:
            value = applicant.get(attr)
        if value not in (None, ""):
            answers[spec["name"]] = value
    return answers


def _with_residence_text(applicant: dict) -> dict:
    """A structured residence ({"province", "ward", "line"}, asked when the profile has none)
    also gives the readable `address` the receipts, PDFs and officials show."""
    residence = applicant.get("residence")
    if not isinstance(residence, dict):
        return applicant
    from ..eform import _address_text

    return {**applicant, "address": _address_text(residence)}


def _as_stored(attr: str, value) -> str:
    """An answer as the applicant holds it: a birth date typed dd/mm/yyyy compares as ISO."""
    import datetime as dt

    from portal.kernel.cccd import cccd_normalize

    text = str(value or "").strip()
    if attr == "date_of_birth" and "/" in text:
        try:
            return dt.datetime.strptime(text, "%d/%m/%Y").date().isoformat()
        except ValueError:
            return text
    if attr == "personal_id":
        return cccd_normalize(text)
    if attr == "full_name":
        return " ".join(text.split())
    return text


def eform_identity_check(*, dossier: Dossier, form_data: dict) -> None:
    """Refuse answers that change a level-2 citizen's verified identity in the e-form (a page
    tampered with, or the API): DossierIncomplete with a Vietnamese message per field."""
    locked = applicant_locked(citizen=dossier.citizen, on_behalf=dossier.filed_by_id is not None)
    if not locked or not form_data:
        return
    errors = {}
    for spec in dossier.snapshot.get("form_schema") or []:
        attr = (spec.get("prefill") or "").removeprefix("identity.")
        name = spec.get("name")
        if attr in locked and name in form_data and _as_stored(attr, form_data[name]) not in ("", locked[attr]):
            label = spec.get("label")
            label = (label.get("vi") if isinstance(label, dict) else label) or name
            errors[f"form:{name}"] = [_locked_message(label)]
    if errors:
        first = next(iter(errors.values()))[0]
        raise DossierIncomplete(first, errors)


def applicant_clean(*, citizen, applicant: dict) -> dict:
    """The applicant of a dossier a citizen files in one step (the API): their profile with
    `applicant`'s changes, checked by the rules of the filing form's applicant step; a level-2
    citizen's verified identity cannot be changed. DossierIncomplete otherwise, with
    {"applicant:<field>": [messages]}."""
    from ..forms import ApplicantForm

    fields = ApplicantForm.base_fields
    valid, invalid = ApplicantForm.data_clean({**applicant_from_user(citizen, given=applicant), **applicant})
    errors = {
        f"applicant:{name}": [f"{fields[name].label}: {m}" for m in messages] for name, messages in invalid.items()
    }
    cleaned = {name: valid.get(name, "") for name in fields if name != "agency"}
    if cleaned["date_of_birth"]:
        cleaned["date_of_birth"] = cleaned["date_of_birth"].isoformat()
    for name, value in applicant_locked(citizen=citizen).items():
        if name in valid and cleaned[name] != value:
            errors[f"applicant:{name}"] = [_locked_message(fields[name].label)]
    if errors:
        first = next(iter(errors.values()))[0]
        raise DossierIncomplete(_("The applicant's data is not valid: %(error)s") % {"error": first}, errors)
    return cleaned


def _check_draft(dossier: Dossier, by) -> None:
    _check_owner(by, dossier)
    if dossier.status not in DRAFT_STATUSES:
        raise DossierActionError(_("This dossier has been submitted and can no longer be edited."))


def dossier_draft_update(
    *, dossier: Dossier, by, applicant: dict | None = None, form_data: dict | None = None, agency=None
) -> Dossier:
    """Save what was typed, valid or not: nothing is lost; validation happens at submission."""
    with transaction.atomic():
        d = _lock(dossier)
        _check_draft(d, by)
        if applicant is not None:
            # A verified identity stays as verified: a change sent anyway is refused.
            locked = applicant_locked(citizen=d.citizen, on_behalf=d.filed_by_id is not None)
            for name, value in locked.items():
                if name in applicant and _as_stored(name, applicant[name]) not in ("", value):
                    raise DossierActionError(_locked_message(_APPLICANT_LABELS[name]))
            d.applicant = {**d.applicant, **_with_residence_text(applicant), **locked}
        if form_data is not None:
            eform_identity_check(dossier=d, form_data=form_data)
            d.form_data = {**d.form_data, **form_data}
        if (applicant is not None or form_data is not None) and d.snapshot.get("form_schema"):
            d.form_data = {**d.form_data, **eform_identity_answers(dossier=d)}
        if agency is not None:
            ids = [a["id"] for a in d.snapshot.get("agencies", [])]
            if ids and agency.pk not in ids:
                raise DossierActionError(_("This agency does not handle this procedure."))
            d.agency = agency
        d.save()
    return d


def dossier_draft_delete(*, dossier: Dossier, by, request=None) -> None:
    """Delete a draft and its files. An official's on-behalf draft leaves its audit rows (and a
    row saying it was deleted): they do not hang on the dossier."""

    with transaction.atomic():
        d = _lock(dossier)
        _check_draft(d, by)
        if on_behalf_is_filer(d, by):
            on_behalf_audit(dossier=d, by=by, action="change", detail="draft deleted", request=request)
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
    request=None,
) -> DossierFile:
    """Attach an upload (checked by content and size) or a document from the personal store
    (by an official filing for the citizen: only once the citizen's consent is proven, audited)."""

    if kind == DossierFile.Kind.CONSENT:
        raise DossierActionError(_("Attach a signed consent form from the consent step."))
    with transaction.atomic():
        d = _lock(dossier)
        if kind == DossierFile.Kind.SUPPLEMENT:
            _check_owner(by, d)
            if d.status not in CLOCK_STOPPED_STATUSES:
                raise DossierActionError(_("Supplements can only be added when they have been requested."))
        elif kind == DossierFile.Kind.SCAN and d.status not in DRAFT_STATUSES:
            _check_official(by, d, "receive")
        else:
            _check_draft(d, by)
        keys = {doc.get("key") for doc in d.snapshot.get("documents", [])}
        if doc_key and keys and doc_key not in keys:
            raise DossierActionError(_("Unknown document."))
        if personal_document is not None:
            if personal_document.owner_id != d.citizen_id:
                raise DossierActionError(_("This document is not in the applicant's document store."))
            on_behalf_access_check(dossier=d, by=by)
            if on_behalf_is_filer(d, by):
                on_behalf_audit(
                    dossier=d,
                    by=by,
                    action="change",
                    obj=personal_document,
                    detail=f"attached personal document {personal_document.pk} ({personal_document.doc_type})",
                    request=request,
                )
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
        return dossier_file_store(dossier=d, upload=upload, kind=kind, by=by, doc_key=doc_key)


def dossier_file_store(*, dossier: Dossier, upload, kind: str, by, doc_key: str = "") -> DossierFile:
    """Check an upload against the dossier's limits and the one upload checker, then store it.
    The caller holds the dossier's lock and has decided that `by` may add this kind of file."""
    used_bytes, used_files = _files_usage(dossier)
    try:
        content_type = upload_check(upload=upload, used_bytes=used_bytes, used_files=used_files)
    except UploadRefused as exc:
        raise DossierActionError(str(exc)) from exc
    row = DossierFile(
        dossier=dossier,
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
        if row.kind == DossierFile.Kind.CONSENT:
            raise DossierActionError(_("The signed consent form stays with the dossier."))
        if row.kind == DossierFile.Kind.SUPPLEMENT and d.status in CLOCK_STOPPED_STATUSES:
            _check_owner(by, d)
        else:
            _check_draft(d, by)
        name = row.file.name if row.file else None
        storage = row.file.storage if row.file else None
        row.delete()
        if name:
            transaction.on_commit(lambda: storage.delete(name))


def personal_document_release(*, document) -> list[str]:
    """identity hook, before a citizen deletes a stored document or closes the account. An unsent
    draft simply loses the attachment (only its owner has seen it). A dossier that was sent —
    even withdrawn or refused — keeps the document as part of its record: their codes are
    returned and the deletion is refused."""
    uses = DossierFile.objects.filter(personal_document=document)
    kept = sorted(
        {
            code or ""
            for code in uses.exclude(dossier__status__in=DRAFT_STATUSES).values_list("dossier__code", flat=True)
        }
    )
    if not kept:
        uses.filter(dossier__status__in=DRAFT_STATUSES).delete()
    return kept


# --- Filing on behalf of a citizen ----------------------------------------------------------------


def dossier_on_behalf_start(
    *, official, personal_id: str, procedure_version, channel: str, agency=None, request=None
) -> Dossier:
    """An official starts a draft for the citizen with this personal identification number. The
    draft holds nothing of the citizen but the number typed, until their consent is proven."""
    if not on_behalf_may_file(official):
        raise DossierActionError(_("You may not file on behalf of citizens."))
    if channel == Channel.ONLINE or channel not in Channel.values:
        raise DossierActionError(_("Choose where you meet the applicant."))
    citizen = citizen_by_personal_id(personal_id=personal_id)
    if citizen is None:
        # Only someone who could file for anyone with this number learns that there is none.
        if official.is_superuser or _handles_procedure(official, procedure_version):
            raise DossierActionError(
                _("No account has this number. Register the citizen first (or verify them in person).")
            )
        raise _refusal()
    on_behalf_check_allowed(official=official, citizen=citizen, procedure_version=procedure_version)
    procedure_level_check(citizen=citizen, procedure_version=procedure_version, on_behalf=True)
    if agency is None:
        handled = [a.get("id") for a in (procedure_version.snapshot or {}).get("agencies", [])]
        own = official_agency_ids(official)
        mine = next((agency_id for agency_id in handled if agency_id in own), None)
        if mine is not None:
            agency = agency_get(id=mine)
    with transaction.atomic():
        draft = dossier_draft_create(
            citizen=citizen, procedure_version=procedure_version, agency=agency, filed_by=official, channel=channel
        )
        on_behalf_audit(
            dossier=draft,
            by=official,
            action=AuditAction.CHANGE,
            detail=f"started ({channel})",
            request=request,
        )
    return draft
