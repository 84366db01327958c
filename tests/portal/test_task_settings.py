"""Workers that die are noticed: every task retries on database errors with bounded backoff,
the idempotent ones are acknowledged late and handed back when their worker is lost, and a
message taken by a dead worker comes back after a visibility timeout longer than any task."""

from django.conf import settings
from django.db import InterfaceError, OperationalError

from portal.celery import app

IDEMPOTENT = {
    "portal.tasks.outbox_deliver",
    "portal.tasks.outbox_deliver_many",
    "portal.tasks.notification_deliver",
    "portal.tasks.notifications_deliver",
    "payments.tasks.receipt_issue_task",
    "payments.tasks.refund_execute_task",
    "dossiers.tasks.issued_document_generate",
}


def _ours():
    app.loader.import_default_modules()
    return {name: task for name, task in app.tasks.items() if not name.startswith("celery.")}


def test_every_task_retries_on_database_errors_a_bounded_number_of_times():
    tasks = _ours()
    assert set(tasks) >= IDEMPOTENT
    for name, task in tasks.items():
        retried = tuple(getattr(task, "autoretry_for", ()))
        assert OperationalError in retried and InterfaceError in retried, name
        assert task.retry_backoff and task.max_retries is not None and task.max_retries <= 10, name


def test_idempotent_tasks_are_acknowledged_late_and_rejected_when_the_worker_is_lost():
    tasks = _ours()
    for name in IDEMPOTENT:
        assert tasks[name].acks_late and tasks[name].reject_on_worker_lost, name


def test_visibility_timeout_outlasts_the_longest_task():
    longest = max(task.time_limit or settings.CELERY_TASK_TIME_LIMIT for task in _ours().values())
    timeout = app.conf.broker_transport_options["visibility_timeout"]
    assert longest <= settings.CELERY_LONGEST_TASK_SECONDS < timeout
    assert timeout < 3600, "the transport's default would leave a dead worker's task unnoticed for an hour"
    # A claimed outbox job is re-run only after its task could have finished.
    assert app.tasks["portal.tasks.outbox_deliver"].time_limit <= settings.OUTBOX_IN_DOUBT_SECONDS
    assert app.tasks["portal.tasks.outbox_deliver_many"].time_limit <= settings.OUTBOX_IN_DOUBT_SECONDS
    assert app.tasks["portal.tasks.notifications_deliver"].time_limit <= settings.NOTIFICATION_IN_DOUBT_SECONDS
