"""Behind the documented reverse proxy every request comes from the proxy's address: per-IP
limits must still tell citizens apart (X-Forwarded-For through TRUSTED_PROXIES), and a client
that is not a trusted proxy must not choose its address by sending that header itself."""

import re

import pytest
from django.test import Client

from .conftest import PASSWORD
from .test_rate_limits import _count, _limit, frozen_ratelimit_clock  # noqa: F401 -- a fixture

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"
CLIENT_A = "198.51.100.10"
CLIENT_B = "198.51.100.20"
LOCKED = re.compile(r"too many|quá nhiều", re.IGNORECASE)


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = [f"{PROXY}/32"]
    return settings


def _through_proxy(client_address: str, forged: str = "") -> Client:
    """A browser at `client_address` whose requests reach the portal through the proxy, which
    appends the address it saw to whatever X-Forwarded-For the browser sent."""
    chain = f"{forged}, {client_address}" if forged else client_address
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=chain)


def _login(client: Client, email: str, password: str):
    return client.post("/accounts/login/", {"login": email, "password": password})


def _failed_login_limit() -> int:
    from allauth.account import app_settings

    return _limit(app_settings.RATE_LIMITS["login_failed"], "ip")


def test_failed_logins_of_one_client_behind_the_proxy_do_not_lock_another(behind_proxy, citizen):
    limit = _failed_login_limit()
    client_a = _through_proxy(CLIENT_A)
    for i in range(limit + 1):
        _login(client_a, f"nobody{i}@example.vn", "wrong-password")

    client_b = _through_proxy(CLIENT_B)
    response = _login(client_b, citizen.email, PASSWORD)
    assert response.status_code == 302
    assert client_b.session["_auth_user_id"] == str(citizen.pk)


def test_the_client_behind_the_proxy_that_failed_is_still_limited_per_ip(behind_proxy, citizen):
    limit = _failed_login_limit()
    client_a = _through_proxy(CLIENT_A)
    for i in range(limit):
        _login(client_a, f"nobody{i}@example.vn", "wrong-password")
    # Rotating the address it claims does not help: the proxy appends the real one.
    client_a = _through_proxy(CLIENT_A, forged="203.0.113.99")
    response = _login(client_a, citizen.email, PASSWORD)
    assert "_auth_user_id" not in client_a.session
    assert response.status_code == 429 or LOCKED.search(response.content.decode())


def test_failed_logins_for_one_account_from_many_clients_still_lock_it(behind_proxy, citizen):
    from allauth.account import app_settings

    limit = _limit(app_settings.RATE_LIMITS["login_failed"], "key")
    for i in range(limit):
        _login(_through_proxy(f"198.51.100.{100 + i}"), citizen.email, "wrong-password")
    client = _through_proxy(CLIENT_B)
    response = _login(client, citizen.email, PASSWORD)
    assert "_auth_user_id" not in client.session
    assert response.status_code == 429 or LOCKED.search(response.content.decode())


def test_forged_forwarded_for_from_an_untrusted_peer_does_not_bypass_the_lookup_throttle(behind_proxy):
    limit = _count(behind_proxy.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["lookup"])
    client = Client(REMOTE_ADDR="203.0.113.50")
    statuses = [
        client.get(
            f"/api/v1/lookup/000.00.01.H62-261123-{i:04d}/", HTTP_X_FORWARDED_FOR=f"192.0.2.{i % 250}"
        ).status_code
        for i in range(limit + 1)
    ]
    assert set(statuses[:limit]) == {404}
    assert statuses[limit] == 429


def test_forged_forwarded_for_is_ignored_when_no_proxy_is_trusted(settings):
    settings.TRUSTED_PROXIES = []
    limit = _count(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["lookup"])
    client = Client()
    statuses = [
        client.get(f"/api/v1/lookup/000.00.01.H62-261123-{i:04d}/", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}").status_code
        for i in range(limit + 1)
    ]
    assert statuses[limit] == 429


def test_lookup_throttle_behind_the_proxy_counts_each_client(behind_proxy):
    limit = _count(behind_proxy.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["lookup"])
    client_a = _through_proxy(CLIENT_A)
    statuses = [client_a.get(f"/api/v1/lookup/000.00.01.H62-261123-{i:04d}/").status_code for i in range(limit + 1)]
    assert statuses[limit] == 429
    assert _through_proxy(CLIENT_B).get("/api/v1/lookup/000.00.01.H62-261123-0001/").status_code == 404


def test_lookup_page_limit_behind_the_proxy_counts_each_client(behind_proxy, frozen_ratelimit_clock):  # noqa: F811
    limit = _count(behind_proxy.DOSSIER_LOOKUP_RATE)
    client_a = _through_proxy(CLIENT_A)
    statuses = [
        client_a.get("/ho-so/tra-cuu/", {"code": f"000.00.01.H62-261123-{i:04d}"}).status_code for i in range(limit + 1)
    ]
    assert statuses[limit] == 429
    client_b = _through_proxy(CLIENT_B)
    assert client_b.get("/ho-so/tra-cuu/", {"code": "000.00.01.H62-261123-0001"}).status_code == 200
    # A direct client cannot pose as B either: its own address is counted.
    direct = Client(REMOTE_ADDR=CLIENT_A, HTTP_X_FORWARDED_FOR=CLIENT_B)
    assert direct.get("/ho-so/tra-cuu/", {"code": "000.00.01.H62-261123-0001"}).status_code == 429


def test_eid_callback_limit_behind_the_proxy_counts_each_client(behind_proxy, frozen_ratelimit_clock):  # noqa: F811
    limit = _count(behind_proxy.EID_CALLBACK_RATE)
    client_a = _through_proxy(CLIENT_A)
    statuses = [
        client_a.get("/tai-khoan/vneid/callback/", {"state": "x", "code": "y"}).status_code for _ in range(limit + 1)
    ]
    assert statuses[limit] == 429
    assert _through_proxy(CLIENT_B).get("/tai-khoan/vneid/callback/", {"state": "x", "code": "y"}).status_code != 429


@pytest.fixture
def production_like_behind_proxy(behind_proxy):
    behind_proxy.SECURE_SSL_REDIRECT = True
    behind_proxy.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    behind_proxy.SECURE_REDIRECT_EXEMPT = [r"^health/"]
    return behind_proxy


def test_forwarded_proto_is_believed_only_from_the_trusted_proxy(production_like_behind_proxy):
    via_proxy = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="https")
    assert via_proxy.get("/accounts/login/").status_code == 200
    direct = Client(REMOTE_ADDR="203.0.113.50", HTTP_X_FORWARDED_PROTO="https")
    response = direct.get("/accounts/login/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def test_forwarded_proto_from_any_peer_while_no_proxy_is_listed(production_like_behind_proxy):
    production_like_behind_proxy.TRUSTED_PROXIES = []
    direct = Client(REMOTE_ADDR="203.0.113.50", HTTP_X_FORWARDED_PROTO="https")
    assert direct.get("/accounts/login/").status_code == 200
