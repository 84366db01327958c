"""Accessible form rendering shared by the account pages (ours and allauth's)."""

from django import template

register = template.Library()


@register.filter
def accessible_widget(bound_field):
    """The widget with aria-describedby pointing at its help text and errors."""
    described = []
    if bound_field.help_text:
        described.append(f"{bound_field.auto_id}_helptext")
    if bound_field.errors:
        described.append(f"{bound_field.auto_id}_error")
    attrs = {}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if bound_field.errors:
        attrs["aria-invalid"] = "true"
    return bound_field.as_widget(attrs=attrs)


@register.filter
def lookup(mapping, key):
    """mapping[key], or the key itself when missing (labels of document kinds)."""
    return mapping.get(key, key) if hasattr(mapping, "get") else key
