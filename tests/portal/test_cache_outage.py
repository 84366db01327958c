"""The site stays up without its cache and broker (issue 15, finding 4).

Redis is a local port nothing listens on (or a socket that accepts and never answers): every
public page, login, filing and a VNPay IPN answer as usual, login stays rate-limited in process
memory, /health/ready/ answers within a second and names the failing part. Runs on both passes:
on the embedded default the tests point the cache and the broker at the dead port themselves.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import statistics
import time

import pytest
from django.conf import settings as django_settings
from django.test import Client

from tests.payments.gateway import vnpay_ipn_params
from tests.support.world import PASSWORD, _dossier, verified_user, world_build

FAILSOFT = "portal.cache.FailSoftRedisCache"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def _black_hole():
    """A port that accepts connections (the kernel's backlog) but never answers: a hung Redis."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield sock.getsockname()[1]


def _reset_broker_pools(app) -> None:
    from kombu import pools

    pools.reset()
    app._pool = None
    with contextlib.suppress(AttributeError):
        app.amqp._producer_pool = None


def _cache_at(url: str, **options) -> dict:
    """The project's cache settings (the Redis pass) or the fail-soft backend, at `url`."""
    base = django_settings.CACHES["default"]
    if base["BACKEND"] != FAILSOFT:
        base = {"BACKEND": FAILSOFT, "OPTIONS": {}}
    return {"default": {**base, "LOCATION": url, "OPTIONS": {**base.get("OPTIONS", {}), **options}}}


@contextlib.contextmanager
def redis_at(settings, url: str, **cache_options):
    """Cache and broker at `url` for what runs inside (tasks are published, not run eagerly)."""
    from portal.celery import app

    old_broker, old_eager = app.conf.broker_url, app.conf.task_always_eager
    app.conf.broker_url = url
    app.conf.task_always_eager = False
    settings.CELERY_TASK_ALWAYS_EAGER = False
    _reset_broker_pools(app)
    settings.CACHES = _cache_at(url, **cache_options)
    try:
        yield
    finally:
        app.conf.broker_url = old_broker
        app.conf.task_always_eager = old_eager
        _reset_broker_pools(app)


@pytest.fixture
def redis_refusing(settings):
    url = f"redis://127.0.0.1:{_closed_port()}/0"
    with redis_at(settings, url):
        yield url


def test_production_settings_use_the_fail_soft_cache():
    if not django_settings.REDIS_URL:
        pytest.skip("the embedded default has no Redis cache")
    options = django_settings.CACHES["default"]["OPTIONS"]
    assert django_settings.CACHES["default"]["BACKEND"] == FAILSOFT
    assert options["socket_connect_timeout"] <= 0.5 and options["socket_timeout"] <= 0.5
    assert getattr(django_settings, "SESSION_ENGINE", "django.contrib.sessions.backends.db") in (
        "django.contrib.sessions.backends.db",
        "django.contrib.sessions.backends.cached_db",
        "portal.sessions",
    )


@pytest.mark.django_db(transaction=True)
def test_with_redis_refusing_connections_the_site_answers_as_usual(redis_refusing, settings):
    from dossiers.models import Dossier, Status
    from payments.models import Payment

    world = world_build(with_result=False)
    drafts = [world.draft]
    drafts += [_dossier(world, submit=False) for _ in range(9)]
    code = world.version.procedure.code
    anonymous = Client(raise_request_exception=False)

    # Public pages: home, search, a procedure, the lookup page and API.
    home = anonymous.get("/")
    assert home.status_code == 200
    found = anonymous.get("/thu-tuc/", {"q": "khai sinh"})
    assert found.status_code == 200 and world.version.name in found.content.decode()
    page = anonymous.get(f"/thu-tuc/{code}/")
    assert page.status_code == 200 and world.version.name in page.content.decode()
    looked_up = anonymous.get("/ho-so/tra-cuu/", {"code": world.dossier.code})
    assert looked_up.status_code == 200 and world.dossier.code in looked_up.content.decode()
    api = anonymous.get(f"/api/v1/lookup/{world.dossier.code}/")
    assert api.status_code == 200 and api.json()["code"] == world.dossier.code

    # Login: the page, then a real sign-in (the session lives in the database).
    citizen = Client(raise_request_exception=False)
    assert citizen.get("/accounts/login/").status_code == 200
    signed_in = citizen.post("/accounts/login/", {"login": world.owner.email, "password": PASSWORD})
    assert signed_in.status_code == 302, signed_in.content.decode()[:500]
    assert citizen.session["_auth_user_id"] == str(world.owner.pk)

    # Filing: each submission is saved and the citizen sees the dossier; latency is reported.
    latencies = []
    for draft in drafts:
        started = time.perf_counter()
        response = citizen.post(f"/ho-so/{draft.pk}/buoc/review/", {"action": "submit"})
        latencies.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 302 and response["Location"] == f"/ho-so/{draft.pk}/"
    assert set(Dossier.objects.filter(pk__in=[d.pk for d in drafts]).values_list("status", flat=True)) == {
        Status.SUBMITTED
    }
    p95 = statistics.quantiles(latencies, n=20, method="inclusive")[-1]
    print(
        f"\nsubmission latency with Redis refusing connections ({len(latencies)} submissions): "
        f"p50 {statistics.median(latencies):.0f} ms, p95 {p95:.0f} ms, max {max(latencies):.0f} ms"
    )
    detail = citizen.get(f"/ho-so/{drafts[0].pk}/")
    assert detail.status_code == 200

    # Paying: start a VNPay payment, then VNPay's IPN confirms it and is answered 00.
    started = citizen.post(f"/payments/dossiers/{world.dossier.code}/start/", {"provider": "vnpay"})
    assert started.status_code == 302 and "vnpay" in started["Location"]
    payment = Payment.objects.get(dossier=world.dossier, provider="vnpay")
    ipn = vnpay_ipn_params(payment, settings.VNPAY_HASH_SECRET, tmn_code=settings.VNPAY_TMN_CODE)
    answer = anonymous.get("/payments/vnpay/ipn/", ipn)
    assert answer.status_code == 200 and answer.json()["RspCode"] == "00"
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    # The repeat VNPay sends is answered 02 (already confirmed), not an error.
    assert anonymous.get("/payments/vnpay/ipn/", ipn).json()["RspCode"] == "02"


@pytest.mark.django_db
def test_login_stays_rate_limited_without_redis_and_the_log_says_so(redis_refusing, caplog):
    user = verified_user("limited@example.vn", full_name="Lê Thị Hạn")
    client = Client(raise_request_exception=False)
    with caplog.at_level(logging.WARNING, logger="portal.cache"):
        for _ in range(5):  # ACCOUNT_RATE_LIMITS: 5 failed logins per 5 minutes per account
            wrong = client.post("/accounts/login/", {"login": user.email, "password": "not-the-password"})
            assert wrong.status_code == 200
        right = client.post("/accounts/login/", {"login": user.email, "password": PASSWORD})
    assert right.status_code in (200, 429)
    assert "_auth_user_id" not in client.session, "a sixth attempt got through: login lost its rate limit"
    reports = [r.getMessage() for r in caplog.records if r.name == "portal.cache"]
    assert len(reports) == 1, reports
    assert "rate limits (login included) count in each process's memory" in reports[0]


@pytest.mark.django_db
def test_every_failure_is_counted_but_reported_once_per_period(settings, caplog):
    from django.core.cache import cache

    from portal.cache import cache_failsoft_stats

    url = f"redis://127.0.0.1:{_closed_port()}/0"
    before = cache_failsoft_stats()["errors"]
    with redis_at(settings, url, CIRCUIT_SECONDS=0), caplog.at_level(logging.WARNING, logger="portal.cache"):
        for n in range(50):
            cache.set(f"k{n}", n)
            assert cache.get(f"k{n}") is None
            assert cache.get_or_set(f"o{n}", "computed") == "computed"
        with pytest.raises(ValueError, match="not found"):
            cache.incr("counter")
        assert cache.add("x", 1) is False and cache.delete("x") is False
        assert cache.get_many(["a", "b"]) == {} and cache.set_many({"a": 1}) == ["a"]
    assert cache_failsoft_stats()["errors"] - before >= 150
    assert len([r for r in caplog.records if r.name == "portal.cache"]) == 1


@pytest.mark.django_db
def test_an_open_circuit_does_not_ask_redis_again(settings):
    from django.core.cache import cache

    from portal.cache import cache_failsoft_stats

    url = f"redis://127.0.0.1:{_closed_port()}/0"
    with redis_at(settings, url, CIRCUIT_SECONDS=60):
        before = cache_failsoft_stats()
        for n in range(20):
            assert cache.get(f"k{n}") is None
        after = cache_failsoft_stats()
    assert after["errors"] - before["errors"] == 1
    assert after["skipped"] - before["skipped"] == 19


@pytest.mark.django_db
def test_readiness_answers_fast_and_names_the_failing_parts(redis_refusing, client):
    started = time.monotonic()
    response = client.get("/health/ready/")
    elapsed = time.monotonic() - started
    assert elapsed < 1.0, f"/health/ready/ took {elapsed:.2f} s"
    body = response.json()
    # The site serves without cache and broker: degraded, still ready (only the database decides).
    assert response.status_code == 200 and body["status"] == "degraded"
    assert body["failing"] == ["cache", "broker"]
    assert body["checks"] == {"database": "ok", "cache": "error", "broker": "error"}
    assert body["components"]["cache"]["error"] == "ConnectionError"
    assert body["components"]["cache"]["failsoft"]["errors"] >= 1
    assert all(part["ms"] < 1000 for part in body["components"].values())
    strict = client.get("/health/ready/", {"strict": "1"})
    assert strict.status_code == 503 and strict.json()["status"] == "unavailable"
    assert client.get("/health/").json() == {"status": "ok"}


@pytest.mark.django_db
def test_readiness_answers_within_a_second_when_redis_hangs(settings, client):
    with _black_hole() as port, redis_at(settings, f"redis://127.0.0.1:{port}/0"):
        started = time.monotonic()
        response = client.get("/health/ready/")
        elapsed = time.monotonic() - started
        home = Client(raise_request_exception=False).get("/")
    assert elapsed < 1.0, f"/health/ready/ took {elapsed:.2f} s"
    assert response.status_code == 200 and response.json()["failing"] == ["cache", "broker"]
    assert home.status_code == 200


@pytest.mark.django_db
def test_a_catalog_change_made_while_the_cache_was_down_is_seen_once_it_is_back(settings):
    """The generation bump lost to the outage is made when the cache answers again, so entries
    cached before the outage are not served after it."""
    from django.core.cache import cache

    from catalog.catalog_cache import catalog_cached, catalog_generation_bump

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "gen"}}
    assert catalog_cached("t", (1,), lambda: "before") == "before"
    url = f"redis://127.0.0.1:{_closed_port()}/0"
    alive = settings.CACHES
    with redis_at(settings, url, CIRCUIT_SECONDS=60):
        catalog_generation_bump()  # the change, while Redis is down
        assert catalog_cached("t", (1,), lambda: "from the database") == "from the database"
    settings.CACHES = alive  # the same store as before the outage answers again
    assert cache.get("catalog:generation") is not None
    assert catalog_cached("t", (1,), lambda: "after") == "after"


@pytest.mark.django_db
def test_lookup_limits_still_count_without_redis(redis_refusing, settings):
    """django-ratelimit (the lookup page) and DRF's throttle (the lookup API) keep limiting."""
    from rest_framework.settings import api_settings
    from rest_framework.throttling import ScopedRateThrottle

    settings.DOSSIER_LOOKUP_RATE = "2/m"
    client = Client(raise_request_exception=False)
    pages = [client.get("/ho-so/tra-cuu/", {"code": "x"}).status_code for _ in range(4)]
    old = ScopedRateThrottle.THROTTLE_RATES
    ScopedRateThrottle.THROTTLE_RATES = {**api_settings.DEFAULT_THROTTLE_RATES, "lookup": "3/min"}
    try:
        api = [client.get("/api/v1/lookup/000-000000-0000/").status_code for _ in range(5)]
    finally:
        ScopedRateThrottle.THROTTLE_RATES = old
    assert pages[:2] == [200, 200] and pages[-1] in (403, 429)
    assert api[:3] == [404, 404, 404] and api[-1] == 429
