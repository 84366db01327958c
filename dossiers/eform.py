"""Bridge to the catalog's e-form engine (services.eform). A minimal reader of the same schema
stands in while that module is not installed, so filing keeps working."""

import contextlib
import datetime as dt

from django import forms


def _field_key(spec: dict) -> str:
    return str(spec.get("key") or spec.get("name") or spec.get("code") or "")


def _label(spec: dict, language: str) -> str:
    label = spec.get("label") or spec.get("name") or _field_key(spec)
    if isinstance(label, dict):
        return label.get(language) or label.get("vi") or next(iter(label.values()), "")
    if language == "en" and spec.get("label_en"):
        return spec["label_en"]
    return str(label)


def _choices(spec: dict, language: str) -> list[tuple[str, str]]:
    out = []
    for choice in spec.get("choices") or spec.get("options") or []:
        if isinstance(choice, dict):
            out.append(
                (str(choice.get("value")), _label(choice, language) if "label" in choice else str(choice.get("value")))
            )
        elif isinstance(choice, list | tuple):
            out.append((str(choice[0]), str(choice[1])))
        else:
            out.append((str(choice), str(choice)))
    return out


def _fallback_build_form_class(schema, *, language="vi"):
    fields = {}
    for spec in schema or []:
        key = _field_key(spec)
        if not key or spec.get("type") in ("heading", "section", "paragraph"):
            continue
        required = bool(spec.get("required"))
        label = _label(spec, language)
        kind = spec.get("type", "text")
        common = {"label": label, "required": required, "help_text": spec.get("help", "")}
        if kind == "textarea":
            field = forms.CharField(
                widget=forms.Textarea(attrs={"rows": 3}), max_length=spec.get("max_length", 2000), **common
            )
        elif kind == "date":
            field = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), **common)
        elif kind in ("number", "integer"):
            field = forms.IntegerField(**common)
        elif kind in ("select", "choice", "radio"):
            field = forms.ChoiceField(choices=[("", "—"), *_choices(spec, language)], **common)
        elif kind in ("checkbox", "boolean"):
            field = forms.BooleanField(**common)
        elif kind == "email":
            field = forms.EmailField(**common)
        else:
            field = forms.CharField(max_length=spec.get("max_length", 255), **common)
        fields[key] = field
    return type("EForm", (forms.Form,), fields)


def build_form_class(schema, *, language="vi"):
    try:
        from services.eform import build_form_class as catalog_build
    except ImportError:
        catalog_build = None
    if catalog_build is not None:
        return catalog_build(schema, language=language)
    return _fallback_build_form_class(schema, language=language)


def _jsonable(value):
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def form_data_clean(schema, data, *, language="vi") -> tuple[dict, dict]:
    """(cleaned data, errors as {field: [messages]})."""
    try:
        from services.eform import form_data_clean as catalog_clean
    except ImportError:
        catalog_clean = None
    if catalog_clean is not None:
        return catalog_clean(schema, data, language=language)
    form = _fallback_build_form_class(schema, language=language)(data=data)
    if form.is_valid():
        return {k: _jsonable(v) for k, v in form.cleaned_data.items()}, {}
    return {}, {k: [str(m) for m in v] for k, v in form.errors.items()}


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
            values[_field_key(spec)] = value
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
    from portal.models import Ward

    # Answers are kept as typed until submission: the ward may be anything a browser can send.
    code = str(value.get("ward") or "")
    ward = None
    if code.isascii() and code.isdigit() and len(code) <= 9:
        ward = Ward.objects.select_related("province").filter(pk=int(code)).first()
    parts = [str(value.get("line") or ""), ward.name if ward else "", ward.province.name if ward else ""]
    return ", ".join(p for p in parts if p)
