"""Two identical IPNs at the same moment produce one paid payment (PostgreSQL row locking)."""

import threading

import pytest
from django.db import connections
from django.test import Client

from payments.models import Fee, Payment, Receipt

from .gateway import vnpay_ipn_params


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicate_ipns_pay_once(pending_payment, settings):
    params = vnpay_ipn_params(pending_payment, settings.VNPAY_HASH_SECRET, tmn_code=settings.VNPAY_TMN_CODE)
    barrier = threading.Barrier(4)
    answers = []

    def hit():
        try:
            barrier.wait()
            answers.append(Client().get("/payments/vnpay/ipn/", params).json()["RspCode"])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=hit) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(answers) == ["00", "02", "02", "02"]
    assert Payment.objects.filter(status="paid").count() == 1
    assert Fee.objects.get(dossier=pending_payment.dossier).payment_id == pending_payment.pk
    assert Receipt.objects.filter(payment=pending_payment).count() == 1
