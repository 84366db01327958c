import pytest

from identity.models import User
from identity.roles import CATALOG_EDITOR, CATALOG_PUBLISHER, roles_sync


def _official(email, role):
    from django.contrib.auth.models import Group

    roles_sync()
    user = User.objects.create_user(email, "pw-for-tests-123", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return User.objects.get(pk=user.pk)  # fresh permission cache


@pytest.fixture
def editor(db):
    return _official("editor@example.vn", CATALOG_EDITOR)


@pytest.fixture
def publisher(db):
    return _official("publisher@example.vn", CATALOG_PUBLISHER)


@pytest.fixture
def staff_client(client):
    """Log a staff user into the admin, past the mandatory TOTP step."""
    import time

    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import encrypt

    def login(user):
        Authenticator.objects.get_or_create(
            user=user, type=Authenticator.Type.TOTP, defaults={"data": {"secret": encrypt("JBSWY3DPEHPK3PXP")}}
        )
        client.force_login(user)
        session = client.session
        session["account_authentication_methods"] = [{"method": "mfa", "at": time.time(), "type": "totp"}]
        session.save()
        return client

    return login


@pytest.fixture(autouse=True)
def _catalog_cache_clear():
    """Cached catalog reads (per catalog generation) must not leak from one test's rolled-back data
    into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
