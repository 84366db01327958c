"""Receipts, the "payment received" notice and refunds are outbox jobs (portal/outbox.py):
recorded with the payment, carried out after commit, redelivered after a broker outage, and
carried out once however often they run."""

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from payments import services
from payments.models import Payment, Receipt
from portal.models import Notification, OutboxJob
from portal.outbox import outbox_job_run, outbox_redeliver_pending
from tests.support.broker import broker_down

from .gateway import vnpay_ipn_params

IPN = "/payments/vnpay/ipn/"


def _ipn(payment):
    params = vnpay_ipn_params(payment, settings.VNPAY_HASH_SECRET, tmn_code=settings.VNPAY_TMN_CODE)
    return Client(raise_request_exception=False).get(IPN, params).json()


def _jobs(payment):
    return OutboxJob.objects.filter(key__startswith=f"payment:{payment.pk}:")


def _receipt_pdfs() -> list[Path]:
    return sorted((Path(settings.MEDIA_ROOT) / "receipts").rglob("*.pdf"))


@pytest.mark.django_db(transaction=True)
def test_vnpay_ipn_with_the_broker_down_answers_00_and_the_receipt_and_notice_follow_once(pending_payment):
    with broker_down():
        answer = _ipn(pending_payment)

    # The payment was committed, so the gateway hears "confirmed" whatever the queue did.
    assert answer == {"RspCode": "00", "Message": "Confirm Success"}
    payment = Payment.objects.get(pk=pending_payment.pk)
    assert payment.status == Payment.Status.PAID
    jobs = _jobs(payment)
    assert sorted(jobs.values_list("kind", "status")) == [
        (services.PAID_NOTICE_JOB, "pending"),
        (services.RECEIPT_JOB, "pending"),
    ]
    assert not Receipt.objects.filter(payment=payment).exists()
    assert not Notification.objects.filter(event="payment_received").exists()
    # VNPay retries the IPN: it is told the order was already confirmed.
    assert _ipn(pending_payment)["RspCode"] == "02"

    # The broker is back (in-process here): the beat job carries out what is due, once.
    assert outbox_redeliver_pending(older_than_seconds=0) == 2
    assert set(jobs.values_list("status", flat=True)) == {"done"}
    receipt = Receipt.objects.get(payment=payment)
    assert receipt.file.read().startswith(b"%PDF")
    assert _receipt_pdfs() == [Path(receipt.file.path)]
    notices = Notification.objects.filter(user=payment.dossier.citizen, event="payment_received")
    assert notices.exists() and all(receipt.number in n.body for n in notices)
    rows = notices.count()

    assert outbox_redeliver_pending(older_than_seconds=0) == 0
    for job in jobs:
        assert outbox_job_run(job_id=job.pk) == "already_done"
    assert Receipt.objects.filter(payment=payment).count() == 1
    assert notices.count() == rows
    assert _receipt_pdfs() == [Path(receipt.file.path)]


@pytest.mark.django_db
def test_running_the_receipt_job_twice_gives_one_number_and_one_pdf(
    pending_payment, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # the jobs are recorded, not run
        assert (
            services.payment_apply_gateway_result(provider_id="vnpay", result=_paid_result(pending_payment))
            == services.CONFIRMED
        )
    receipt_job = OutboxJob.objects.get(key=f"payment:{pending_payment.pk}:receipt")

    assert outbox_job_run(job_id=receipt_job.pk) == "done"
    first = Receipt.objects.get(payment=pending_payment)
    # The same job delivered again (a redelivered message), and the handler run once more.
    OutboxJob.objects.filter(pk=receipt_job.pk).update(status="pending")
    assert outbox_job_run(job_id=receipt_job.pk) == "done"
    services.receipt_job_run(payment_id=pending_payment.pk)

    assert list(Receipt.objects.filter(payment=pending_payment).values_list("number", flat=True)) == [first.number]
    assert _receipt_pdfs() == [Path(first.file.path)]


@pytest.mark.django_db
def test_a_receipt_job_whose_worker_died_after_numbering_is_completed_with_the_same_number(
    pending_payment, django_capture_on_commit_callbacks, settings
):
    with django_capture_on_commit_callbacks(execute=False):
        services.payment_apply_gateway_result(provider_id="vnpay", result=_paid_result(pending_payment))
    # The notice numbers the receipt without making its PDF; the receipt job's worker was killed
    # after claiming it (running, never reported back).
    notice_job = OutboxJob.objects.get(key=f"payment:{pending_payment.pk}:notice")
    assert outbox_job_run(job_id=notice_job.pk) == "done"
    number = Receipt.objects.get(payment=pending_payment).number
    receipt_job = OutboxJob.objects.get(key=f"payment:{pending_payment.pk}:receipt")
    from django.utils import timezone

    OutboxJob.objects.filter(pk=receipt_job.pk).update(status="running", started_at=timezone.now(), attempts=1)
    assert outbox_job_run(job_id=receipt_job.pk) == "in_progress"  # not yet in doubt: left alone
    assert outbox_redeliver_pending(older_than_seconds=0) == 0

    settings.OUTBOX_IN_DOUBT_SECONDS = 0  # time has passed: the claim is in doubt
    assert outbox_redeliver_pending(older_than_seconds=0) == 1  # run again (eager here)
    receipt = Receipt.objects.get(payment=pending_payment)
    assert receipt.number == number
    assert receipt.file.read().startswith(b"%PDF")
    assert _receipt_pdfs() == [Path(receipt.file.path)]
    assert OutboxJob.objects.get(pk=receipt_job.pk).attempts == 2


def _paid_result(payment):
    from payments.providers import GatewayResult

    return GatewayResult(
        status="paid",
        reference=payment.reference,
        amount=payment.amount,
        transaction_no="14123456",
        response_code="00",
        raw={"test": True},
    )
