"""Mandatory two-factor authentication for staff, on every page and API of the portal.

A staff user or official (`is_staff`, superuser, or holding an official profile) reaches any URL
only after (1) activating TOTP and (2) passing the TOTP step in this session. Until then only
the sign-in, two-factor and sign-out pages, static files, the health checks and the language
switch answer: pages redirect to the missing step, the API answers 403 with a message. One
check here covers the admin, dossier files, personal documents, on-behalf filing, the sandbox
inboxes and the API alike; API tokens, which cannot carry a second factor, are refused for
staff in identity.authentication. The Django admin login form is replaced by allauth's, which
runs the MFA stage.
"""

from functools import cache
from urllib.parse import urlencode

from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

# The pages a staff user needs to finish signing in (or to leave) before the second factor.
EXEMPT_URL_NAMES = (
    "account_login",
    "account_logout",
    "account_reauthenticate",  # allauth asks for the password again before TOTP activation
    "mfa_authenticate",
    "mfa_reauthenticate",
    "mfa_activate_totp",
    "mfa_index",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "admin:login",  # sends to allauth's login, which runs the MFA stage
    "admin:logout",
    "health",
    "health-ready",
    "set_language",
)


def staff_has_totp(user) -> bool:
    """Read with the user's roles and permissions, which the pages behind this check need too."""
    from .selectors import user_has_totp

    return user_has_totp(user)


def session_passed_mfa(request) -> bool:
    methods = request.session.get(AUTHENTICATION_METHODS_SESSION_KEY) or []
    return any(entry.get("method") == "mfa" for entry in methods)


def user_needs_second_factor(user) -> bool:
    """Staff, superusers and officials: everyone who can see other people's data."""
    if user is None or not user.is_authenticated:
        return False
    return bool(user.is_staff or user.is_superuser or getattr(user, "is_official", False))


@cache
def _exempt_paths() -> frozenset[str]:
    paths = set()
    for name in EXEMPT_URL_NAMES:
        try:
            paths.add(reverse(name))
        except NoReverseMatch:  # e.g. recovery codes switched off in MFA_SUPPORTED_TYPES
            continue
    return frozenset(paths)


def path_is_exempt(path: str) -> bool:
    return path in _exempt_paths() or path.startswith(settings.STATIC_URL)


def second_factor_message() -> str:
    return _(
        "Staff accounts must pass two-factor authentication (the code from the authenticator app) "
        "before opening this page."
    )


class StaffTwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path == reverse("admin:login"):
            target = request.GET.get("next") or reverse("admin:index")
            return redirect(f"{reverse('account_login')}?{urlencode({'next': target})}")
        response = self._guard(request)
        return response if response is not None else self.get_response(request)

    def _guard(self, request):
        user = getattr(request, "user", None)
        if not user_needs_second_factor(user) or path_is_exempt(request.path):
            return None
        has_totp = staff_has_totp(user)
        if has_totp and session_passed_mfa(request):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": second_factor_message(), "code": "mfa_required"}, status=403)
        next_url = request.get_full_path() if request.method == "GET" else "/"
        step = "mfa_reauthenticate" if has_totp else "mfa_activate_totp"
        return redirect(f"{reverse(step)}?{urlencode({'next': next_url})}")


class EidSignOutMiddleware:
    """After a portal sign-out: the browser keeps a flag so the next e-ID sign-in asks for a fresh
    login, and a citizen who came with e-ID is sent on to the issuer to end that session too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "eid_signed_out", False):
            from django.conf import settings

            from .eid import PROMPT_LOGIN_COOKIE

            response.set_cookie(
                PROMPT_LOGIN_COOKIE,
                "1",
                max_age=int(getattr(settings, "EID_PROMPT_LOGIN_COOKIE_AGE", 30 * 24 * 3600)),
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
            end_session_url = getattr(request, "eid_end_session_url", None)
            if end_session_url and response.status_code in (301, 302, 303):
                response["Location"] = end_session_url
        return response
