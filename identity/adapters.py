"""django-allauth's account adapter: the portal's answers to allauth's questions."""

from allauth.account.adapter import DefaultAccountAdapter

from portal.client_ip import client_ip


class AccountAdapter(DefaultAccountAdapter):
    def get_client_ip(self, request) -> str:
        # The per-IP parts of ACCOUNT_RATE_LIMITS count the real client behind TRUSTED_PROXIES.
        return client_ip(request)
