"""Site-wide middleware of the portal shell."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

from .client_ip import peer_is_trusted_proxy


def _api_language(header: str, supported) -> str | None:
    from django.utils.translation.trans_real import parse_accept_lang_header

    for code, _quality in parse_accept_lang_header(header[:255]):
        base = code.split("-")[0].lower()
        if base in supported:
            return base
    return None


class PortalLocaleMiddleware(LocaleMiddleware):
    """Vietnamese for everyone unless the person picked another language with the switch in the
    header (the language cookie). The browser's Accept-Language is ignored on purpose on the pages: a
    citizen's phone set to English should still see the portal in Vietnamese, as officials do. The
    API (/api/) follows Accept-Language (`en` for English), Vietnamese without it."""

    def process_request(self, request):
        supported = {code for code, _name in settings.LANGUAGES}
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if chosen not in supported and request.path.startswith("/api/"):
            # An API client has no language switch: it asks with Accept-Language (Vietnamese by default).
            chosen = _api_language(request.headers.get("Accept-Language", ""), supported)
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class TrustedProxyMiddleware:
    """Once TRUSTED_PROXIES is set, only those proxies may say the request came over HTTPS: the
    SECURE_PROXY_SSL_HEADER (X-Forwarded-Proto) of any other peer is dropped, as its
    X-Forwarded-For is ignored (portal.client_ip). With TRUSTED_PROXIES empty the header is
    believed from any peer, as before, so the app server must listen only where the proxy is."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        header = (getattr(settings, "SECURE_PROXY_SSL_HEADER", None) or (None,))[0]
        if header and header in request.META and settings.TRUSTED_PROXIES and not peer_is_trusted_proxy(request):
            del request.META[header]
        return self.get_response(request)
