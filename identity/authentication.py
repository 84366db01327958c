"""API authentication.

- A citizen's token (`Authorization: Token …`) is a single factor, so it is refused for staff and
  officials, who reach the API only through a session that passed two-factor authentication (see
  identity.middleware).
- A service account's token (`Authorization: Bearer svc_…`, identity.service_accounts): scoped,
  bound to an agency, every use audited.

Both answer 401 with `WWW-Authenticate` when credentials are missing or wrong."""

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, TokenAuthentication, get_authorization_header

from .middleware import user_needs_second_factor


class CitizenTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        try:
            user, token = super().authenticate_credentials(key)
        except exceptions.AuthenticationFailed as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from exc
        if user_needs_second_factor(user):
            raise exceptions.PermissionDenied(
                _("Staff accounts cannot use API tokens: sign in with two-factor authentication instead.")
            )
        return user, token

    def authenticate(self, request):
        auth = get_authorization_header(request).split()
        if not auth or auth[0].lower() != self.keyword.lower().encode():
            return None
        if len(auth) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            key = auth[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token header.")) from exc
        return self.authenticate_credentials(key)


class ServiceTokenAuthentication(BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        from .service_accounts import service_token_find, service_token_used

        auth = get_authorization_header(request).split()
        if not auth or auth[0].lower() != b"bearer":
            return None
        if len(auth) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid token header."))
        try:
            secret = auth[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token header.")) from exc
        token = service_token_find(secret)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        service_token_used(token=token, request=request)
        return token.account.user, token

    def authenticate_header(self, request):
        return f'{self.keyword} realm="api"'
