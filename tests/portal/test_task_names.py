"""One task naming convention: the Python functions end in `_task`; the names Celery registers
them under never change, so queued messages, the beat schedule and django-celery-beat rows made
before a rename still find their task."""

import inspect

from django.conf import settings

from portal.celery import app as celery_app

APPS = ("portal.", "catalog.", "identity.", "dossiers.", "payments.", "integrations.")

# The registered names are persisted (broker messages, periodic task rows): never rename them.
REGISTERED = {
    "dossiers.tasks.issued_document_generate",
    "dossiers.tasks.dossier_deadlines_check",
    "dossiers.tasks.issued_documents_redeliver",
    "dossiers.tasks.procedure_popularity_refresh",
    "dossiers.tasks.indicators_rollup",
    "dossiers.tasks.indicators_reconcile",
    "payments.tasks.receipt_issue_task",
    "payments.tasks.refund_execute_task",
    "payments.tasks.payments_reconcile",
    "payments.tasks.payments_check_yesterday",
    "portal.tasks.notification_deliver",
    "portal.tasks.notifications_deliver",
    "portal.tasks.notifications_redeliver",
    "portal.tasks.outbox_deliver",
    "portal.tasks.outbox_deliver_many",
    "portal.tasks.outbox_redeliver",
    "integrations.tasks.national_sync_dossier",
    "integrations.tasks.national_sync_due",
    "integrations.tasks.national_sync_reconcile",
    "integrations.tasks.webhook_deliver",
    "integrations.tasks.webhooks_due",
}


def _ours():
    celery_app.loader.import_default_modules()
    return {name: task for name, task in celery_app.tasks.items() if name.startswith(APPS)}


def test_our_tasks_keep_their_registered_names_and_their_functions_end_in_task():
    ours = _ours()
    assert set(ours) >= REGISTERED
    for name, task in ours.items():
        function = inspect.unwrap(task.run)
        assert function.__name__.endswith("_task"), name
        assert function.__module__ == name.rsplit(".", 1)[0], name


def test_every_beat_entry_names_a_registered_task():
    ours = _ours()
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in ours
