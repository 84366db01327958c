"""Forms of the citizen's account pages."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.admin_units import province_by_name, provinces, wards
from portal.kernel.cccd import cccd_normalize, cccd_validate

from .models import PersonalDocument, User
from .services import document_max_bytes

DEFAULT_PROVINCE_NAME = "Vĩnh Long"


class ProfileForm(forms.ModelForm):
    """The citizen's profile. The commune list follows the chosen province; without JavaScript
    the citizen presses "Show communes of this province" (name="refresh_wards")."""

    date_of_birth = forms.DateField(
        label=_("Date of birth"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    class Meta:
        model = User
        fields = [
            "full_name",
            "personal_id",
            "date_of_birth",
            "sex",
            "phone",
            "province",
            "ward",
            "address_line",
            "notify_email",
            "notify_sms",
        ]
        labels = {
            "full_name": _("Full name"),
            "personal_id": _("Personal identification number (CCCD)"),
            "sex": _("Sex"),
            "phone": _("Mobile phone number"),
            "province": _("Province / city"),
            "ward": _("Commune / ward"),
            "address_line": _("House number, street, hamlet"),
            "notify_email": _("Send me notifications by email"),
            "notify_sms": _("Send me notifications by SMS"),
        }
        help_texts = {
            "personal_id": _("The 12-digit number on your chip ID card."),
            "phone": _("e.g. 0912 345 678"),
        }
        widgets = {
            "personal_id": forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "maxlength": 12}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].queryset = provinces()
        self.fields["province"].empty_label = _("— Choose a province —")
        province_id = self._chosen_province_id()
        self.fields["ward"].queryset = wards(province_id=province_id) if province_id else wards().none()
        self.fields["ward"].empty_label = _("— Choose a commune / ward —")
        self.fields["ward"].label_from_instance = lambda ward: ward.name
        self.fields["sex"].choices = [("", _("— Choose —")), *User.Sex.choices]
        if self.instance.identity_level >= User.Level.LEVEL_2:
            # Verified data come from the card or e-ID: they change only through verification.
            for name in ("full_name", "personal_id", "date_of_birth", "sex"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Verified; contact the one-stop desk to change it.")

    def _chosen_province_id(self):
        if self.is_bound:
            value = self.data.get(self.add_prefix("province"))
            return int(value) if value and str(value).isdigit() else None
        chosen = self.initial.get("province")
        if chosen and str(chosen).isdigit():
            return int(chosen)
        if self.instance.province_id:
            return self.instance.province_id
        default = province_by_name(DEFAULT_PROVINCE_NAME)
        if default is not None:
            self.initial.setdefault("province", default.pk)
            return default.pk
        return None

    def clean_personal_id(self):
        value = cccd_normalize(self.cleaned_data.get("personal_id"))
        if not value:
            return None
        qs = User.objects.filter(personal_id=value).exclude(pk=self.instance.pk)
        if qs.exists():
            raise forms.ValidationError(_("This personal identification number is already used by another account."))
        return value

    def save(self, commit=True):
        if "personal_id" in self.changed_data and not self.fields["personal_id"].disabled:
            # A number typed by the account holder is a claim, never a verification.
            self.instance.personal_id_source = (
                User.PersonalIdSource.TYPED if self.instance.personal_id else User.PersonalIdSource.NONE
            )
        return super().save(commit=commit)

    def clean_phone(self):
        value = re.sub(r"[\s.\-]", "", self.cleaned_data.get("phone") or "")
        if value.startswith("+84"):
            value = "0" + value[3:]
        if value and not re.fullmatch(r"0\d{9}", value):
            raise forms.ValidationError(_("Enter a Vietnamese mobile number of 10 digits, e.g. 0912345678."))
        return value

    def clean(self):
        data = super().clean()
        personal_id = data.get("personal_id")
        if personal_id and not self.fields["personal_id"].disabled:
            try:
                cccd_validate(personal_id, date_of_birth=data.get("date_of_birth"), sex=data.get("sex") or None)
            except forms.ValidationError as error:
                self.add_error("personal_id", error)
        ward = data.get("ward")
        if ward and data.get("province") and ward.province_id != data["province"].pk:
            self.add_error("ward", _("This commune does not belong to the chosen province."))
        return data


class CccdQrForm(forms.Form):
    photo = forms.FileField(
        label=_("Photo of the QR code on your ID card"),
        help_text=_("JPEG or PNG. Take the photo in good light, with the QR code sharp and large."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )

    def clean_photo(self):
        photo = self.cleaned_data["photo"]
        if photo.size > 8 * 1024 * 1024:
            raise forms.ValidationError(_("The photo is larger than 8 MB. Please take a smaller picture."))
        return photo


class MrzForm(forms.Form):
    mrz = forms.CharField(
        label=_("The three lines at the bottom of the back of the card"),
        help_text=_("Type or paste the 3 lines of 30 characters exactly as printed, including the < signs."),
        widget=forms.Textarea(
            attrs={"rows": 3, "spellcheck": "false", "autocapitalize": "characters", "class": "mono", "wrap": "off"}
        ),
    )


class PersonalDocumentForm(forms.ModelForm):
    upload = forms.FileField(label=_("File (PDF, JPEG or PNG)"))

    class Meta:
        model = PersonalDocument
        fields = ["doc_type", "title", "number", "issuer", "issued_on", "expires_on"]
        labels = {
            "doc_type": _("Kind of document"),
            "title": _("Name of the document"),
            "number": _("Number"),
            "issuer": _("Issued by"),
            "issued_on": _("Issued on"),
            "expires_on": _("Valid until"),
        }
        widgets = {
            "doc_type": forms.Select(),
            "issued_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "expires_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    DOC_TYPES = [
        ("cccd", _("Citizen ID card (CCCD)")),
        ("birth_certificate", _("Birth certificate")),
        ("birth_extract", _("Birth registration extract")),
        ("certified_copy", _("Electronic certified copy")),
        ("marriage_certificate", _("Marriage certificate")),
        ("residence", _("Residence confirmation")),
        ("diploma", _("Diploma / certificate")),
        ("health_insurance", _("Health insurance card")),
        ("land", _("Land use right certificate")),
        ("other", _("Other document")),
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["doc_type"].widget = forms.Select(choices=self.DOC_TYPES)
        self.fields["upload"].help_text = _("Up to %(mb)s MB.") % {"mb": document_max_bytes() // (1024 * 1024)}

    def clean(self):
        data = super().clean()
        if data.get("issued_on") and data.get("expires_on") and data["expires_on"] < data["issued_on"]:
            self.add_error("expires_on", _("The expiry date cannot be before the issue date."))
        return data


class CloseAccountForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("I understand that my account and my personal documents will be deleted permanently."),
        required=True,
    )
