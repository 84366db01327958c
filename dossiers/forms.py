"""Forms of the dossier pages: the applicant step, documents, supplements, on-behalf filing,
rating, lookup, and the officials' action forms."""

from django import forms
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.kernel.cccd import CccdField

from .models import Channel, DossierRating


class ApplicantForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    personal_id = CccdField(
        label=_("Personal identification number"),
        help_text=_("The 12-digit number on your citizen ID card (CCCD)."),
    )
    date_of_birth = forms.DateField(label=_("Date of birth"), widget=forms.DateInput(attrs={"type": "date"}))
    sex = forms.ChoiceField(label=_("Sex"), choices=[("", "—"), ("M", _("Male")), ("F", _("Female"))])
    phone = forms.RegexField(
        label=_("Phone number"),
        regex=r"^\+?\d[\d ]{8,14}$",
        error_messages={"invalid": _("Enter a phone number, e.g. 0912 345 678.")},
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(label=_("Email"), required=False)
    address = forms.CharField(label=_("Address"), max_length=300)
    agency = forms.TypedChoiceField(label=_("Receiving agency"), coerce=int, required=False)
    save_to_profile = forms.BooleanField(required=False)

    def __init__(self, *args, agencies=None, locked=(), consent=True, residence=False, **kwargs):
        super().__init__(*args, **kwargs)
        if residence:
            # No residence on the profile yet: asked once, structured (province, commune, street),
            # so that it can be kept on the profile and fill the e-form's address fields.
            from catalog.eform import AddressField

            order = ["residence" if name == "address" else name for name in self.fields]
            del self.fields["address"]
            self.fields["residence"] = AddressField(
                label=_("Place of residence"),
                help_text=_("Choose the province, then the commune or ward, then type the house number and street."),
            )
            self.order_fields(order)
        if consent:
            from identity.services import PROFILE_CONSENT_TEXT

            self.fields["save_to_profile"].label = PROFILE_CONSENT_TEXT
        else:
            del self.fields["save_to_profile"]
        self.fields["full_name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        if "address" in self.fields:
            self.fields["address"].widget.attrs["autocomplete"] = "street-address"
        self.fields["date_of_birth"].widget.attrs["autocomplete"] = "bday"
        self.fields["sex"].widget.attrs["autocomplete"] = "sex"
        agencies = agencies or []
        if len(agencies) > 1:
            self.fields["agency"].choices = [(a["id"], a["name"]) for a in agencies]
            self.fields["agency"].required = True
        else:
            del self.fields["agency"]
        for name in locked:
            self.fields[name].disabled = True
            self.fields[name].help_text = _("From your verified e-ID; it cannot be changed here.")
        self.locked = list(locked)

    @classmethod
    def data_clean(cls, data: dict) -> tuple[dict, dict[str, list[str]]]:
        """(cleaned data, {field: [messages]}) as `ApplicantForm(data=data)` with no choice of
        agency would give them, without making the form: the class's own fields check the
        values, in their order (the API's filing, which needs no widget; making a form copies
        every field and its widget first, half the cost of the check)."""
        cleaned, errors = {}, {}
        for name, field in cls.base_fields.items():
            if name == "agency":
                continue
            try:
                cleaned[name] = field.clean(field.widget.value_from_datadict(data, {}, name))
            except forms.ValidationError as exc:
                errors[name] = exc.messages
        return cleaned, errors

    def locked_facts(self):
        """(label, value shown) of the verified fields: facts, not inputs."""
        rows = []
        for name in self.locked:
            value = self.initial.get(name) or ""
            if name == "sex":
                value = dict(self.fields["sex"].choices).get(value, value)
            elif name == "date_of_birth" and len(str(value)) == 10:
                y, m, d = str(value).split("-")
                value = f"{d}/{m}/{y}"
            rows.append((self.fields[name].label, value))
        return rows

    def editable_fields(self):
        return [self[name] for name in self.fields if name not in self.locked and name != "save_to_profile"]


class OnBehalfForm(forms.Form):
    personal_id = CccdField(label=_("Applicant's personal identification number"))
    channel = forms.ChoiceField(
        label=_("Channel"),
        choices=[(c.value, c.label) for c in Channel if c != Channel.ONLINE],
        widget=forms.RadioSelect,
    )
    consent = forms.BooleanField(
        label=_("The applicant agrees that I file this dossier on their behalf and use their personal data for it."),
        error_messages={"required": _("The applicant's consent is required.")},
    )


class ConsentCodeForm(forms.Form):
    code = forms.RegexField(
        label=_("Code the applicant reads out to you (6 digits)"),
        regex=r"^\s*\d{3}\s?\d{3}\s*$",
        max_length=8,
        error_messages={"invalid": _("The code has 6 digits.")},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "maxlength": "8", "size": "8"}
        ),
    )


class ConsentFormUploadForm(forms.Form):
    signed_form = forms.FileField(
        label=_("Scan or photo of the signed consent form"),
        help_text=_("PDF, JPEG or PNG. It is attached to the dossier and the applicant is told."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )


class SupplementForm(forms.Form):
    note = forms.CharField(label=_("Message to the agency"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class RatingForm(forms.ModelForm):
    class Meta:
        model = DossierRating
        fields = ["score", "comment"]
        widgets = {"score": forms.RadioSelect, "comment": forms.Textarea(attrs={"rows": 3})}
        labels = {"score": _("How satisfied are you? (1 = not at all, 5 = very)"), "comment": _("Comment")}


class LookupForm(forms.Form):
    code = forms.CharField(
        label=_("Dossier code"),
        max_length=60,
        help_text=_("As printed on your receipt, e.g. 000.00.31.H57-260105-0001."),
    )


# Officials' actions
class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}))


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("What must be reworked"), widget=forms.Textarea(attrs={"rows": 3}))


class SupplementRequestForm(forms.Form):
    missing = forms.CharField(label=_("What is missing (one item per line)"), widget=forms.Textarea(attrs={"rows": 4}))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


def _attrs(attrs: dict) -> str:
    """As django/forms/widgets/attrs.html: False left out, True as a bare name."""
    return "".join(
        f" {name}" if value is True else f' {name}="{escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class QuickSelect(forms.Select):
    """The same markup as Django's Select, written directly: a list of every agency is a few
    hundred options, each a template rendering with the stock widget (the dossier screen's
    transfer form, issue 19's speed)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        out = [f'<select name="{escape(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                out.append(f'<optgroup label="{escape(group_name)}">')
            out.extend(
                f'<option value="{escape(o["value"])}"{_attrs(o["attrs"])}>{escape(o["label"])}</option>'
                for o in options
            )
            if group_name:
                out.append("</optgroup>")
        out.append("</select>")
        return mark_safe("\n".join(out))  # noqa: S308 - every value is escaped


class NamedChoiceField(forms.ModelChoiceField):
    """A choice among rows shown by their `name`: the choices can then be read as (pk, name) pairs
    without building every row's object (the dossier screen keeps a form's markup by its choices)."""

    def label_from_instance(self, obj):
        return obj.name

    def choices_key(self) -> tuple:
        return tuple(self.queryset.values_list("pk", "name"))


class TransferForm(forms.Form):
    to_agency = NamedChoiceField(label=_("Transfer to"), queryset=None, widget=QuickSelect)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        from catalog.selectors import agencies_active

        super().__init__(*args, **kwargs)
        self.fields["to_agency"].queryset = agencies_active()


class ApproveForm(forms.Form):
    result_file = forms.FileField(label=_("Result document (PDF, JPEG or PNG)"), required=False)
    paper_result = forms.BooleanField(label=_("The result is a paper document to collect"), required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CertifyCopyForm(forms.Form):
    """Electronic certified copy: which scan of the original, and the certifier's confirmation."""

    file_id = forms.TypedChoiceField(label=_("Scan of the original"), coerce=int)
    compared = forms.BooleanField(label=_("I compared this scan with the original presented: they match"))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, dossier=None, **kwargs):
        super().__init__(*args, **kwargs)
        names = {d.get("key"): d.get("name") for d in (dossier.snapshot.get("documents", []) if dossier else [])}
        rows = dossier.files.exclude(kind="result").select_related("personal_document") if dossier else []
        self.fields["file_id"].choices = [(f.pk, f"{names.get(f.doc_key) or f.doc_key or '—'}: {f}") for f in rows]


class ExtendForm(forms.Form):
    new_due = forms.DateField(label=_("New result date"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason for the delay"), widget=forms.Textarea(attrs={"rows": 3}))


class AssignForm(forms.Form):
    official = forms.ModelChoiceField(label=_("Official"), queryset=None, widget=QuickSelect)

    def __init__(self, *args, agency_id=None, **kwargs):
        from identity.selectors import officials_of_agencies

        super().__init__(*args, **kwargs)
        self.fields["official"].queryset = officials_of_agencies(agency_ids=[agency_id])


class ScanForm(forms.Form):
    doc_key = forms.ChoiceField(label=_("Document"), required=False)
    upload = forms.FileField(label=_("Scanned file (PDF, JPEG or PNG)"))

    def __init__(self, *args, documents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["doc_key"].choices = [("", "—"), *[(d.get("key"), d.get("name")) for d in documents]]


class IndicatorPeriodForm(forms.Form):
    """The period of the service-quality indicators page: a named period or from–to dates."""

    PERIODS = [
        ("this_month", _("This month")),
        ("last_month", _("Last month")),
        ("this_quarter", _("This quarter")),
        ("this_year", _("This year")),
        ("custom", _("From – to (the dates below)")),
    ]
    period = forms.ChoiceField(label=_("Period"), choices=PERIODS, required=False)
    date_from = forms.DateField(
        label=pgettext_lazy("period", "From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = forms.DateField(
        label=pgettext_lazy("period", "To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    # A leader looks at years, not decades: a longer range is almost certainly a typo.
    MAX_DAYS = 366 * 5

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        from django.utils import timezone

        self.today = today or timezone.localdate()

    def clean(self):
        data = super().clean()
        period = data.get("period") or ("custom" if data.get("date_from") or data.get("date_to") else "this_month")
        data["period"] = period
        if period != "custom":
            data["start"], data["end"] = period_named(period, self.today)
            return data
        start, end = data.get("date_from"), data.get("date_to")
        if self.errors:
            return data
        if start is None or end is None:
            raise forms.ValidationError(_("Enter both dates of the period, or choose a named period."))
        if start > end:
            raise forms.ValidationError(_("The start date is after the end date."))
        if (end - start).days > self.MAX_DAYS:
            raise forms.ValidationError(_("The period is longer than five years: choose a shorter one."))
        data["start"], data["end"] = start, end
        return data


def period_named(period: str, today):
    """(first day, last day) of a named period; periods that include today end today."""
    import datetime as dt

    if period == "last_month":
        end = today.replace(day=1) - dt.timedelta(days=1)
        return end.replace(day=1), end
    if period == "this_quarter":
        return today.replace(month=3 * ((today.month - 1) // 3) + 1, day=1), today
    if period == "this_year":
        return today.replace(month=1, day=1), today
    return today.replace(day=1), today
