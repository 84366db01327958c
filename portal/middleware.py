"""Site-wide middleware of the portal shell."""

from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.utils import translation


class PortalLocaleMiddleware(LocaleMiddleware):
    """Vietnamese for everyone unless the person picked another language with the switch in the
    header (the language cookie). The browser's Accept-Language is ignored on purpose: a
    citizen's phone set to English should still see the portal in Vietnamese, as officials do."""

    def process_request(self, request):
        supported = {code for code, _name in settings.LANGUAGES}
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
