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


@pytest.fixture
def frozen_ratelimit_clock(monkeypatch):
    """django-ratelimit counts in fixed windows: freeze its clock so N+1 requests can never
    straddle a window boundary (deterministic, no sleeps)."""
    import time as real_time
    import types

    import django_ratelimit.core

    now = real_time.time()
    monkeypatch.setattr(django_ratelimit.core, "time", types.SimpleNamespace(time=lambda: now))


def _count(rate: str) -> int:
    """The count of a django-ratelimit / DRF rate ("30/m", "30/min")."""
    return int(rate.split("/")[0])


def test_eid_callback_is_rate_limited_per_ip(settings, frozen_ratelimit_clock):
    limit = _count(settings.EID_CALLBACK_RATE)
    client = Client()
    statuses = [
        client.get("/tai-khoan/vneid/callback/", {"state": "x", "code": "y"}).status_code for _ in range(limit + 1)
    ]
    assert 429 not in statuses[:limit]
    assert all(s < 500 for s in statuses)
    assert statuses[limit] == 429


def _lookup_page_statuses(settings) -> list[int]:
    limit = _count(settings.DOSSIER_LOOKUP_RATE)
    client = Client()
    return [
        client.get("/ho-so/tra-cuu/", {"code": f"000.00.01.H62-261123-{i:04d}"}).status_code for i in range(limit + 1)
    ]


def test_public_lookup_page_is_rate_limited_per_ip(settings, frozen_ratelimit_clock):
    statuses = _lookup_page_statuses(settings)
    assert statuses[:-1] == [200] * (len(statuses) - 1)
    assert statuses[-1] == 429


def test_public_lookup_page_answers_429_when_limited(settings, frozen_ratelimit_clock):
    assert _lookup_page_statuses(settings)[-1] == 429


def test_public_lookup_api_is_rate_limited_per_ip(settings):
    limit = _count(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["lookup"])
    client = Client()
    statuses = [client.get(f"/api/v1/lookup/000.00.01.H62-261123-{i:04d}/").status_code for i in range(limit + 1)]
    assert set(statuses[:limit]) == {404}
    assert statuses[limit] == 429
