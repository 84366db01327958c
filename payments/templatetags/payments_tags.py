from django import template

from payments.selectors import dossier_payment_summary
from payments.text import vnd as _vnd

register = template.Library()


@register.simple_tag
def payment_summary(dossier):
    return dossier_payment_summary(dossier=dossier)


@register.filter
def vnd(amount):
    if amount in (None, ""):
        return ""
    return _vnd(amount)
