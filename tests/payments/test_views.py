"""Gateway callbacks: VNPay IPN/return and MoMo IPN/return, signed by the tests' own signer."""

import json
from decimal import Decimal

import pytest
from django.conf import settings

from payments.models import Fee, Payment

from .gateway import momo_ipn_body, vnpay_ipn_params

pytestmark = pytest.mark.django_db

IPN = "/payments/vnpay/ipn/"


def _vnpay(payment, **kwargs):
    return vnpay_ipn_params(payment, settings.VNPAY_HASH_SECRET, tmn_code=settings.VNPAY_TMN_CODE, **kwargs)


def _momo(payment, **kwargs):
    return momo_ipn_body(
        payment,
        partner_code=settings.MOMO_PARTNER_CODE,
        access_key=settings.MOMO_ACCESS_KEY,
        secret_key=settings.MOMO_SECRET_KEY,
        **kwargs,
    )


def test_vnpay_ipn_confirms_payment_and_marks_fees_paid(client, pending_payment):
    resp = client.get(IPN, _vnpay(pending_payment))
    assert resp.json() == {"RspCode": "00", "Message": "Confirm Success"}
    pending_payment.refresh_from_db()
    assert pending_payment.status == Payment.Status.PAID
    assert pending_payment.gateway_transaction_no == "14123456"
    assert set(Fee.objects.filter(dossier=pending_payment.dossier).values_list("status", flat=True)) == {"paid"}


def test_vnpay_ipn_takes_a_fixed_number_of_statements(client, pending_payment, settings, django_assert_num_queries):
    """The gateway's call costs one conditional UPDATE of the payment, one of its fees (on
    PostgreSQL the same statement) and one INSERT of both outbox jobs (receipt, notice) in its
    transaction: what the server can answer at the gateway's rate. The jobs are written once and
    carried out after the commit."""
    from django.db import connection

    from portal.models import OutboxJob

    settings.CELERY_TASK_ALWAYS_EAGER = False  # only the rows: the jobs are not run here
    settings.OUTBOX_RELAY = True
    # savepoint (the test's transaction), payment (with its fees on PostgreSQL), fees, both jobs, release
    with django_assert_num_queries(4 if connection.vendor == "postgresql" else 5):
        resp = client.get(IPN, _vnpay(pending_payment))
    assert resp.json()["RspCode"] == "00"
    keys = set(OutboxJob.objects.values_list("key", flat=True))
    assert keys == {f"payment:{pending_payment.pk}:receipt", f"payment:{pending_payment.pk}:notice"}


def test_vnpay_ipn_repeat_answers_02_and_changes_nothing(client, pending_payment):
    client.get(IPN, _vnpay(pending_payment))
    paid_at = Payment.objects.get(pk=pending_payment.pk).paid_at
    resp = client.get(IPN, _vnpay(pending_payment, txn_no="99999999"))
    assert resp.json()["RspCode"] == "02"
    payment = Payment.objects.get(pk=pending_payment.pk)
    assert (payment.paid_at, payment.gateway_transaction_no) == (paid_at, "14123456")


def test_vnpay_ipn_tampered_amount_gets_04(client, pending_payment):
    resp = client.get(IPN, _vnpay(pending_payment, amount=pending_payment.amount - 1))
    assert resp.json()["RspCode"] == "04"
    assert Payment.objects.get(pk=pending_payment.pk).status == Payment.Status.PENDING


def test_vnpay_ipn_bad_signature_gets_97(client, pending_payment):
    params = _vnpay(pending_payment)
    params["vnp_Amount"] = "100"  # changed after signing
    assert client.get(IPN, params).json()["RspCode"] == "97"
    params = vnpay_ipn_params(pending_payment, "not-the-secret", tmn_code=settings.VNPAY_TMN_CODE)
    assert client.get(IPN, params).json()["RspCode"] == "97"
    assert Payment.objects.get(pk=pending_payment.pk).status == Payment.Status.PENDING


def test_vnpay_ipn_unknown_order_gets_01(client, pending_payment):
    pending_payment.reference = "NOSUCHORDER"
    assert client.get(IPN, _vnpay(pending_payment)).json()["RspCode"] == "01"


def test_vnpay_ipn_checks_signature_before_order(client, pending_payment):
    pending_payment.reference = "NOSUCHORDER"
    params = vnpay_ipn_params(pending_payment, "wrong", tmn_code=settings.VNPAY_TMN_CODE)
    assert client.get(IPN, params).json()["RspCode"] == "97"


def test_vnpay_ipn_cancel_then_late_success_never_reopens(client, pending_payment):
    resp = client.get(IPN, _vnpay(pending_payment, response_code="24", status="02"))
    assert resp.json()["RspCode"] == "00"
    assert Payment.objects.get(pk=pending_payment.pk).status == Payment.Status.CANCELLED
    assert client.get(IPN, _vnpay(pending_payment)).json()["RspCode"] == "02"
    assert Payment.objects.get(pk=pending_payment.pk).status == Payment.Status.CANCELLED
    assert Fee.objects.filter(dossier=pending_payment.dossier, status="due").count() == 1


def test_vnpay_return_shows_but_never_marks_paid(client, pending_payment):
    resp = client.get("/payments/vnpay/return/", _vnpay(pending_payment))
    assert resp.status_code == 200
    assert Payment.objects.get(pk=pending_payment.pk).status == Payment.Status.PENDING
    assert "Chờ xác nhận" in resp.content.decode()


def test_vnpay_return_with_bad_signature_is_refused(client, pending_payment):
    params = _vnpay(pending_payment)
    params["vnp_ResponseCode"] = "00"
    params["vnp_SecureHash"] = "0" * 128
    resp = client.get("/payments/vnpay/return/", params)
    assert resp.status_code == 400
    assert Payment.objects.get(pk=pending_payment.pk).status == Payment.Status.PENDING


def test_vnpay_return_after_cancel_shows_clear_message(client, pending_payment):
    params = _vnpay(pending_payment, response_code="24", status="02")
    client.get(IPN, params)
    body = client.get("/payments/vnpay/return/", params).content.decode()
    assert "Đã hủy thanh toán" in body


def _post_momo(client, body):
    return client.post("/payments/momo/ipn/", data=json.dumps(body), content_type="application/json")


def test_momo_ipn_answers_204_and_marks_paid(client, momo_payment):
    resp = _post_momo(client, _momo(momo_payment))
    assert resp.status_code == 204
    momo_payment.refresh_from_db()
    assert momo_payment.status == Payment.Status.PAID
    assert momo_payment.gateway_transaction_no == "2900000001"
    # a replay is acknowledged and changes nothing
    assert _post_momo(client, _momo(momo_payment, result_code=1006)).status_code == 204
    assert Payment.objects.get(pk=momo_payment.pk).status == Payment.Status.PAID


def test_momo_ipn_bad_signature_and_amount(client, momo_payment):
    body = _momo(momo_payment)
    body["amount"] = 1
    assert _post_momo(client, body).status_code == 400
    assert _post_momo(client, _momo(momo_payment, amount=Decimal(1))).status_code == 400
    assert Payment.objects.get(pk=momo_payment.pk).status == Payment.Status.PENDING


def test_momo_ipn_cancelled(client, momo_payment):
    assert _post_momo(client, _momo(momo_payment, result_code=1006)).status_code == 204
    assert Payment.objects.get(pk=momo_payment.pk).status == Payment.Status.CANCELLED


def test_momo_ipn_pending_code_changes_nothing(client, momo_payment):
    assert _post_momo(client, _momo(momo_payment, result_code=1000)).status_code == 204
    assert Payment.objects.get(pk=momo_payment.pk).status == Payment.Status.PENDING


def test_momo_return_shows_result(client, momo_payment):
    _post_momo(client, _momo(momo_payment))
    resp = client.get("/payments/momo/return/", {k: str(v) for k, v in _momo(momo_payment).items()})
    assert resp.status_code == 200
    assert "Thanh toán thành công" in resp.content.decode()


def test_sandbox_vnpay_page_refuses_bad_signature_and_expired_url(client, pending_payment, settings):
    from datetime import timedelta
    from urllib.parse import parse_qs, urlparse

    from django.utils import timezone

    from payments.providers import provider_get

    url = provider_get("vnpay").start(payment=pending_payment, client_ip="127.0.0.1")
    params = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
    assert client.get("/sandbox/vnpay/paymentv2/vpcpay.html", params).status_code == 200
    tampered = {**params, "vnp_Amount": "100"}
    resp = client.get("/sandbox/vnpay/paymentv2/vpcpay.html", tampered)
    assert resp.status_code == 400 and "Sai chữ ký" in resp.content.decode()
    Payment.objects.filter(pk=pending_payment.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    pending_payment.refresh_from_db()
    pending_payment.reference = "OTHERREF1"
    url = provider_get("vnpay").start(payment=pending_payment, client_ip="127.0.0.1")
    params = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
    resp = client.get("/sandbox/vnpay/paymentv2/vpcpay.html", params)
    assert resp.status_code == 400 and "quá thời gian" in resp.content.decode()
