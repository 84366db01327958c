"""Catalog editing without JSON: the e-form schema as rows (one row per field, options one per
line), required documents' reusable data as checkboxes. The rows become the same schema the
catalog has always stored, checked by the same `schema_validate`."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .eform import FIELD_TYPES, PREFILL_SOURCES, schema_validate
from .fees import fee_line_problems
from .models import FeeLine

FIELD_TYPE_LABELS = {
    "text": _("Short text"),
    "textarea": _("Long text"),
    "number": _("Number"),
    "date": _("Date"),
    "select": _("Choice from a list"),
    "checkbox": _("Tick box"),
    "address": _("Address (province, commune)"),
    "cccd": _("Personal ID number (CCCD)"),
}
PREFILL_LABELS = {
    "identity.full_name": _("Full name (from the account)"),
    "identity.personal_id": _("Personal ID number (from the account)"),
    "identity.date_of_birth": _("Date of birth (from the account)"),
    "identity.sex": _("Sex (from the account)"),
    "identity.phone": _("Phone (from the account)"),
    "identity.email": _("Email (from the account)"),
    "identity.address": _("Address (from the account)"),
}
# Data that can stand in for an upload (RequiredDocument.reusable_kinds).
REUSABLE_KINDS = {
    "eid:identity": _("e-ID identity data"),
    "store:birth_certificate_medical": _("Birth certificate (medical) in the document store"),
    "store:marital_status": _("Marital status confirmation in the document store"),
    "store:land_use_certificate": _("Land use right certificate in the document store"),
    "store:driver_health_certificate": _("Driver's health certificate in the document store"),
    "store:driving_licence": _("Driving licence in the document store"),
    "store:death_extract": _("Death certificate extract in the document store"),
    "store:diploma": _("Diploma in the document store"),
    "store:birth_extract": _("Birth registration extract issued by the portal, in the document store"),
    "store:certified_copy": _("Electronic certified copy in the document store"),
}
OPTION_SEPARATOR = "|"
VALIDATION_FIELDS = ("min_length", "max_length", "pattern", "min", "max", "min_date", "max_date")


def _number(value):
    """Keep whole numbers as int (the schema's JSON shape), others as float."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


class EFormFieldForm(forms.Form):
    """One field of the e-form, as a row of the editor."""

    name = forms.CharField(
        label=_("Field key"),
        max_length=60,
        help_text=_("lower-case letters, digits and _ (e.g. child_full_name)"),
    )
    type = forms.ChoiceField(label=_("Type"), choices=[(t, FIELD_TYPE_LABELS[t]) for t in FIELD_TYPES])
    label_vi = forms.CharField(label=_("Label (Vietnamese)"), max_length=300)
    label_en = forms.CharField(label=_("Label (English)"), max_length=300, required=False)
    required = forms.BooleanField(label=_("Required"), required=False)
    help_vi = forms.CharField(label=_("Help (Vietnamese)"), max_length=500, required=False)
    help_en = forms.CharField(label=_("Help (English)"), max_length=500, required=False)
    options = forms.CharField(
        label=_("Options (choice fields)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("one per line: value | Vietnamese label | English label"),
    )
    prefill = forms.ChoiceField(
        label=_("Prefill from"),
        required=False,
        choices=[("", _("— nothing —")), *((s, PREFILL_LABELS[s]) for s in PREFILL_SOURCES)],
    )
    min_length = forms.IntegerField(label=_("Min. length"), required=False, min_value=0)
    max_length = forms.IntegerField(label=_("Max. length"), required=False, min_value=0)
    pattern = forms.CharField(label=_("Pattern (regular expression)"), required=False, max_length=300)
    min = forms.DecimalField(label=_("Smallest number"), required=False)
    max = forms.DecimalField(label=_("Largest number"), required=False)
    min_date = forms.CharField(label=_("Earliest date"), required=False, help_text=_("YYYY-MM-DD or “today”"))
    max_date = forms.CharField(label=_("Latest date"), required=False, help_text=_("YYYY-MM-DD or “today”"))

    @staticmethod
    def initial_from(field: dict) -> dict:
        label = field.get("label") if isinstance(field.get("label"), dict) else {}
        help_ = field.get("help") if isinstance(field.get("help"), dict) else {}
        validation = field.get("validation") if isinstance(field.get("validation"), dict) else {}
        options = "\n".join(
            OPTION_SEPARATOR.join(
                [str(o.get("value", "")), (o.get("label") or {}).get("vi", ""), (o.get("label") or {}).get("en", "")]
            ).rstrip(OPTION_SEPARATOR)
            for o in field.get("options") or []
            if isinstance(o, dict)
        )
        return {
            "name": field.get("name", ""),
            "type": field.get("type", "text"),
            "label_vi": label.get("vi", ""),
            "label_en": label.get("en", ""),
            "required": bool(field.get("required")),
            "help_vi": help_.get("vi", ""),
            "help_en": help_.get("en", ""),
            "options": options,
            "prefill": field.get("prefill") or "",
            **{key: validation.get(key) for key in VALIDATION_FIELDS},
        }

    def as_schema_field(self) -> dict:
        data = self.cleaned_data
        field = {"name": data["name"], "type": data["type"], "label": {"vi": data["label_vi"]}}
        if data["label_en"]:
            field["label"]["en"] = data["label_en"]
        if data["required"]:
            field["required"] = True
        if data["help_vi"] or data["help_en"]:
            field["help"] = {k: v for k, v in (("vi", data["help_vi"]), ("en", data["help_en"])) if v}
        options = []
        for line in (data["options"] or "").splitlines():
            if not line.strip():
                continue
            value, vi, en = ([p.strip() for p in line.split(OPTION_SEPARATOR)] + ["", ""])[:3]
            option = {"value": value, "label": {"vi": vi or value}}
            if en:
                option["label"]["en"] = en
            options.append(option)
        if options:
            field["options"] = options
        if data["prefill"]:
            field["prefill"] = data["prefill"]
        validation = {}
        for key in VALIDATION_FIELDS:
            value = data.get(key)
            if value in (None, ""):
                continue
            validation[key] = _number(value) if isinstance(value, Decimal) else value
        if validation:
            field["validation"] = validation
        return field


class BaseEFormFieldFormSet(forms.BaseFormSet):
    """The e-form rows; `schema` is the list the catalog stores, valid once the formset is."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["ORDER"].label = _("Position")
        form.fields["DELETE"].label = _("Remove this field")

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        rows = [
            form
            for form in self.forms
            if form.has_changed() or form.initial
            if not (self.can_delete and self._should_delete_form(form))
        ]
        rows.sort(key=lambda f: (f.cleaned_data.get("ORDER") is None, f.cleaned_data.get("ORDER") or 0))
        self.schema = [form.as_schema_field() for form in rows if form.cleaned_data.get("name")]
        problems = schema_validate(self.schema)
        if problems:
            raise forms.ValidationError(problems)


EFormFieldFormSet = forms.formset_factory(
    EFormFieldForm, formset=BaseEFormFieldFormSet, extra=0, can_delete=True, can_order=True
)


def eform_formset(*, data=None, schema=None) -> BaseEFormFieldFormSet:
    initial = [EFormFieldForm.initial_from(f) for f in (schema or []) if isinstance(f, dict)]
    return EFormFieldFormSet(data=data, initial=initial, prefix="eform")


class ReusableKindsField(forms.MultipleChoiceField):
    """Checkboxes for the data that can stand in for an upload; kinds already stored but not
    known here stay selectable so saving never drops them."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, *args, **kwargs):
        kwargs.pop("encoder", None)
        kwargs.pop("decoder", None)
        kwargs.pop("max_length", None)
        kwargs.setdefault("required", False)
        super().__init__(*args, choices=list(REUSABLE_KINDS.items()), **kwargs)

    def prepare_value(self, value):
        return list(value or [])

    def bound_data(self, data, initial):
        return data

    def has_changed(self, initial, data):
        return sorted(initial or []) != sorted(data or [])


class RequiredDocumentForm(forms.ModelForm):
    reusable_kinds = ReusableKindsField(label=_("can be taken from"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stored = list(self.instance.reusable_kinds or []) if self.instance.pk else []
        extra = [(k, k) for k in stored if k not in REUSABLE_KINDS]
        if extra:
            self.fields["reusable_kinds"].choices = [*REUSABLE_KINDS.items(), *extra]


class FeeLineForm(forms.ModelForm):
    """A fee row of the editor: flat, per copy, or tiered (first N units at the amount, further
    units at another amount, at most so much per copy). Checked by the same `fee_line_problems`
    as publishing; that the named e-form fields exist is checked at publishing (the e-form rows
    may change in the same save)."""

    class Meta:
        model = FeeLine
        fields = (
            "procedure", "position", "name", "kind", "amount", "per_unit_field",
            "tier_field", "tier_unit", "tier_first_units", "tier_further_amount", "cap", "note",
        )  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        if self.cleaned_data.get("DELETE"):
            return cleaned
        line = {key: cleaned.get(key) for key in (
            "amount", "per_unit_field", "tier_field", "tier_unit", "tier_first_units", "tier_further_amount", "cap",
        )}  # fmt: skip
        if line["amount"] is None:
            return cleaned  # the field's own "required" error says it
        for problem in fee_line_problems(line):
            self.add_error(None, problem)
        return cleaned
