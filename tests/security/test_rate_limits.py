"""Rate limits, read from the configured values: N requests pass, request N+1 is refused."""

import re

import pytest
from django.test import Client

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _limit(spec: str, scope: str) -> int:
    """The count of the part of an allauth limit spec ("30/m/ip,5/300s/key") for a scope."""
    for part in spec.split(","):
        count, _period, *rest = part.split("/")
        if (rest[0] if rest else "ip") == scope:
            return int(count)
    raise AssertionError(f"no {scope} limit in {spec!r}")


def test_login_posts_are_rate_limited_per_ip_with_429():
    from allauth.account import app_settings

    limit = _limit(app_settings.RATE_LIMITS["login"], "ip")
    client = Client()
    statuses = [
        client.post("/accounts/login/", {"login": f"nobody{i}@example.vn", "password": "wrong-password"}).status_code
        for i in range(limit + 1)
    ]
    assert 429 not in statuses[:limit]
    assert statuses[limit] == 429


def test_failed_logins_for_one_account_lock_it_even_with_the_right_password(citizen):
    from allauth.account import app_settings

    limit = _limit(app_settings.RATE_LIMITS["login_failed"], "key")
    client = Client()
    for _ in range(limit):
        response = client.post("/accounts/login/", {"login": citizen.email, "password": "wrong-password"})
        assert response.status_code == 200
    response = client.post("/accounts/login/", {"login": citizen.email, "password": PASSWORD})
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session
    if response.status_code == 200:
        assert re.search(r"too many|quá nhiều", response.content.decode(), re.IGNORECASE)


def test_the_429_page_is_the_portal_page_in_vietnamese():
    from allauth.account import app_settings

    limit = _limit(app_settings.RATE_LIMITS["login"], "ip")
    client = Client()
    for i in range(limit):
        client.post("/accounts/login/", {"login": f"x{i}@example.vn", "password": "wrong"})
    response = client.post("/accounts/login/", {"login": "y@example.vn", "password": "wrong"})
    assert response.status_code == 429
    assert '<html lang="vi"' in response.content.decode()
