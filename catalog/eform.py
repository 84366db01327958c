"""E-form schemas of procedures: checking a schema staff wrote, turning it into a Django form,
and cleaning citizens' answers into JSON.

A schema is a list of field dicts (see README "Service catalog"): name, type, label {vi, en},
required, help, options (select), validation, prefill.
"""

import datetime
import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.kernel.cccd import CccdField

FIELD_TYPES = ("text", "number", "date", "select", "checkbox", "textarea", "address", "cccd")
PREFILL_SOURCES = (
    "identity.full_name",
    "identity.personal_id",
    "identity.date_of_birth",
    "identity.sex",
    "identity.phone",
    "identity.email",
    "identity.address",
)
FIELD_KEYS = {"name", "type", "label", "required", "help", "options", "validation", "prefill"}
# Which validation keys make sense for which types.
VALIDATION_KEYS = {
    "text": {"min_length", "max_length", "pattern"},
    "textarea": {"min_length", "max_length", "pattern"},
    "cccd": set(),
    "number": {"min", "max"},
    "date": {"min_date", "max_date"},
    "select": set(),
    "checkbox": set(),
    "address": set(),
}
ALL_VALIDATION_KEYS = {"min_length", "max_length", "pattern", "min", "max", "min_date", "max_date"}
IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,59}$")


def _parse_date(value):
    """'today' or an ISO date; None if it is neither."""
    if value == "today":
        return "today"
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _resolve_date(value):
    parsed = _parse_date(value)
    return timezone.localdate() if parsed == "today" else parsed


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _text(value) -> bool:
    return isinstance(value, str) and value.strip() != ""


def schema_validate(schema) -> list[str]:
    """Every problem of an e-form schema, as sentences a catalog editor understands. [] = valid."""
    if not isinstance(schema, list):
        return [_("The e-form schema must be a list of fields.")]
    errors: list[str] = []
    seen: set[str] = set()
    for index, field in enumerate(schema, start=1):
        if not isinstance(field, dict):
            errors.append(_("Field %(index)s: must be an object with a name, type and label.") % {"index": index})
            continue
        name = field.get("name")
        where = (
            _("Field %(index)s (%(name)s)") % {"index": index, "name": name}
            if name
            else _("Field %(index)s") % {"index": index}
        )

        def add(message, where=where):
            errors.append(f"{where}: {message}")

        unknown = sorted(set(field) - FIELD_KEYS)
        if unknown:
            add(_("unknown keys: %(keys)s.") % {"keys": ", ".join(unknown)})
        if not isinstance(name, str) or not IDENTIFIER.match(name):
            add(
                _(
                    "the name must be an identifier of lower-case letters, digits and underscores, "
                    "starting with a letter (e.g. child_full_name)."
                )
            )
        elif name in seen:
            add(_("the name is used by another field."))
        else:
            seen.add(name)
        ftype = field.get("type")
        if ftype not in FIELD_TYPES:
            add(_("unknown type “%(type)s”; use one of: %(types)s.") % {"type": ftype, "types": ", ".join(FIELD_TYPES)})
        label = field.get("label")
        if not isinstance(label, dict) or not _text(label.get("vi")):
            add(_("the Vietnamese label (label.vi) is missing."))
        elif "en" in label and not isinstance(label["en"], str):
            add(_("the English label (label.en) must be text."))
        if "required" in field and not isinstance(field["required"], bool):
            add(_("“required” must be true or false."))
        if "help" in field and field["help"] is not None:
            help_ = field["help"]
            if not isinstance(help_, dict) or not all(isinstance(v, str) for v in help_.values()):
                add(_("the help text must be an object with “vi” and “en” texts."))
        options = field.get("options")
        if ftype == "select":
            if not isinstance(options, list) or not options:
                add(_("a select field needs a non-empty list of options."))
            else:
                values = set()
                for n, option in enumerate(options, start=1):
                    if (
                        not isinstance(option, dict)
                        or not isinstance(option.get("value"), str)
                        or not option.get("value")
                        or not isinstance(option.get("label"), dict)
                        or not _text(option["label"].get("vi"))
                    ):
                        add(_("option %(n)s needs a value and a Vietnamese label.") % {"n": n})
                    elif option["value"] in values:
                        add(_("option value “%(value)s” appears twice.") % {"value": option["value"]})
                    else:
                        values.add(option["value"])
        elif options:
            add(_("only select fields have options."))
        prefill = field.get("prefill")
        if prefill is not None and prefill not in PREFILL_SOURCES:
            add(
                _("unknown prefill source “%(source)s”; use one of: %(sources)s.")
                % {"source": prefill, "sources": ", ".join(PREFILL_SOURCES)}
            )
        validation = field.get("validation")
        if validation is None:
            continue
        if not isinstance(validation, dict):
            add(_("“validation” must be an object."))
            continue
        for key in sorted(set(validation) - ALL_VALIDATION_KEYS):
            add(_("unknown validation rule “%(rule)s”.") % {"rule": key})
        allowed = VALIDATION_KEYS.get(ftype, set())
        for key in sorted((set(validation) & ALL_VALIDATION_KEYS) - allowed):
            add(_("the rule “%(rule)s” does not apply to a %(type)s field.") % {"rule": key, "type": ftype})
        for key in ("min_length", "max_length"):
            if key in validation and (not isinstance(validation[key], int) or validation[key] < 0):
                add(_("“%(rule)s” must be a whole number of at least 0.") % {"rule": key})
        if (
            isinstance(validation.get("min_length"), int)
            and isinstance(validation.get("max_length"), int)
            and validation["min_length"] > validation["max_length"]
        ):
            add(_("min_length is greater than max_length."))
        if "pattern" in validation:
            try:
                re.compile(validation["pattern"])
            except (re.error, TypeError):
                add(_("the pattern is not a valid regular expression."))
        for key in ("min", "max"):
            if key in validation and not _is_number(validation[key]):
                add(_("“%(rule)s” must be a number.") % {"rule": key})
        if (
            _is_number(validation.get("min"))
            and _is_number(validation.get("max"))
            and validation["min"] > validation["max"]
        ):
            add(_("min is greater than max."))
        for key in ("min_date", "max_date"):
            if key in validation and _parse_date(validation[key]) is None:
                add(_("“%(rule)s” must be a date YYYY-MM-DD or “today”.") % {"rule": key})
    return errors


# --- Building a Django form -------------------------------------------------------------------


def _pick(texts, language: str) -> str:
    if not isinstance(texts, dict):
        return ""
    return texts.get(language) or texts.get("vi") or ""


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


def _province_choices():
    from portal.admin_units import provinces

    return [("", _("— Province / city —")), *((p.code, p.name) for p in provinces())]


def _ward_choices(province):
    """The communes of the chosen province only (never the whole country's 3,321); none until a
    province is chosen."""
    from portal.admin_units import wards

    code = str(province or "")
    if not (code.isascii() and code.isdigit() and len(code) <= 9):
        return [("", _("— Choose the province first —"))]
    return [("", _("— Commune / ward —")), *((w.code, w.name) for w in wards(province_id=int(code)))]


class AddressWidget(forms.MultiWidget):
    template_name = "services/widgets/address.html"

    class Media:
        # Narrows the commune list to the chosen province; the form works without it.
        js = ["services/eform.js"]

    def __init__(self, attrs=None):
        widgets = {
            "province": forms.Select(attrs={"data-address": "province"}),
            "ward": forms.Select(attrs={"data-address": "ward"}),
            "line": forms.TextInput(attrs={"data-address": "line", "autocomplete": "street-address"}),
        }
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if isinstance(value, dict):
            return [value.get("province"), value.get("ward"), value.get("line")]
        return [None, None, None]

    def get_context(self, name, value, attrs):
        # Choices are read when the form is rendered, not when the module is imported.
        province = value.get("province") if isinstance(value, dict) else (value or [None])[0]
        self.widgets[0].choices = _province_choices()
        self.widgets[1].choices = _ward_choices(province)
        self.widgets[1].attrs["data-wards-url"] = reverse("wards-of-province", args=["PROVINCE"])
        context = super().get_context(name, value, attrs)
        labels = [_("Province / city"), _("Commune / ward"), _("House number, street, hamlet")]
        for sub, label in zip(context["widget"]["subwidgets"], labels, strict=True):
            sub["label"] = label
        return context


class AddressField(forms.MultiValueField):
    """Province + commune-level unit (post-2025 codes) + street line; the ward must lie in the province."""

    widget = AddressWidget

    def __init__(self, **kwargs):
        fields = (forms.IntegerField(), forms.IntegerField(), forms.CharField(max_length=255))
        super().__init__(fields=fields, require_all_fields=False, **kwargs)
        self.fields[2].required = False

    def compress(self, data_list):
        if not data_list:
            return None
        province, ward, line = ([*list(data_list), None, None, None])[:3]
        if province in (None, "") and ward in (None, "") and not line:
            return None
        if province in (None, ""):
            raise ValidationError(_("Choose a province or city."), code="province")
        if ward in (None, ""):
            raise ValidationError(_("Choose a commune or ward."), code="ward")
        from portal.admin_units import wards

        if not wards(province_id=province).filter(code=ward).exists():
            raise ValidationError(_("The commune or ward chosen does not belong to that province."), code="mismatch")
        return {"province": int(province), "ward": int(ward), "line": (line or "").strip()}


def _date_bound_validator(bound, *, minimum: bool):
    def check(value):
        limit = _resolve_date(bound)
        if limit is None or value is None:
            return
        if minimum and value < limit:
            raise ValidationError(_("The date must be on or after %(date)s.") % {"date": limit.strftime("%d/%m/%Y")})
        if not minimum and value > limit:
            raise ValidationError(_("The date must be on or before %(date)s.") % {"date": limit.strftime("%d/%m/%Y")})

    return check


def _form_field(spec: dict, language: str) -> forms.Field:
    ftype = spec["type"]
    rules = spec.get("validation") or {}
    required = bool(spec.get("required", False))
    common = {
        "label": _pick(spec.get("label"), language),
        "help_text": _pick(spec.get("help"), language),
        "required": required,
    }
    if ftype in ("text", "textarea"):
        validators = []
        if rules.get("pattern"):
            validators.append(_pattern_validator(rules["pattern"]))
        return forms.CharField(
            min_length=rules.get("min_length"),
            max_length=rules.get("max_length"),
            validators=validators,
            widget=forms.Textarea(attrs={"rows": 4}) if ftype == "textarea" else forms.TextInput,
            **common,
        )
    if ftype == "number":
        return forms.DecimalField(
            min_value=Decimal(str(rules["min"])) if "min" in rules else None,
            max_value=Decimal(str(rules["max"])) if "max" in rules else None,
            widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "any"}),
            **common,
        )
    if ftype == "date":
        validators = []
        if "min_date" in rules:
            validators.append(_date_bound_validator(rules["min_date"], minimum=True))
        if "max_date" in rules:
            validators.append(_date_bound_validator(rules["max_date"], minimum=False))
        return forms.DateField(
            widget=DateInput, input_formats=["%Y-%m-%d", "%d/%m/%Y"], validators=validators, **common
        )
    if ftype == "select":
        choices = [(o["value"], _pick(o.get("label"), language)) for o in spec.get("options") or []]
        return forms.ChoiceField(choices=[("", "—"), *choices], **common)
    if ftype == "checkbox":
        return forms.BooleanField(**common)
    if ftype == "address":
        return AddressField(**common)
    if ftype == "cccd":
        return CccdField(**common)
    raise ValueError(f"unknown e-form field type {ftype!r}")


def _pattern_validator(pattern: str):
    compiled = re.compile(pattern)

    def check(value):
        if value and not compiled.fullmatch(value):
            raise ValidationError(_("The value does not have the expected format."))

    return check


class EForm(forms.Form):
    """Base class of generated e-forms; `schema` keeps the spec the form was built from."""

    schema: list = []
    required_css_class = "required"
    error_css_class = "has-error"


def build_form_class(schema, *, language: str = "vi") -> type[forms.Form]:
    """A Django form class for a (valid) e-form schema, labelled in `language`."""
    errors = schema_validate(schema)
    if errors:
        raise ValueError("invalid e-form schema: " + "; ".join(errors))
    with translation.override(language):
        attrs = {spec["name"]: _form_field(spec, language) for spec in schema}
    attrs["schema"] = list(schema)
    return type("EFormInstance", (EForm,), attrs)


def _json_value(spec: dict, value):
    if value is None:
        return None
    if spec["type"] == "number":
        value = Decimal(value)
        return int(value) if value == value.to_integral_value() else float(value)
    if spec["type"] == "date":
        return value.isoformat()
    return value


def _flatten(schema, data):
    """Accept JSON answers ({"home": {"province": 86, ...}}) as well as POSTed form data."""
    if hasattr(data, "getlist"):  # QueryDict: already in widget shape
        return data
    flat = dict(data or {})
    for spec in schema:
        value = flat.get(spec.get("name"))
        if spec.get("type") == "address" and isinstance(value, dict):
            for part in ("province", "ward", "line"):
                flat[f"{spec['name']}_{part}"] = value.get(part)
        if spec.get("type") == "checkbox" and value is False:
            flat.pop(spec["name"], None)
        if spec.get("type") == "number" and _is_number(value):
            flat[spec["name"]] = str(value)
    return flat


def form_data_clean(schema, data, *, language: str = "vi") -> tuple[dict, dict]:
    """(cleaned JSON-serialisable answers, {field name: [messages]}) for the answers `data`."""
    if not schema:  # no e-form: a form without fields, whatever is sent, has nothing to check
        return {}, {}
    form_class = build_form_class(schema, language=language)
    with translation.override(language):
        form = form_class(data=_flatten(schema, data))
        valid = form.is_valid()
        errors = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
    if not valid:
        return {}, errors
    cleaned = {spec["name"]: _json_value(spec, form.cleaned_data.get(spec["name"])) for spec in schema}
    return cleaned, {}


# Keep a lazily translated name for the admin/templates that list the types.
FIELD_TYPE_LABELS = {
    "text": gettext_lazy("Short text"),
    "number": gettext_lazy("Number"),
    "date": gettext_lazy("Date"),
    "select": gettext_lazy("Choice list"),
    "checkbox": gettext_lazy("Checkbox"),
    "textarea": gettext_lazy("Long text"),
    "address": gettext_lazy("Address (province + commune)"),
    "cccd": gettext_lazy("Citizen ID number (CCCD)"),
}
