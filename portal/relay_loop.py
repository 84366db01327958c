"""The outbox relay's loop (`manage.py outbox_relay`; what it is for: portal/relay.py).

Public interface: relay_publish_due, relay_run.
"""

from __future__ import annotations

import logging
import select
import time
from datetime import timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections
from django.utils import timezone

from .models import Notification, OutboxJob
from .notifications import notifications_publish
from .outbox import outbox_publish
from .relay import RELAY_CHANNEL

logger = logging.getLogger(__name__)

RELAY_LOCK_KEY = 0x706F7274616C  # "portal": one active relay per database
# Rows younger than this are the relay's; older ones still pending are the beat jobs'.
RELAY_WINDOW_SECONDS = 600


class _Published:
    """Ids this relay has published recently, so a row still pending (its task queued, a worker
    busy) is not published again on every wake-up. Forgotten after RELAY_WINDOW_SECONDS."""

    def __init__(self):
        self.jobs: dict[int, float] = {}
        self.notifications: dict[int, float] = {}

    def prune(self, now: float) -> None:
        for seen in (self.jobs, self.notifications):
            for key in [k for k, at in seen.items() if now - at > RELAY_WINDOW_SECONDS]:
                del seen[key]


def relay_publish_due(published: _Published | None = None, *, limit: int = 500) -> int:
    """Publish the outbox jobs and notification rows that are due and not yet published by this
    relay. Returns how many were published."""
    published = published if published is not None else _Published()
    now = timezone.now()
    since = now - timedelta(seconds=RELAY_WINDOW_SECONDS)
    jobs = [
        pk
        for pk in OutboxJob.objects.filter(
            status=OutboxJob.Status.PENDING, next_attempt_at__lte=now, created_at__gte=since
        )
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
        if pk not in published.jobs
    ]
    rows = [
        pk
        for pk in Notification.objects.filter(status=Notification.Status.PENDING, created_at__gte=since)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
        if pk not in published.notifications
    ]
    mark = time.monotonic()
    # The first publish tells whether the broker is up; if not, try again on the next wake-up or poll.
    sent_jobs = outbox_publish(jobs[:1]) if jobs else []
    if jobs and not sent_jobs:
        return 0
    sent_jobs += outbox_publish(jobs[1:])
    published.jobs.update(dict.fromkeys(sent_jobs, mark))
    sent_rows = notifications_publish(rows) if rows else []
    published.notifications.update(dict.fromkeys(sent_rows, mark))
    published.prune(mark)
    return len(sent_jobs) + len(sent_rows)


def _listen(connection) -> object | None:
    """LISTEN on the relay channel; the raw psycopg connection to wait on, or None (SQLite)."""
    if connection.vendor != "postgresql":
        return None
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute(f"LISTEN {RELAY_CHANNEL}")
    return connection.connection


def _leader(connection) -> bool:
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [RELAY_LOCK_KEY])
        return bool(cursor.fetchone()[0])


def relay_run(*, poll_seconds: float | None = None, stop=lambda: False, log=logger.info) -> None:
    """The relay loop (`manage.py outbox_relay`). Returns when `stop()` is true."""
    poll = settings.OUTBOX_RELAY_POLL_SECONDS if poll_seconds is None else poll_seconds
    connection = connections[DEFAULT_DB_ALIAS]
    published = _Published()
    raw = None
    leading = False
    while not stop():
        try:
            if not leading:
                leading = _leader(connection)
                if not leading:
                    time.sleep(max(poll, 1.0))  # another relay is active: stand by
                    continue
                log("outbox relay: active")
                raw = _listen(connection)
            relay_publish_due(published)
            if raw is None:
                time.sleep(poll)
                continue
            if raw.notifies:
                # A NOTIFY that arrived while the queries above ran was read with their results:
                # select() would not see it again. Publish once more now instead of waiting a poll.
                raw.notifies.clear()
                continue
            if select.select([raw], [], [], poll)[0]:
                raw.poll()
                raw.notifies.clear()
        except (OperationalError, InterfaceError, OSError) as exc:
            logger.warning("outbox relay: database connection lost, reconnecting: %s", exc)
            connection.close()
            raw, leading = None, False
            time.sleep(1.0)
        except Exception as exc:  # psycopg errors on the raw connection, a broker hiccup
            logger.warning("outbox relay: %s: %s", type(exc).__name__, exc)
            connection.close()
            raw, leading = None, False
            time.sleep(1.0)
