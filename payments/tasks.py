"""Celery tasks of payments: they take ids, are idempotent and call services (imported inside the
task, as services import the tasks). Receipts, notices and refunds are outbox jobs
(portal/outbox.py); the two tasks below still serve messages queued before the outbox."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from portal.kernel.tasks import task_options

from .models import Payment, Refund

TASK_OPTIONS = task_options(acks_late=True, max_retries=5, retry_backoff=True, retry_backoff_max=600)


@shared_task(bind=True, soft_time_limit=90, time_limit=120, reject_on_worker_lost=True, **TASK_OPTIONS)
def receipt_issue_task(self, payment_id: int) -> str | None:
    from . import services

    payment = Payment.objects.filter(pk=payment_id, status=Payment.Status.PAID).first()
    if payment is None:
        return None
    try:
        return services.receipt_issue(payment=payment).number
    except Exception as exc:
        raise self.retry(exc=exc) from exc


@shared_task(bind=True, soft_time_limit=60, time_limit=90, reject_on_worker_lost=True, **TASK_OPTIONS)
def refund_execute_task(self, refund_id: int) -> str | None:
    """Send a refund to its gateway. A network error is not the gateway's answer: the refund stays
    pending and is sent again with backoff (1, 2, 4, 8, 16 minutes); only a refusal is final."""
    from . import services

    refund = Refund.objects.filter(pk=refund_id).select_related("payment").first()
    if refund is None:
        return None
    try:
        return services.refund_execute(refund=refund).status
    except services.RefundGatewayUnavailable:
        # Eager mode (embedded default) has no broker to wait on: the refund stays pending, as it
        # does once the retries are spent (an operator sends it again from the admin).
        if not self.request.is_eager and self.request.retries < self.max_retries:
            raise self.retry(countdown=min(60 * 2**self.request.retries, 3600)) from None
        return Refund.Status.PENDING


@shared_task(name="payments.tasks.payments_reconcile", **task_options(acks_late=True))
def payments_reconcile_task() -> dict:
    from . import services

    return services.payments_reconcile()


@shared_task(name="payments.tasks.payments_check_yesterday", **task_options(acks_late=True))
def payments_check_yesterday_task() -> int:
    from . import services

    return services.payments_check_day(day=timezone.localdate() - timedelta(days=1))
