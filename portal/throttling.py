"""DRF throttles that count the client from portal.client_ip (TRUSTED_PROXIES), never a raw
X-Forwarded-For. API views use these instead of rest_framework.throttling's."""

from rest_framework import throttling

from .client_ip import client_ip


class _ClientIPMixin:
    def get_ident(self, request) -> str:
        return client_ip(request)


class ScopedRateThrottle(_ClientIPMixin, throttling.ScopedRateThrottle):
    pass


class AnonRateThrottle(_ClientIPMixin, throttling.AnonRateThrottle):
    pass


class UserRateThrottle(_ClientIPMixin, throttling.UserRateThrottle):
    pass
