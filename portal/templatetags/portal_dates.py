"""One way a person reads a date on the portal: dd/mm/yyyy (17/05/1994), also when the value
is an ISO string kept in JSON (an applicant's birth date, an e-form answer)."""

import datetime as dt

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def dmy(value, default: str = "") -> str:
    """17/05/1994 from a date, an aware datetime (in the portal's time zone) or "1994-05-17"."""
    if value in (None, ""):
        return default
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return value
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value)
