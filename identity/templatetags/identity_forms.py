"""Template filters of the account pages."""

from django import template

register = template.Library()


@register.filter
def lookup(mapping, key):
    """mapping[key], or the key itself when missing (labels of document kinds)."""
    return mapping.get(key, key) if hasattr(mapping, "get") else key
