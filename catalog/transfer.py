"""Import and export of the whole catalog as one JSON document (fields, agencies, procedure
drafts with documents, fees, e-form schemas and bundle parts). Import is idempotent: rows are
matched by field code, agency unit code and national procedure code."""

import base64
import hashlib
import re
from decimal import Decimal, InvalidOperation

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from .eform import schema_validate
from .fees import fee_line_problems
from .models import (
    AGENCY_CODE_RE,
    Agency,
    BundlePart,
    FeeLine,
    Field,
    OnlineLevel,
    Procedure,
    RequiredDocument,
    TimeUnit,
)
from .services import CatalogError, procedure_publish
from .snapshot import decimal_str, fee_tiers

FORMAT = "portal-catalog"
FORMAT_VERSION = 1


def _template_export(doc: RequiredDocument) -> dict | None:
    if not doc.template:
        return None
    try:
        with doc.template.open("rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        return None
    return {"name": doc.template.name.rsplit("/", 1)[-1], "data": base64.b64encode(data).decode("ascii")}


def catalog_export(*, procedures=None) -> dict:
    """The catalog (or the given procedures, with the fields and agencies they use) as a dict."""
    procedures = (
        Procedure.objects.all() if procedures is None else Procedure.objects.filter(pk__in=[p.pk for p in procedures])
    )
    procedures = procedures.select_related("field").prefetch_related("agencies", "documents", "fees", "bundle_parts")
    items = []
    for p in procedures.order_by("code"):
        channels = [name for name in ("online", "counter", "post") if getattr(p, f"channel_{name}")]
        items.append(
            {
                "code": p.code,
                "name": p.name,
                "description": p.description,
                "field": p.field.code,
                "agencies": sorted(a.code for a in p.agencies.all()),
                "level": p.level,
                "online_level": p.online_level,
                "channels": channels,
                "processing_time": {"value": decimal_str(p.processing_time_value), "unit": p.processing_time_unit},
                "result_description": p.result_description,
                "legal_basis": p.legal_basis,
                "requirements": p.requirements,
                "min_eid_level": p.min_eid_level,
                "fee_timing": p.fee_timing,
                "refund_on_refusal": p.refund_on_refusal,
                "needs_signoff": p.needs_signoff,
                "result_doc_type": p.result_doc_type,
                "certified_copy": p.certified_copy,
                "is_bundle": p.is_bundle,
                "form_schema": p.form_schema,
                "documents": [
                    {
                        "key": d.key,
                        "name": d.name,
                        "description": d.description,
                        "form": d.form,
                        "copies": d.copies,
                        "mandatory": d.mandatory,
                        "reusable_kinds": d.reusable_kinds,
                        "template": _template_export(d),
                    }
                    for d in p.documents.all()
                ],
                "fees": [
                    {
                        "name": f.name,
                        "kind": f.kind,
                        "amount": decimal_str(f.amount),
                        "note": f.note,
                        "per_unit_field": f.per_unit_field,
                        **fee_tiers(f),
                    }
                    for f in p.fees.all()
                ],
                "bundle_parts": [
                    {
                        "name": b.name,
                        "agency": b.agency.code,
                        "procedure": b.procedure.code if b.procedure_id else None,
                        "parallel": b.parallel,
                    }
                    for b in p.bundle_parts.select_related("agency", "procedure")
                ],
            }
        )
    field_codes = {i["field"] for i in items}
    agency_codes = {c for i in items for c in i["agencies"]} | {b["agency"] for i in items for b in i["bundle_parts"]}
    fields = Field.objects.all() if procedures is None else Field.objects.filter(code__in=field_codes)
    agencies = Agency.objects.select_related("parent")
    if procedures is not None:
        agencies = agencies.filter(code__in=agency_codes)
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "exported_at": timezone.now().isoformat(),
        "fields": [
            {"code": f.code, "name": f.name, "name_en": f.name_en, "position": f.position}
            for f in Field.objects.filter(pk__in=fields.values("pk")).order_by("position", "code")
        ],
        "agencies": [
            {
                "code": a.code,
                "name": a.name,
                "short_name": a.short_name,
                "level": a.level,
                "parent": a.parent.code if a.parent_id else None,
                "province": a.province_id,
                "ward": a.ward_id,
                "address": a.address,
                "phone": a.phone,
                "email": a.email,
                "opening_hours": a.opening_hours,
                "is_active": a.is_active,
            }
            for a in agencies.order_by("code")
        ],
        "procedures": items,
    }


def _require(item: dict, key: str, where: str, errors: list[str]):
    value = item.get(key)
    if value in (None, ""):
        errors.append(_("%(where)s: “%(key)s” is missing.") % {"where": where, "key": key})
    return value


def _may(by, action: str, model: str) -> bool:
    """Whether `by` may add/change rows of `model` (agency, field). No user: the operator's own
    shell (`manage.py import_catalog`, `seed_demo`), which may do everything."""
    return by is None or by.is_superuser or by.has_perm(f"services.{action}_{model}")


def _agency_values(row: dict) -> dict:
    """What an import would write for an agency row (the parent by code)."""
    return {
        "name": row.get("name"),
        "short_name": row.get("short_name", ""),
        "level": row.get("level"),
        "parent": row.get("parent") or None,
        "province": row.get("province"),
        "ward": row.get("ward"),
        "address": row.get("address", ""),
        "phone": row.get("phone", ""),
        "email": row.get("email", ""),
        "opening_hours": row.get("opening_hours", ""),
        "is_active": row.get("is_active", True),
    }


def _agency_current(agency: Agency, codes: dict[int, str]) -> dict:
    return {
        "name": agency.name,
        "short_name": agency.short_name,
        "level": agency.level,
        "parent": codes.get(agency.parent_id),
        "province": agency.province_id,
        "ward": agency.ward_id,
        "address": agency.address,
        "phone": agency.phone,
        "email": agency.email,
        "opening_hours": agency.opening_hours,
        "is_active": agency.is_active,
    }


def _field_values(row: dict) -> dict:
    return {"name": row.get("name"), "name_en": row.get("name_en", ""), "position": row.get("position", 0)}


def _field_current(field: Field) -> dict:
    return {"name": field.name, "name_en": field.name_en, "position": field.position}


NOT_CREATED = {
    "agency": _lazy("Agency %(code)s was not created: you may not add agencies."),
    "field": _lazy("Field %(code)s was not created: you may not add fields."),
}
NOT_CHANGED = {
    "agency": _lazy("Agency %(code)s was not changed (the file differs in: %(fields)s): you may not change agencies."),
    "field": _lazy("Field %(code)s was not changed (the file differs in: %(fields)s): you may not change fields."),
}


def _split(*, model, rows: list, current: dict[str, dict], values, by) -> tuple[list, list[str]]:
    """The rows of `model` (Agency or Field) this user may write, and a note for each row left
    alone: a user without the add/change permission only refers to existing rows by code."""
    name = model._meta.model_name
    may_add, may_change = _may(by, "add", name), _may(by, "change", name)
    writable, notes = [], []
    for row in rows:
        code = row.get("code")
        if code not in current:
            if may_add:
                writable.append(row)
            else:
                notes.append(str(NOT_CREATED[name]) % {"code": code})
            continue
        if may_change:
            writable.append(row)
            continue
        differs = [key for key, value in values(row).items() if value != current[code][key]]
        if differs:
            names = ", ".join(str(model._meta.get_field(key).verbose_name) for key in differs)
            notes.append(str(NOT_CHANGED[name]) % {"code": code, "fields": names})
    return writable, notes


def _plan(data: dict, by) -> tuple[list, list, list[str]]:
    """The agency and field rows to write, and notes on those left alone (see `_split`)."""
    agencies = list(Agency.objects.all())
    codes = {a.pk: a.code for a in agencies}
    agency_rows, agency_notes = _split(
        model=Agency,
        rows=data.get("agencies", []),
        current={a.code: _agency_current(a, codes) for a in agencies},
        values=_agency_values,
        by=by,
    )
    field_rows, field_notes = _split(
        model=Field,
        rows=data.get("fields", []),
        current={f.code: _field_current(f) for f in Field.objects.all()},
        values=_field_values,
        by=by,
    )
    return agency_rows, field_rows, field_notes + agency_notes


def _check(data, *, agency_rows: list | None = None, field_rows: list | None = None) -> list[str]:
    """Problems of an import document, before anything is written. `agency_rows`/`field_rows`:
    the rows that will be written (by default all in the file); other codes must already exist."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return [_("This is not a catalog export file (format “%(format)s” expected).") % {"format": FORMAT}]
    errors: list[str] = []
    agency_rows = data.get("agencies", []) if agency_rows is None else agency_rows
    field_rows = data.get("fields", []) if field_rows is None else field_rows
    field_codes = {f.get("code") for f in field_rows} | set(Field.objects.values_list("code", flat=True))
    agency_codes = {a.get("code") for a in agency_rows} | set(Agency.objects.values_list("code", flat=True))
    skipped_agencies = {a.get("code") for a in data.get("agencies", [])} - agency_codes
    skipped_fields = {f.get("code") for f in data.get("fields", [])} - field_codes
    procedure_codes = {p.get("code") for p in data.get("procedures", [])} | set(
        Procedure.objects.values_list("code", flat=True)
    )
    for f in field_rows:
        _require(f, "code", _("Field"), errors)
        _require(f, "name", _("Field %(code)s") % {"code": f.get("code")}, errors)
    for a in agency_rows:
        where = _("Agency %(code)s") % {"code": a.get("code")}
        _require(a, "code", where, errors)
        _require(a, "name", where, errors)
        if a.get("code") and not re.match(AGENCY_CODE_RE, str(a["code"])):
            errors.append(
                _("%(where)s: a unit code has the shape AAA.BB.CC.DDD, e.g. 000.00.31.H62.") % {"where": where}
            )
        if a.get("level") not in Agency.Level.values:
            errors.append(_("%(where)s: unknown level “%(level)s”.") % {"where": where, "level": a.get("level")})
        if a.get("parent") and a["parent"] not in agency_codes:
            errors.append(_("%(where)s: unknown parent agency %(code)s.") % {"where": where, "code": a["parent"]})
    for p in data.get("procedures", []):
        where = _("Procedure %(code)s") % {"code": p.get("code")}
        for key in ("code", "name", "field", "level", "online_level"):
            _require(p, key, where, errors)
        if p.get("field") and p["field"] not in field_codes:
            if p["field"] in skipped_fields:
                errors.append(
                    _(
                        "%(where)s: field %(code)s does not exist yet and you may not add fields "
                        "(ask an administrator to create it first)."
                    )
                    % {"where": where, "code": p["field"]}
                )
            else:
                errors.append(_("%(where)s: unknown field %(code)s.") % {"where": where, "code": p["field"]})
        for code in p.get("agencies", []) + [b.get("agency") for b in p.get("bundle_parts", [])]:
            if code in agency_codes:
                continue
            if code in skipped_agencies:
                errors.append(
                    _(
                        "%(where)s: agency %(code)s does not exist yet and you may not add agencies "
                        "(ask an administrator to create it first)."
                    )
                    % {"where": where, "code": code}
                )
            else:
                errors.append(_("%(where)s: unknown agency %(code)s.") % {"where": where, "code": code})
        for b in p.get("bundle_parts", []):
            if b.get("procedure") and b["procedure"] not in procedure_codes:
                errors.append(_("%(where)s: unknown procedure %(code)s.") % {"where": where, "code": b["procedure"]})
        if p.get("level") and p["level"] not in Agency.Level.values:
            errors.append(_("%(where)s: unknown level “%(level)s”.") % {"where": where, "level": p["level"]})
        if p.get("online_level") and p["online_level"] not in OnlineLevel.values:
            errors.append(
                _("%(where)s: unknown online level “%(level)s”.") % {"where": where, "level": p["online_level"]}
            )
        unit = (p.get("processing_time") or {}).get("unit", TimeUnit.WORKING_DAYS)
        if unit not in TimeUnit.values:
            errors.append(_("%(where)s: unknown time unit “%(unit)s”.") % {"where": where, "unit": unit})
        try:
            Decimal(str((p.get("processing_time") or {}).get("value", "0")))
            for fee in p.get("fees", []):
                Decimal(str(fee.get("amount")))
        except (InvalidOperation, ValueError):
            errors.append(_("%(where)s: an amount or time is not a number.") % {"where": where})
        for fee in p.get("fees", []):
            errors.extend(
                f"{where}: {fee.get('name', '')}: {e}" for e in fee_line_problems(fee, p.get("form_schema") or [])
            )
        keys = [d.get("key") for d in p.get("documents", [])]
        if len(keys) != len(set(keys)) or not all(keys):
            errors.append(_("%(where)s: every document needs its own key.") % {"where": where})
        errors.extend(f"{where}: {e}" for e in schema_validate(p.get("form_schema") or []))
    return errors


def _decimal_or_none(value):
    return None if value in (None, "") else Decimal(str(value))


def _save_template(doc: RequiredDocument, template: dict | None) -> None:
    if not template:
        return
    data = base64.b64decode(template["data"])
    if doc.template:
        try:
            with doc.template.open("rb") as fh:
                if hashlib.sha256(fh.read()).digest() == hashlib.sha256(data).digest():
                    return
        except FileNotFoundError:
            pass
    doc.template.save(template.get("name") or f"{doc.key}.bin", ContentFile(data), save=True)


@transaction.atomic
def catalog_import(*, data: dict, by=None, publish: bool = False) -> dict:
    """Create or update fields, agencies and procedure drafts from an export document.

    Returns counts {"fields": {"created": n, "updated": n}, ..., "published": n}. With
    `publish`, every imported procedure is published (needs the publisher permission).

    Agencies and fields are created or changed only for a user who may add / change them (or
    no user: the operator's shell). For anyone else they are referred to by code and left
    as they are; report["notes"] says which rows of the file were left alone."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CatalogError(_check(data))
    agency_rows, field_rows, notes = _plan(data, by)
    errors = _check(data, agency_rows=agency_rows, field_rows=field_rows)
    if errors:
        raise CatalogError(errors)
    report = {key: {"created": 0, "updated": 0} for key in ("fields", "agencies", "procedures")}
    report["published"] = 0
    report["notes"] = notes

    def count(kind, created):
        report[kind]["created" if created else "updated"] += 1

    for f in field_rows:
        _, created = Field.objects.update_or_create(
            code=f["code"],
            defaults={"name": f["name"], "name_en": f.get("name_en", ""), "position": f.get("position", 0)},
        )
        count("fields", created)
    for a in agency_rows:
        _, created = Agency.objects.update_or_create(
            code=a["code"],
            defaults={
                "name": a["name"],
                "short_name": a.get("short_name", ""),
                "level": a["level"],
                "province_id": a.get("province"),
                "ward_id": a.get("ward"),
                "address": a.get("address", ""),
                "phone": a.get("phone", ""),
                "email": a.get("email", ""),
                "opening_hours": a.get("opening_hours", ""),
                "is_active": a.get("is_active", True),
            },
        )
        count("agencies", created)
    agencies = {a.code: a for a in Agency.objects.all()}
    for a in agency_rows:
        parent = agencies.get(a.get("parent")) if a.get("parent") else None
        Agency.objects.filter(code=a["code"]).update(parent=parent)
    fields = {f.code: f for f in Field.objects.all()}

    imported = []
    for p in data.get("procedures", []):
        channels = p.get("channels", ["online", "counter"])
        time = p.get("processing_time") or {}
        procedure, created = Procedure.objects.update_or_create(
            code=p["code"],
            defaults={
                "name": p["name"],
                "description": p.get("description", ""),
                "field": fields[p["field"]],
                "level": p["level"],
                "online_level": p["online_level"],
                "channel_online": "online" in channels,
                "channel_counter": "counter" in channels,
                "channel_post": "post" in channels,
                "processing_time_value": Decimal(str(time.get("value", "0"))),
                "processing_time_unit": time.get("unit", TimeUnit.WORKING_DAYS),
                "result_description": p.get("result_description", ""),
                "legal_basis": p.get("legal_basis", ""),
                "requirements": p.get("requirements", ""),
                "min_eid_level": int(p.get("min_eid_level", 1)),
                "fee_timing": p.get("fee_timing", "before_intake"),
                "refund_on_refusal": bool(p.get("refund_on_refusal", True)),
                "needs_signoff": bool(p.get("needs_signoff", True)),
                "result_doc_type": p.get("result_doc_type", ""),
                "certified_copy": bool(p.get("certified_copy", False)),
                "is_bundle": bool(p.get("is_bundle", False)),
                "form_schema": p.get("form_schema") or [],
                "updated_by": by,
            },
        )
        count("procedures", created)
        procedure.agencies.set([agencies[c] for c in p.get("agencies", [])])
        keys = []
        for position, d in enumerate(p.get("documents", [])):
            doc, _created = RequiredDocument.objects.update_or_create(
                procedure=procedure,
                key=d["key"],
                defaults={
                    "position": position,
                    "name": d["name"],
                    "description": d.get("description", ""),
                    "form": d.get("form", RequiredDocument.Form.ORIGINAL),
                    "copies": int(d.get("copies", 1)),
                    "mandatory": bool(d.get("mandatory", True)),
                    "reusable_kinds": d.get("reusable_kinds") or [],
                },
            )
            _save_template(doc, d.get("template"))
            keys.append(d["key"])
        procedure.documents.exclude(key__in=keys).delete()
        procedure.fees.all().delete()
        FeeLine.objects.bulk_create(
            FeeLine(
                procedure=procedure,
                position=position,
                name=fee["name"],
                kind=fee.get("kind", FeeLine.Kind.FEE),
                amount=Decimal(str(fee["amount"])),
                note=fee.get("note", ""),
                per_unit_field=fee.get("per_unit_field", ""),
                tier_field=fee.get("tier_field", ""),
                tier_unit=fee.get("tier_unit", ""),
                tier_first_units=fee.get("tier_first_units"),
                tier_further_amount=_decimal_or_none(fee.get("tier_further_amount")),
                cap=_decimal_or_none(fee.get("cap")),
            )
            for position, fee in enumerate(p.get("fees", []))
        )
        imported.append((procedure, p))
    procedures = {x.code: x for x in Procedure.objects.all()}
    for procedure, p in imported:
        procedure.bundle_parts.all().delete()
        BundlePart.objects.bulk_create(
            BundlePart(
                bundle=procedure,
                position=position,
                name=b["name"],
                agency=agencies[b["agency"]],
                procedure=procedures.get(b.get("procedure")) if b.get("procedure") else None,
                parallel=bool(b.get("parallel", False)),
            )
            for position, b in enumerate(p.get("bundle_parts", []))
        )
    if publish:
        for procedure, _p in imported:
            procedure_publish(procedure=procedure, by=by)
            report["published"] += 1
    return report
