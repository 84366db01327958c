"""Submission: validation, the dossier code, the parts of a bundle."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.eform import build_form_class, form_data_clean
from portal.kernel.cccd import cccd_validate
from portal.notifications import notifications_batch
from portal.outbox import outbox_batch, outbox_enqueue
from portal.rows import rows_insert, rows_together

from ..lifecycle import DRAFT_STATUSES
from ..models import (
    Dossier,
    Status,
)
from ..notify import citizen_notify
from ..signals import dossier_submitted, dossier_transitioned
from .base import (
    DossierActionError,
    DossierIncomplete,
    _check_owner,
    _event,
    _illegal,
    _intake_officials_notify,
    _lock,
    procedure_level_check,
)
from .drafts import applicant_locked, eform_identity_answers, eform_identity_check

# --- Submission ----------------------------------------------------------------------------------


# `<unit code>-YYMMDD-NNNN`: the receiving unit's code, the day of filing, and the day's sequence
# number. The sequence has at least four digits; past 9,999 in one day it keeps counting with
# all its digits (the 10,000th is `…-10000`), never cut or wrapped, so codes stay unique and the
# number stays readable. Sort codes of one day by the number, not by the text. See docs/forms.md.
DOSSIER_CODE_RE = (
    r"^(?P<unit>[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9]{2})-(?P<day>[0-9]{6})-(?P<number>[0-9]{4,})$"
)


def dossier_code_format(*, unit_code: str, day: dt.date, number: int) -> str:
    return f"{unit_code}-{day:%y%m%d}-{number:04d}"


def dossier_code_next(*, unit_code: str, day: dt.date) -> str:
    """`<unit code>-YYMMDD-NNNN` (DOSSIER_CODE_RE): one atomic upsert on the per-(unit, day)
    counter row, so concurrent submissions on any number of processes never share a number."""
    return _code_next(unit_code=unit_code, day=day)[0]


def _code_next(*, unit_code: str, day: dt.date, with_id: bool = False) -> tuple[str, int | None]:
    """(`dossier_code_next`, and with `with_id` on PostgreSQL the new dossier's id, taken from
    its table's sequence in the same statement; else None)."""
    table = "dossiers_dossiercodecounter"
    with_id = with_id and connection.vendor == "postgresql"
    next_id = ", nextval(pg_get_serial_sequence('dossiers_dossier', 'id'))" if with_id else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (unit_code, day, last) VALUES (%s, %s, 1) "  # noqa: S608 - constant table name
            f"ON CONFLICT (unit_code, day) DO UPDATE SET last = {table}.last + 1 RETURNING last{next_id}",
            [unit_code, day.isoformat()],
        )
        number, *taken = cursor.fetchone()
    return dossier_code_format(unit_code=unit_code, day=day, number=number), (taken[0] if taken else None)


def dossier_validation_errors(dossier: Dossier) -> dict[str, list[str]]:
    """What stops a draft from being submitted: {"applicant"|"form:<field>"|"documents:<key>": [...]}."""
    return _validate(dossier)[1]


def _validate(dossier: Dossier, *, present: set[str] | None = None) -> tuple[dict, dict[str, list[str]]]:
    """(cleaned e-form data, errors) of a dossier about to be submitted; `present` is the set of
    document keys attached (default: read from the dossier's files)."""
    errors: dict[str, list[str]] = {}
    applicant = dossier.applicant or {}
    for key, label in (("full_name", _("Full name")), ("personal_id", _("Personal identification number"))):
        if not str(applicant.get(key, "")).strip():
            errors.setdefault("applicant", []).append(_("%(field)s is required.") % {"field": label})
    pid = str(applicant.get("personal_id", "")).strip()
    if pid:
        try:
            cccd_validate(pid)
        except ValidationError as exc:
            errors.setdefault("applicant", []).extend(exc.messages)
    schema = dossier.snapshot.get("form_schema") or []
    cleaned, form_errors = form_data_clean(schema, dossier.form_data or {}, language="vi")
    if form_errors:
        labels = {name: f.label for name, f in build_form_class(schema, language="vi").base_fields.items()}
        for field, messages in form_errors.items():
            label = labels.get(field) or field
            errors[f"form:{field}"] = [f"{label}: {m}" for m in messages]
    documents = [d for d in dossier.snapshot.get("documents", []) if d.get("mandatory")]
    if present is None and documents:
        present = set(dossier.files.values_list("doc_key", flat=True))
    for doc in documents:
        if doc.get("key") in present:
            continue
        if document_waived(dossier, doc):
            continue
        errors[f"documents:{doc.get('key')}"] = [_("“%(name)s” is required.") % {"name": doc.get("name")}]
    return cleaned, errors


def document_waived(dossier: Dossier, doc: dict) -> str:
    """Why a required document need not be attached, or "":
    - "identity": the ID copy (reusable from "eid:identity") when the applicant's identity is
      verified — the account is level 2 through the e-ID or was checked at the one-stop desk,
      and the dossier's applicant is that verified person. A level-1 account's typed number
      proves nothing: the copy is required.
    - "eform": the declaration ("eform:declaration") when the procedure has an e-form, which
      is that declaration (its PDF is made from the answers)."""
    kinds = doc.get("reusable_kinds") or []
    if "eform:declaration" in kinds and dossier.snapshot.get("form_schema"):
        return "eform"
    if "eid:identity" in kinds:
        citizen = dossier.citizen
        pid = str((dossier.applicant or {}).get("personal_id", "")).strip()
        if citizen.personal_id_verified and pid == citizen.personal_id:
            return "identity"
    return ""


# The JSON type of an answer to each e-form field type (services.eform.FIELD_TYPES).
_ANSWER_TYPES = {
    "text": (str,),
    "textarea": (str,),
    "cccd": (str,),
    "select": (str,),
    "date": (str,),
    "number": (int, float, str),
    "checkbox": (bool,),
    "address": (dict,),
}
_ADDRESS_PARTS = {"province", "ward", "line"}


def form_data_shape_errors(schema: list, form_data: dict) -> dict[str, list[str]]:
    """What makes answers sent as JSON unfit for the e-form before its own checks run: answers
    to a procedure without an e-form, names that are not its fields, values of the wrong type.
    {"form_data" | "form:<field>": [messages]}; {} when the answers may be checked."""
    if not isinstance(form_data, dict):
        return {"form_data": [_("The declaration answers must be an object.")]}
    if not form_data:
        return {}
    if not schema:
        return {"form_data": [_("This procedure has no declaration form: send no answers (form_data).")]}
    types = {spec.get("name"): spec.get("type") for spec in schema}
    labels = {
        spec.get("name"): (spec["label"].get("vi") if isinstance(spec.get("label"), dict) else spec.get("label"))
        or spec.get("name")
        for spec in schema
    }
    unknown = sorted(str(key) for key in form_data if key not in types)
    if unknown:
        return {"form_data": [_("The declaration form has no field %(names)s.") % {"names": ", ".join(unknown)}]}
    errors = {}
    for name, value in form_data.items():
        expected = _ANSWER_TYPES.get(types[name], (str,))
        fits = value is None or (isinstance(value, expected) and not (isinstance(value, bool) and bool not in expected))
        if fits and isinstance(value, dict):
            fits = set(value) <= _ADDRESS_PARTS and all(
                part is None or (isinstance(part, int | str) and not isinstance(part, bool)) for part in value.values()
            )
        if not fits:
            errors[f"form:{name}"] = [_("%(field)s: this answer has the wrong type.") % {"field": labels[name]}]
    return errors


def _incomplete(errors: dict) -> DossierIncomplete:
    first = next(iter(errors.values()))[0]
    return DossierIncomplete(_("The dossier is not complete: %(error)s") % {"error": first}, errors)


def dossier_submit(*, dossier: Dossier, by) -> Dossier:
    """Submit a draft: validate, freeze the data, give it its code, put it in the agency's queue."""
    with transaction.atomic():
        d = _lock(dossier)
        _check_owner(by, d)
        if d.status not in DRAFT_STATUSES:
            if d.code:
                return d
            raise _illegal(d, "submit")
        if d.filed_by_id and by.pk != d.citizen_id and not d.consent_recorded:
            raise DossierActionError(_("The applicant has not confirmed their consent to this filing yet."))
        # A draft begun before the citizen's identity was verified is filed with the verified one.
        d.applicant = {**d.applicant, **applicant_locked(citizen=d.citizen, on_behalf=d.filed_by_id is not None)}
        if d.snapshot.get("form_schema"):
            d.form_data = {**(d.form_data or {}), **eform_identity_answers(dossier=d)}
        cleaned, errors = _validate(d)
        if errors:
            raise _incomplete(errors)
        now = timezone.now()
        d.form_data = cleaned or d.form_data
        d.code = dossier_code_next(unit_code=d.agency.code, day=timezone.localdate(now))
        d.status = Status.SUBMITTED
        d.submitted_at = now
        d.current_agency = None if d.snapshot.get("is_bundle") else d.agency
        d.save()
        _submitted(d, by=by, from_status=Status.DRAFT, now=now)
    return d


def dossier_file_and_submit(
    *,
    citizen,
    procedure_version,
    agency=None,
    applicant: dict | None = None,
    form_data: dict | None = None,
    documents: list[tuple[str, object]] = (),
) -> Dossier:
    """File a complete dossier in one step (the API): what `dossier_draft_create`,
    `dossier_file_add` and `dossier_submit` do, without the draft.

    `applicant` holds changes to the citizen's profile data (`applicant_clean`); `form_data` the
    answers to the procedure's e-form, which must name only its fields (none when it has no
    e-form). `documents` are (document key, PersonalDocument of the citizen) pairs. The dossier
    is checked before anything is written; its number is taken in a statement of its own when
    no transaction is open, so that the per-agency counter row is not held through the whole
    filing (a failure after that leaves a gap in the numbers, which is allowed)."""
    from ..models import Channel, DossierFile
    from .drafts import _agency_id_for, applicant_clean

    procedure_level_check(citizen=citizen, procedure_version=procedure_version)
    form_errors = form_data_shape_errors(procedure_version.snapshot.get("form_schema") or [], form_data or {})
    if form_errors:
        first = next(iter(form_errors.values()))[0]
        raise DossierIncomplete(_("The declaration answers are not valid: %(error)s") % {"error": first}, form_errors)
    applicant = applicant_clean(citizen=citizen, applicant=applicant or {})
    agency_id = _agency_id_for(procedure_version, agency, citizen=citizen)
    if agency is None or agency.pk != agency_id:
        from catalog.selectors import agency_get

        agency = agency_get(id=agency_id)
    for _key, document in documents:
        if document.owner_id != citizen.pk:
            raise DossierActionError(_("This document is not in the applicant's document store."))
    d = Dossier(
        citizen=citizen,
        channel=Channel.ONLINE,
        procedure_version=procedure_version,
        agency=agency,
        applicant=applicant,
        form_data=dict(form_data or {}),
    )
    # The e-form's applicant fields are the applicant's: a verified identity cannot be changed
    # there either; what is not answered is filled from the applicant.
    eform_identity_check(dossier=d, form_data=d.form_data)
    d.form_data = {**eform_identity_answers(dossier=d), **d.form_data}
    keys = {doc.get("key") for doc in d.snapshot.get("documents", [])}
    for key, _document in documents:
        if keys and key not in keys:
            raise DossierActionError(_("Unknown document."))
    cleaned, errors = _validate(d, present={key for key, _document in documents})
    if errors:
        raise _incomplete(errors)
    now = timezone.now()
    d.form_data = cleaned or d.form_data
    # The number, and on PostgreSQL the dossier's id: the dossier row is then sent with its
    # event, sync message and jobs, in one statement (portal.rows.rows_together; the foreign
    # keys to it are checked at commit).
    d.code, d.pk = _code_next(unit_code=agency.code, day=timezone.localdate(now), with_id=True)
    d.status = Status.SUBMITTED
    d.submitted_at = now
    d.current_agency = None if d.snapshot.get("is_bundle") else agency
    with transaction.atomic(), rows_together():
        rows_insert([d])  # one INSERT, without save()'s machinery (portal.rows)
        DossierFile.objects.bulk_create(
            DossierFile(
                dossier=d,
                doc_key=key,
                kind=DossierFile.Kind.APPLICANT,
                personal_document=document,
                original_name=document.title,
                content_type=document.content_type,
                size=0,
                uploaded_by=citizen,
            )
            for key, document in documents
        )
        _submitted(d, by=citizen, from_status="", now=now)
    return d


def _submitted(d: Dossier, *, by, from_status: str, now) -> None:
    """What follows every submission, in its transaction: the timeline, the parts of a bundle,
    fees and the national sync message (signals), and the job that tells the citizen and the
    intake officials (`dossier_filed_notify`, after the commit)."""
    # The event, the sync message and the jobs (the sync message's and the notices') in one
    # statement (portal.rows): nothing in the block reads them back.
    with rows_together(), outbox_batch():
        event = _event(
            dossier=d,
            actor=by,
            action="submit",
            from_status=from_status,
            to_status=Status.SUBMITTED,
            data={"procedure_version": d.procedure_version_id, "channel": d.channel},
        )
        parts = _bundle_parts_create(parent=d, by=by, now=now) if d.snapshot.get("is_bundle") else []
        dossier_submitted.send(sender=Dossier, dossier=d)
        dossier_transitioned.send(
            sender=Dossier,
            dossier=d,
            action="submit",
            from_status=from_status,
            to_status=d.status,
            actor=by,
            event=event,
        )
        # Telling the citizen and the intake officials is a job of the outbox, written in this
        # transaction (nothing is lost) and carried out after the commit (issue 13: the filing
        # itself is the dossier, its timeline and its national sync message; the notices need a
        # read of their own — who the intake officials are — and a row per person and channel).
        outbox_enqueue(kind=FILED_NOTICE_JOB, key=f"dossier-filed:{d.pk}", payload={"dossier_id": d.pk})
    # The timeline and the parts, as `prefetch_related` would have loaded them: showing the
    # dossier just filed needs no second read of what was just written.
    for name, rows in (("events", [event]), ("parts", parts)):
        queryset = getattr(d, name).all()
        queryset._result_cache, queryset._prefetch_done = rows, True
        d._prefetched_objects_cache = {**getattr(d, "_prefetched_objects_cache", {}), name: queryset}


def _bundle_parts_create(*, parent: Dossier, by, now) -> list[Dossier]:
    from catalog.selectors import agencies_by_ids

    parts = parent.snapshot.get("bundle_parts") or []
    agencies = agencies_by_ids(ids=[p["agency"]["id"] for p in parts if p.get("agency")])
    children = []
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
        children.append(child)
    return children


FILED_NOTICE_JOB = "dossiers.filed_notice"


def dossier_filed_notify(*, dossier_id: int) -> None:
    """The outbox job of a filing: the citizen's notice and the intake officials' (of the dossier,
    or of each part of a bundle). Idempotent: a notice already written is not written again (the
    notifications' keys), so a job run twice tells no one twice."""
    d = _filed_read(dossier_id)
    if d is None or not d.code:
        return  # gone (a test's rollback, a purge): nothing to tell
    with transaction.atomic(), notifications_batch():  # every row of the filing in one INSERT
        citizen_notify(dossier=d, action="submit")
        if d.current_agency_id:
            _intake_officials_notify(dossier=d)
        parts = d.parts.select_related("procedure_version", "agency", "current_agency", "citizen")
        for part in parts if d.snapshot.get("is_bundle") else ():
            if part.current_agency_id:
                _intake_officials_notify(dossier=part)


def _filed_read(dossier_id: int) -> Dossier | None:
    return (
        Dossier.objects.select_related("citizen", "agency", "current_agency", "procedure_version")
        .filter(pk=dossier_id)
        .first()
    )
