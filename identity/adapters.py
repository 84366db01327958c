"""django-allauth's account adapter: the portal's answers to allauth's questions."""

from types import SimpleNamespace
from urllib.parse import urlencode, urlsplit, urlunsplit

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.conf import settings
from django.utils.http import url_has_allowed_host_and_scheme

from portal.client_ip import client_ip
from portal.sandbox_mail import sandbox_mail_remember


def site_url_of(url: str) -> str:
    """`url` with the scheme and host of SITE_URL: links in emails follow SITE_URL (what
    `make run PORT=…` sets), never the Host header of the request that caused the email."""
    base = urlsplit(settings.SITE_URL)
    parts = urlsplit(url)
    prefix = base.path.rstrip("/")
    return urlunsplit((base.scheme, base.netloc, prefix + parts.path, parts.query, parts.fragment))


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request) -> str:
        # The per-IP parts of ACCOUNT_RATE_LIMITS count the real client behind TRUSTED_PROXIES.
        return client_ip(request)

    def _next_of(self, request) -> str:
        """Where the person was going when they signed up (a path on this site), or ""."""
        if request is None:
            return ""
        target = request.POST.get("next") or request.GET.get("next") or ""
        if target and url_has_allowed_host_and_scheme(target, allowed_hosts=None) and target.startswith("/"):
            return target
        return ""

    def get_email_confirmation_url(self, request, emailconfirmation) -> str:
        url = site_url_of(super().get_email_confirmation_url(request, emailconfirmation))
        target = self._next_of(request)
        # The link carries `next`: after confirming (in any browser) the citizen goes on to it.
        return f"{url}?{urlencode({'next': target})}" if target else url

    def get_reset_password_from_key_url(self, key: str) -> str:
        return site_url_of(super().get_reset_password_from_key_url(key))

    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        request = allauth_context.request
        context = dict(context)
        # "Cổng Dịch vụ công … xin chào!", not "127.0.0.1:8001 xin chào!".
        context.setdefault(
            "current_site", SimpleNamespace(name=settings.PORTAL_NAME, domain=urlsplit(settings.SITE_URL).netloc)
        )
        if request is not None:
            origin = request.build_absolute_uri("/").rstrip("/")
            for key, value in list(context.items()):
                if isinstance(value, str) and value.startswith(origin + "/"):
                    context[key] = site_url_of(value[len(origin) :])
            # With SANDBOX_ENABLED this browser may read it in the sandbox mailbox (/sandbox/mail/).
            sandbox_mail_remember(request, email)
        super().send_mail(template_prefix, email, context)
