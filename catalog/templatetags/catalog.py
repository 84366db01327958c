"""Template filters of the public catalog pages."""

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter
def vnd(value) -> str:
    """50000 -> '50.000 đ' (Vietnamese grouping, whole đồng)."""
    try:
        amount = int(Decimal(str(value)))
    except (InvalidOperation, ValueError, TypeError):
        return ""
    return f"{amount:,}".replace(",", ".") + " đ"
