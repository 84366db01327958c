"""Template context shared by every page: the portal's name, the main navigation and the
signed-in user's unread inbox count."""

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

# (url name, label, only for signed-in users)
NAVIGATION = [
    ("services:home", _("Home"), False),
    ("services:search", _("Procedures"), False),
    ("dossiers:lookup", _("Look up a dossier"), False),
    ("dossiers:mine", _("My dossiers"), True),
]


def _safe_reverse(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def site(request):
    signed_in = getattr(request, "user", None) is not None and request.user.is_authenticated
    nav = []
    for name, label, private in NAVIGATION:
        if private and not signed_in:
            continue
        url = _safe_reverse(name)
        if url:
            nav.append({"url": url, "label": label, "active": request.path == url})
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "PORTAL_OWNER": settings.PORTAL_OWNER,
        "PORTAL_HOTLINE": settings.PORTAL_HOTLINE,
        "SANDBOX_ENABLED": settings.SANDBOX_ENABLED,
        "nav_items": nav,
        "search_url": _safe_reverse("services:search") or "/",
        # Counted only when a template shows it (the header of signed-in users).
        "inbox_unread": SimpleLazyObject(lambda: _inbox_unread(request)) if signed_in else 0,
    }


def _inbox_unread(request) -> int:
    from .notifications import inbox_unread_count

    return inbox_unread_count(request.user)
