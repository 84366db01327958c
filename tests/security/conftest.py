"""Fixtures of the security tests: a clean cache (rate-limit counters live there) and users."""

import pytest
from django.core.cache import cache

PASSWORD = "correct-horse-battery-staple-2026"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def make_verified_user(email: str, **extra):
    """A user who can log in with email + password (email verification is mandatory)."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user(email=email, password=PASSWORD, **extra)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


@pytest.fixture
def citizen(db):
    return make_verified_user("citizen.security@example.vn", full_name="Nguyễn Văn An")


@pytest.fixture
def world(db):
    """The shared test world (tests/support/world.py) without a result issued yet."""
    from tests.support.world import world_build

    return world_build(with_result=False)


@pytest.fixture
def owner_client(client, world):
    """A client signed in as the world's citizen who owns the dossier."""
    client.force_login(world.owner)
    return client
