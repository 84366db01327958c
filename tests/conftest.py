"""Shared fixtures. Each app's fixtures live in tests/<app>/conftest.py."""

import pytest
from django.conf import settings

from tests.support.celery import celery_eager


@pytest.fixture(autouse=True)
def _private_media(tmp_path, settings):
    """Every test writes uploads, PDFs and outbox files under its own temporary folder."""
    media = tmp_path / "media"
    settings.MEDIA_ROOT = str(media)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**settings.STORAGES["default"], "OPTIONS": {"location": str(media), "base_url": "/private/"}},
    }
    settings.OUTBOX_DIR = tmp_path / "outbox"
    yield


@pytest.fixture(autouse=True)
def _celery_eager(request):
    """Tasks (PDFs, notifications, receipts) run in-process, as in the embedded setup, also on the
    PostgreSQL + Redis run where no worker consumes the broker; tests marked `redis` go through
    the real broker."""
    with celery_eager("redis" not in request.keywords):
        yield


def pytest_collection_modifyitems(config, items):
    on_postgres = settings.DATABASES["default"]["ENGINE"].endswith(("postgresql", "psycopg2"))
    on_redis = bool(settings.REDIS_URL)
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    skip_redis = pytest.mark.skip(reason="needs Redis (set REDIS_URL)")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip_pg)
        if "redis" in item.keywords and not on_redis:
            item.add_marker(skip_redis)


@pytest.fixture(autouse=True)
def _fresh_display_calendar():
    """A test runs in one transaction rolled back at its end: a queue page rendered inside it may
    keep calendar exceptions that were never committed (dossiers.calendar.display_calendar). In
    production a reader never sees another transaction's uncommitted rows; here every test starts
    with the kept exceptions forgotten."""
    from dossiers import calendar

    calendar._DISPLAY_CALENDARS.clear()
    yield
    calendar._DISPLAY_CALENDARS.clear()
