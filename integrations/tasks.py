"""Celery tasks of integrations: they take ids and call services (imported inside the task)."""

from celery import shared_task

from portal.kernel.tasks import task_options


@shared_task(name="integrations.tasks.national_sync_dossier", **task_options(acks_late=True))
def national_sync_dossier_task(dossier_id: int) -> int:
    from . import services

    return services.sync_dossier_flush(dossier_id=dossier_id)


@shared_task(name="integrations.tasks.national_sync_due", **task_options(acks_late=True))
def national_sync_due_task() -> int:
    """Beat: dossiers whose next message is due again after a failure."""
    from . import services

    ids = services.sync_due_dossiers()
    for dossier_id in ids:
        national_sync_dossier_task.delay(dossier_id)
    return len(ids)


@shared_task(name="integrations.tasks.national_sync_reconcile", **task_options(acks_late=True))
def national_sync_reconcile_task() -> dict:
    from . import services

    run = services.sync_reconcile()
    return {"different": run.groups_different, "resent": run.messages_resent, "error": run.error}


@shared_task(name="integrations.tasks.webhook_deliver", **task_options(acks_late=True))
def webhook_deliver_task(delivery_id: int) -> str:
    from . import services

    return services.webhook_delivery_attempt(delivery_id=delivery_id)


@shared_task(name="integrations.tasks.webhooks_due", **task_options(acks_late=True))
def webhooks_due_task() -> int:
    """Beat: webhook deliveries due again (exponential backoff, up to WEBHOOK_RETRY_HOURS)."""
    from . import services

    ids = services.webhook_due_deliveries()
    for delivery_id in ids:
        webhook_deliver_task.delay(delivery_id)
    return len(ids)
