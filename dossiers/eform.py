"""The dossier's side of an e-form (the engine is catalog.eform): answers
prefilled from the citizen's profile, and answers shown back to people."""

import contextlib
import datetime as dt

from catalog.eform import build_form_class


def prefill_values(schema, user) -> dict:
    """Initial values of the fields whose schema says `prefill: identity.<attr>`."""
    values = {}
    for spec in schema or []:
        source = spec.get("prefill") or ""
        if not source.startswith("identity."):
            continue
        attr = source.split(".", 1)[1]
        if attr == "address" and spec.get("type") == "address":
            value = {"province": user.province_id, "ward": user.ward_id, "line": user.address_line}
            if not (user.province_id or user.ward_id or user.address_line):
                value = None
        elif attr == "address":
            value = user_address(user)
        else:
            value = getattr(user, attr, "")
        if isinstance(value, dt.date):
            value = value.isoformat()
        if value not in (None, ""):
            values[spec["name"]] = value
    return values


def user_address(user) -> str:
    parts = [user.address_line]
    if getattr(user, "ward_id", None):
        parts.append(user.ward.name)
    if getattr(user, "province_id", None):
        parts.append(user.province.name)
    return ", ".join(p for p in parts if p)


def answers_display(schema, data, *, language="vi") -> list[tuple[str, str]]:
    """(label, readable value) of each e-form answer, for the review page and the officials."""
    from django.utils.translation import gettext as _

    form = build_form_class(schema, language=language)()
    rows = []
    for name, field in form.fields.items():
        value = (data or {}).get(name, "")
        if isinstance(value, dict):
            value = _address_text(value)
        elif isinstance(value, bool):
            value = _("Yes") if value else _("No")
        elif isinstance(value, str | int):
            value = _choice_label(field, value)
        if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
            with contextlib.suppress(ValueError):
                value = dt.date.fromisoformat(value).strftime("%d/%m/%Y")
        rows.append((str(field.label), value))
    return rows


def _choice_label(field, value):
    """The label of a choice value (also inside option groups); the value itself otherwise."""
    for key, label in getattr(field, "choices", None) or []:
        if isinstance(label, list | tuple):
            for sub_key, sub_label in label:
                if str(sub_key) == str(value):
                    return sub_label
        elif str(key) == str(value) and str(value) != "":
            return label
    return value


def _address_text(value: dict) -> str:
    from portal.admin_units import ward_get

    # Answers are kept as typed until submission: the ward may be anything a browser can send.
    code = str(value.get("ward") or "")
    ward = None
    if code.isascii() and code.isdigit() and len(code) <= 9:
        ward = ward_get(code=int(code))
    parts = [str(value.get("line") or ""), ward.name if ward else "", ward.province.name if ward else ""]
    return ", ".join(p for p in parts if p)
