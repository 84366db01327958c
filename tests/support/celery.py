"""How the tests run Celery tasks: in-process (eager), through the real broker, or with the
broker down. The one autouse fixture in tests/conftest.py uses `celery_eager`."""

from __future__ import annotations

import contextlib

CLOSED_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@contextlib.contextmanager
def celery_eager(eager: bool = True):
    """Run tasks in-process (`eager`) or send them to the broker, for what runs inside."""
    from portal.celery import app

    old = app.conf.task_always_eager
    app.conf.task_always_eager = eager
    try:
        yield
    finally:
        app.conf.task_always_eager = old


def broker_pools_reset() -> None:
    """Drop the producer/connection pools so the next publish uses conf.broker_url again."""
    from kombu import pools

    from portal.celery import app

    pools.reset()  # kombu's process-wide producer pools, keyed by connection
    app._pool = None
    with contextlib.suppress(AttributeError):
        app.amqp._producer_pool = None


@contextlib.contextmanager
def broker_down():
    """Tasks go to a broker that does not answer (publishing fails fast), for what runs inside."""
    from portal.celery import app

    old = app.conf.broker_url
    app.conf.broker_url = CLOSED_BROKER
    broker_pools_reset()
    try:
        with celery_eager(False):
            yield
    finally:
        app.conf.broker_url = old
        broker_pools_reset()
