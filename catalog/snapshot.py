"""The published shape of a procedure: one JSON dict that other apps (dossiers, payments,
the API) read instead of the editable draft tables. Keys are a public contract."""

from decimal import Decimal

from django.urls import NoReverseMatch, reverse


def fee_line_snapshot(fee) -> dict:
    return {
        "name": fee.name,
        "kind": fee.kind,
        "amount": decimal_str(fee.amount),
        "note": fee.note,
        "per_unit_field": fee.per_unit_field,
        **fee_tiers(fee),
    }


def fee_tiers(fee) -> dict:
    """The tier keys of a fee line (catalog.fees), only those set: a line without tiers keeps the
    snapshot it always had (no spurious "changed" in the publish diff, no new version)."""
    values = {
        "tier_field": fee.tier_field,
        "tier_unit": fee.tier_unit,
        "tier_first_units": fee.tier_first_units,
        "tier_further_amount": decimal_str(fee.tier_further_amount) if fee.tier_further_amount is not None else None,
        "cap": decimal_str(fee.cap) if fee.cap is not None else None,
    }
    return {key: value for key, value in values.items() if value not in (None, "")}


def decimal_str(value) -> str:
    """'15' for 15.0, '1.5' for 1.5: no exponent, no trailing zeros."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return str(int(value))
    return format(value.normalize(), "f")


def agency_snapshot(agency) -> dict:
    return {"id": agency.pk, "code": agency.code, "name": agency.name}


def template_url(procedure_code: str, key: str) -> str | None:
    try:
        return reverse("services:document_template", args=[procedure_code, key])
    except NoReverseMatch:
        return None


def procedure_snapshot(procedure) -> dict:
    """The whole procedure as citizens and other apps see it once published."""
    channels = []
    if procedure.channel_online:
        channels.append("online")
    if procedure.channel_counter:
        channels.append("counter")
    if procedure.channel_post:
        channels.append("post")
    documents = [
        {
            "key": doc.key,
            "name": doc.name,
            "description": doc.description,
            "form": doc.form,
            "copies": doc.copies,
            "mandatory": doc.mandatory,
            "template_url": template_url(procedure.code, doc.key) if doc.template else None,
            "reusable_kinds": list(doc.reusable_kinds or []),
        }
        for doc in procedure.documents.all()
    ]
    fees = [fee_line_snapshot(fee) for fee in procedure.fees.all()]
    bundle_parts = [
        {
            "name": part.name,
            "agency": agency_snapshot(part.agency),
            "procedure_code": part.procedure.code if part.procedure_id else None,
            "parallel": bool(part.parallel),
        }
        for part in procedure.bundle_parts.select_related("agency", "procedure")
    ]
    return {
        "code": procedure.code,
        "name": procedure.name,
        "description": procedure.description,
        "requirements": procedure.requirements,
        "field": {"code": procedure.field.code, "name": procedure.field.name},
        "level": procedure.level,
        "online_level": procedure.online_level,
        "channels": channels,
        "processing_time": {
            "value": decimal_str(procedure.processing_time_value),
            "unit": procedure.processing_time_unit,
        },
        "result_description": procedure.result_description,
        "legal_basis": procedure.legal_basis,
        "min_eid_level": int(procedure.min_eid_level),
        "fee_timing": procedure.fee_timing,
        "refund_on_refusal": bool(procedure.refund_on_refusal),
        "needs_signoff": bool(procedure.needs_signoff),
        "result_doc_type": procedure.result_doc_type,
        "certified_copy": bool(procedure.certified_copy),
        "agencies": [agency_snapshot(a) for a in procedure.agencies.order_by("level", "name")],
        "documents": documents,
        "fees": fees,
        "form_schema": list(procedure.form_schema or []),
        "is_bundle": bool(procedure.is_bundle),
        "bundle_parts": bundle_parts,
    }
