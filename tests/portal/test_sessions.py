"""portal/sessions.py: sessions read from the cache, the database the truth. Signing in rotates
the key, signing out ends the session for its cookie, also when the cache is down or missed the
sign-out and answers again later."""

import time

import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.portal.test_cache_outage import redis_at, redis_refusing  # noqa: F401 - a fixture
from tests.support.world import PASSWORD, verified_user

pytestmark = pytest.mark.django_db(transaction=True)

PROFILE = "/tai-khoan/"


def _signed_in(cookie: str) -> bool:
    client = Client()
    client.cookies[django_settings.SESSION_COOKIE_NAME] = cookie
    return client.get(PROFILE).status_code == 200


def _sign_in(client: Client, email: str) -> str:
    anonymous = client.session  # a session before signing in (saved, its cookie set)
    anonymous["seen"] = True
    anonymous.save()
    before = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    client.get("/accounts/login/")
    response = client.post("/accounts/login/", {"login": email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:300]
    after = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    # A new key on sign-in (no session fixation): the old one is gone, from the cache too.
    assert before != after
    assert not Session.objects.filter(session_key=before).exists()
    assert not _signed_in(before)
    return after


def _sign_out(client: Client) -> None:
    assert client.post("/accounts/logout/").status_code == 302


def test_a_signed_in_request_reads_no_session_row_and_sign_out_ends_the_cookie():
    verified_user("hang@example.vn")
    client = Client()
    cookie = _sign_in(client, "hang@example.vn")
    assert Session.objects.filter(session_key=cookie).exists()  # the database holds it

    with CaptureQueriesContext(connection) as statements:
        assert client.get(PROFILE).status_code == 200
    assert not [q for q in statements.captured_queries if "django_session" in q["sql"]]

    _sign_out(client)

    assert not Session.objects.filter(session_key=cookie).exists()
    assert not _signed_in(cookie)


def test_with_the_cache_refusing_connections_sessions_live_in_the_database(redis_refusing):  # noqa: F811
    verified_user("lan@example.vn")
    client = Client()
    cookie = _sign_in(client, "lan@example.vn")

    assert _signed_in(cookie)
    _sign_out(client)
    assert not _signed_in(cookie)


@pytest.mark.redis
def test_a_sign_out_the_cache_could_not_hear_does_not_come_back_with_it(settings):
    """The cache (Redis) holds the session, is unreachable while the citizen signs out, then
    answers again with the old copy: the cookie must stay signed out."""
    with redis_at(settings, django_settings.REDIS_URL):
        verified_user("mai@example.vn")
        client = Client()
        cookie = _sign_in(client, "mai@example.vn")
        assert _signed_in(cookie)  # now in Redis too
        circuit = caches["default"].circuit

        circuit.open_until = time.monotonic() + 60  # Redis unreachable: calls are skipped
        try:
            _sign_out(client)
            assert not _signed_in(cookie)  # read from the database meanwhile
        finally:
            circuit.open_until = 0.0  # Redis answers again, with the session still in it

        assert not _signed_in(cookie)
