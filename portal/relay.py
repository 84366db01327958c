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

Public interface: relay_active, relay_wake_on_commit, relay_wake_sql, RELAY_CHANNEL; the loop is portal.relay_loop.
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


def _woken() -> None:
    """Marks a transaction whose statements already carry the NOTIFY (`relay_wake_sql`)."""


def _waking(connection) -> bool:
    return connection.in_atomic_block and any(entry[1] in (_wake, _woken) for entry in connection.run_on_commit)


def relay_wake_on_commit() -> None:
    """Wake the relay once the caller's transaction commits (once per transaction)."""
    connection = transaction.get_connection()
    if _waking(connection):
        return
    transaction.on_commit(_wake)


def relay_wake_sql() -> str:
    """`NOTIFY portal_outbox; ` to send in front of a statement of the caller's transaction, or
    "" (not on PostgreSQL, no transaction open, the transaction wakes the relay already).
    PostgreSQL delivers a NOTIFY made in a transaction when it commits and drops it when it
    rolls back (a rolled-back savepoint too, as Django drops the marker registered here), so
    the wake costs no statement of its own. Call it only where the relay is active."""
    connection = transaction.get_connection()
    if connection.vendor != "postgresql" or not connection.in_atomic_block or _waking(connection):
        return ""
    transaction.on_commit(_woken)
    return f"NOTIFY {RELAY_CHANNEL}; "
