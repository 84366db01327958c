"""Submission: validation, the dossier code, the parts of a bundle."""

import datetime as dt

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ..eform import build_form_class, form_data_clean
from ..models import (
    Dossier,
    Status,
)
from ..notify import citizen_notify
from ..signals import dossier_submitted, dossier_transitioned
from .base import (
    DossierActionError,
    _check_owner,
    _event,
    _illegal,
    _intake_officials_notify,
    _lock,
)

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
