"""Service accounts of other systems and their scoped bearer tokens (issue 12).

A service account acts through its own user: an official of its agency holding its roles (so the
lifecycle table and its legal limits apply unchanged). A token is `svc_<prefix>_<secret>`; only
its SHA-256 digest is stored, the secret is shown once to the administrator who creates it. Every
use is written to the audit log (portal.audit), like any access to personal data."""

import datetime as dt
import hashlib
import secrets

from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.audit import AuditAction, audit_record

from . import roles
from .models import OfficialProfile, ServiceAccount, ServiceToken, User

Scope = ServiceToken.Scope
# The official roles a system may hold (never catalog, cashier or auditor roles).
SERVICE_ROLES = (roles.INTAKE, roles.PROCESSING, roles.LEADER)
TOKEN_PREFIX = "svc_"  # noqa: S105 - the visible start of every token, not a secret


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def service_account_create(*, name: str, agency, roles: list[str] = (), by=None) -> ServiceAccount:
    roles = [r for r in roles if r in SERVICE_ROLES]
    slug = secrets.token_hex(6)
    user = User.objects.create_user(
        email=f"service-{slug}@service-accounts.invalid", password=None, full_name=name[:150]
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    OfficialProfile.objects.create(user=user, agency=agency, title=_("Service account"))
    account = ServiceAccount.objects.create(name=name, agency=agency, roles=roles, user=user)
    service_account_sync(account)
    return account


def service_account_sync(account: ServiceAccount) -> None:
    """The account's user follows the account: its agency, its roles, active or not."""
    user = account.user
    user.is_active = account.is_active
    user.save(update_fields=["is_active"])
    OfficialProfile.objects.update_or_create(user=user, defaults={"agency": account.agency})
    wanted = [r for r in account.roles if r in SERVICE_ROLES]
    user.groups.set([Group.objects.get_or_create(name=r)[0] for r in wanted])


def service_token_issue(
    *, account: ServiceAccount, scopes: list[str], by=None, expires_at: dt.datetime | None = None
) -> tuple[ServiceToken, str]:
    """A new token; returns it and its secret (shown once, never stored)."""
    scopes = sorted({s for s in scopes if s in Scope.values})
    prefix = secrets.token_hex(4)
    secret = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    token = ServiceToken.objects.create(
        account=account,
        prefix=prefix,
        digest=_digest(secret),
        scopes=scopes,
        created_by=by if getattr(by, "is_authenticated", False) else None,
        expires_at=expires_at,
    )
    return token, secret


def service_token_revoke(*, token: ServiceToken, by=None) -> ServiceToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def service_token_find(secret: str) -> ServiceToken | None:
    """The live token with this secret (active account, not revoked, not expired), or None."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ServiceToken.objects.select_related("account__user")
        .filter(digest=_digest(secret), revoked_at__isnull=True, account__is_active=True)
        .first()
    )
    if token is None or (token.expires_at is not None and token.expires_at <= timezone.now()):
        return None
    return token


def service_token_used(*, token: ServiceToken, request=None) -> None:
    """Every use is audited (who: the account's user; what: method and path)."""
    now = timezone.now()
    ServiceToken.objects.filter(pk=token.pk).update(last_used_at=now)
    detail = ""
    if request is not None:
        detail = f"API {request.method} {request.path} (token {token.prefix})"
    audit_record(actor=token.account.user, action=AuditAction.VIEW, obj=token.account, detail=detail, request=request)


def is_service_token(auth) -> bool:
    return isinstance(auth, ServiceToken)


def token_has_scope(token, scope: str) -> bool:
    return isinstance(token, ServiceToken) and scope in (token.scopes or [])
