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
from django.db.models import Q
from django.utils import timezone

from .models import Notification, OutboxJob
from .notifications import notifications_publish
from .outbox import outbox_publish
from .relay import RELAY_CHANNEL

logger = logging.getLogger(__name__)

RELAY_LOCK_KEY = 0x706F7274616C  # "portal": one active relay per database
# Rows younger than this are the relay's; older ones still pending are the beat jobs'.
RELAY_WINDOW_SECONDS = 600


# A row id below the highest one seen but not seen itself: a transaction that took the id and has
# not committed yet (or rolled back). New-rows passes look for it this long; the full sweep after.
GAP_SECONDS = 5.0
SWEEP_PAGES = 20  # a full sweep reads at most this many pages of `limit` ids


class _Seen:
    """What the relay knows of one table: the ids it published recently (so a row still pending,
    its task queued and a worker busy, is not published again on every wake-up; forgotten after
    RELAY_WINDOW_SECONDS), the highest id it has seen, and the ids below that it has not seen yet
    (gaps: transactions that commit out of order)."""

    def __init__(self):
        self.published: dict[int, float] = {}
        self.high = 0
        self.gaps: dict[int, float] = {}

    def published_now(self, ids: list[int], now: float) -> None:
        for pk in ids:  # oldest first, so that `prune` stops at the first one to keep
            self.published.pop(pk, None)
            self.published[pk] = now
            self.gaps.pop(pk, None)
        top = max(ids, default=0)
        if top > self.high:
            if self.high:  # the ids between the old high and the new one that did not come
                wanted = set(range(self.high + 1, top)) - set(ids)
                if len(wanted) <= 1000:
                    self.gaps.update(dict.fromkeys(wanted, now))
            self.high = top

    def prune(self, now: float) -> None:
        """Forget what is older than its window: the entries are in the order they were made,
        so only the expired ones are visited (a relay behind a busy hour holds ~100,000 ids)."""
        for entries, window in ((self.published, RELAY_WINDOW_SECONDS), (self.gaps, GAP_SECONDS)):
            while entries:
                key, at = next(iter(entries.items()))
                if now - at <= window:
                    break
                del entries[key]


class _Published:
    def __init__(self):
        self.job_ids = _Seen()
        self.notification_ids = _Seen()


def _due_ids(queryset, seen: _Seen, *, new_only: bool, limit: int) -> list[int]:
    """The due rows' ids not yet published by this relay. `new_only`: only ids above the highest
    seen and the recent gaps (what a NOTIFY announces: one index range, however many rows are still
    pending behind it); else a sweep of every pending row of the window, page by page."""
    if new_only:
        rows = queryset.filter(Q(pk__gt=seen.high) | Q(pk__in=list(seen.gaps)))
        ids = list(rows.order_by("pk").values_list("pk", flat=True)[:limit])
        return [pk for pk in ids if pk not in seen.published]
    found, after = [], 0
    for _ in range(SWEEP_PAGES):
        page = list(queryset.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:limit])
        found += [pk for pk in page if pk not in seen.published]
        if len(page) < limit or len(found) >= limit:
            break
        after = page[-1]
    return found[:limit]


def relay_publish_due(published: _Published | None = None, *, limit: int = 500, new_only: bool = False) -> int:
    """Publish the outbox jobs and notification rows that are due and not yet published by this
    relay. Returns how many were published. `new_only` (a NOTIFY woke the relay): look only past
    what was already seen; the full sweep (at every poll) also finds retries that became due."""
    published = published if published is not None else _Published()
    now = timezone.now()
    since = now - timedelta(seconds=RELAY_WINDOW_SECONDS)
    mark = time.monotonic()
    jobs = _due_ids(
        OutboxJob.objects.filter(status=OutboxJob.Status.PENDING, next_attempt_at__lte=now, created_at__gte=since),
        published.job_ids,
        new_only=new_only,
        limit=limit,
    )
    rows = _due_ids(
        Notification.objects.filter(status=Notification.Status.PENDING, created_at__gte=since),
        published.notification_ids,
        new_only=new_only,
        limit=limit,
    )
    # Nothing published: the broker is down; try again on the next wake-up or poll.
    sent_jobs = outbox_publish(jobs, batch=True) if jobs else []
    if jobs and not sent_jobs:
        return 0
    published.job_ids.published_now(sent_jobs, mark)
    sent_rows = notifications_publish(rows) if rows else []
    published.notification_ids.published_now(sent_rows, mark)
    published.job_ids.prune(mark)
    published.notification_ids.prune(mark)
    return len(sent_jobs) + len(sent_rows)


def _gather(raw, coalesce: float) -> None:
    """Woken: let the other commits of this moment arrive (one pass for all), then forget them."""
    if coalesce > 0:
        time.sleep(coalesce)
    raw.poll()
    raw.notifies.clear()


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
    coalesce = max(0.0, min(settings.OUTBOX_RELAY_COALESCE_SECONDS, poll))
    connection = connections[DEFAULT_DB_ALIAS]
    published = _Published()
    raw = None
    leading = False
    woken = False  # by a NOTIFY: only the rows past what was seen; else (a poll) a full sweep
    swept_at = float("-inf")
    while not stop():
        try:
            if not leading:
                leading = _leader(connection)
                if not leading:
                    time.sleep(max(poll, 1.0))  # another relay is active: stand by
                    continue
                log("outbox relay: active")
                raw = _listen(connection)
            new_only = woken and time.monotonic() - swept_at < poll
            if not new_only:
                swept_at = time.monotonic()
            relay_publish_due(published, new_only=new_only)
            woken = False
            if raw is None:
                time.sleep(poll)
                continue
            if raw.notifies:
                # A NOTIFY that arrived while the queries above ran was read with their results:
                # select() would not see it again. Publish once more now instead of waiting a poll.
                _gather(raw, coalesce)
                woken = True
                continue
            if select.select([raw], [], [], poll)[0]:
                _gather(raw, coalesce)
                woken = True
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
