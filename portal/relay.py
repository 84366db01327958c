"""The outbox relay (docs/reliability.md, "The relay"): takes the broker out of the request path.

With `OUTBOX_RELAY` on and a real broker, a request that writes outbox jobs or notification rows
no longer publishes Celery messages after its commit: it only wakes the relay (`NOTIFY
portal_outbox` on PostgreSQL, one statement per transaction, none on SQLite). The relay
(`manage.py outbox_relay`, one active per installation: a PostgreSQL advisory lock makes any
other instance a standby) publishes the rows that are due, on a NOTIFY or at the latest every
`OUTBOX_RELAY_POLL_SECONDS` (the fallback for SQLite and for a wake-up that was missed). The rows
are the record; the beat redelivery jobs stay the safety net for what the relay did not publish
(it was down, the broker was down).

With eager Celery (the embedded default) or `OUTBOX_RELAY` off, nothing changes: the work is
published (eager: done) right after commit, as before.

Public interface: relay_active, relay_wake_on_commit, RELAY_CHANNEL; the loop is portal.relay_loop.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction

logger = logging.getLogger(__name__)

RELAY_CHANNEL = "portal_outbox"


def relay_active() -> bool:
    return bool(settings.OUTBOX_RELAY) and not settings.CELERY_TASK_ALWAYS_EAGER


def _wake() -> None:
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql":
        return  # SQLite: the relay polls
    try:
        with connection.cursor() as cursor:
            cursor.execute(f"NOTIFY {RELAY_CHANNEL}")
    except Exception as exc:  # the rows are committed: the relay's poll finds them
        logger.warning("Could not wake the outbox relay (it will poll): %s", exc)


def relay_wake_on_commit() -> None:
    """Wake the relay once the caller's transaction commits (once per transaction)."""
    connection = transaction.get_connection()
    if connection.in_atomic_block and any(entry[1] is _wake for entry in connection.run_on_commit):
        return
    transaction.on_commit(_wake)
