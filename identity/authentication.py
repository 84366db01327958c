"""API authentication: a token is a single factor, so it is refused for staff and officials,
who reach the API only through a session that passed two-factor authentication (see
identity.middleware)."""

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from .middleware import user_needs_second_factor


class CitizenTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if user_needs_second_factor(user):
            raise exceptions.PermissionDenied(
                _("Staff accounts cannot use API tokens: sign in with two-factor authentication instead.")
            )
        return user, token
