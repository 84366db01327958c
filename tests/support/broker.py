"""The Celery broker made unreachable for a block of a test: tasks are published (not run
in-process) to a port nothing listens on, as when Redis is down; restored afterwards."""

from __future__ import annotations

import contextlib

CLOSED = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def broker_pools_reset(app) -> None:
    """Drop the producer/connection pools so the next publish uses conf.broker_url again."""
    from kombu import pools

    pools.reset()
    app._pool = None
    with contextlib.suppress(AttributeError):
        app.amqp._producer_pool = None


@contextlib.contextmanager
def broker_down():
    from portal.celery import app

    old = (app.conf.task_always_eager, app.conf.broker_url)
    app.conf.task_always_eager = False
    app.conf.broker_url = CLOSED
    broker_pools_reset(app)
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.broker_url = old
        broker_pools_reset(app)
