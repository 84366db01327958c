"""Mandatory two-factor authentication for staff in the admin.

A staff user reaches /admin/ only after (1) activating TOTP and (2) passing the TOTP step in
this session. The Django admin login form is replaced by allauth's, which runs the MFA stage.
"""

from urllib.parse import urlencode

from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from django.shortcuts import redirect
from django.urls import reverse


def staff_has_totp(user) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def session_passed_mfa(request) -> bool:
    methods = request.session.get(AUTHENTICATION_METHODS_SESSION_KEY) or []
    return any(entry.get("method") == "mfa" for entry in methods)


class StaffTwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        admin_root = reverse("admin:index")
        if request.path.startswith(admin_root):
            response = self._guard(request, admin_root)
            if response is not None:
                return response
        return self.get_response(request)

    def _guard(self, request, admin_root):
        next_url = request.get_full_path()
        if request.path == reverse("admin:login"):
            target = request.GET.get("next") or admin_root
            return redirect(f"{reverse('account_login')}?{urlencode({'next': target})}")
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_staff:
            return None
        if not staff_has_totp(user):
            return redirect(f"{reverse('mfa_activate_totp')}?{urlencode({'next': next_url})}")
        if not session_passed_mfa(request):
            return redirect(f"{reverse('mfa_reauthenticate')}?{urlencode({'next': next_url})}")
        return None


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
