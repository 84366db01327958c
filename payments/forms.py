"""Forms of the payment pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Payment


class PaymentStartForm(forms.Form):
    provider = forms.ChoiceField(choices=[("vnpay", "VNPay"), ("momo", "MoMo")])


class CounterLookupForm(forms.Form):
    code = forms.CharField(label=_("Dossier code"), max_length=60)


class CounterPaymentForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Paid by"),
        choices=[(Payment.Method.CASH, _("Cash")), (Payment.Method.CARD, _("Card"))],
        widget=forms.RadioSelect,
    )
    payer_name = forms.CharField(label=_("Payer's name"), max_length=150, required=False)
