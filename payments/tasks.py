"""Celery tasks of payments: they take ids, are idempotent and call services."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from . import services
from .models import Payment, Refund

TASK_OPTIONS = {"acks_late": True, "max_retries": 5, "retry_backoff": True, "retry_backoff_max": 600}


@shared_task(bind=True, **TASK_OPTIONS)
def receipt_issue_task(self, payment_id: int) -> str | None:
    payment = Payment.objects.filter(pk=payment_id, status=Payment.Status.PAID).first()
    if payment is None:
        return None
    try:
        return services.receipt_issue(payment=payment).number
    except Exception as exc:
        raise self.retry(exc=exc) from exc


@shared_task(bind=True, **TASK_OPTIONS)
def refund_execute_task(self, refund_id: int) -> str | None:
    refund = Refund.objects.filter(pk=refund_id).select_related("payment").first()
    if refund is None:
        return None
    return services.refund_execute(refund=refund).status


@shared_task(acks_late=True)
def payments_reconcile() -> dict:
    return services.payments_reconcile()


@shared_task(acks_late=True)
def payments_check_yesterday() -> int:
    return services.payments_check_day(day=timezone.localdate() - timedelta(days=1))
