"""Fee rows, the transition guard, counter payments, refunds and e-receipts."""

from decimal import Decimal

import pytest
from django.db import transaction

from dossiers.hooks import transition_guards_check
from dossiers.signals import dossier_submitted, dossier_transitioned
from payments import services
from payments.models import Fee, Payment, Receipt, Refund
from tests.catalog.factories import AgencyFactory, ProcedureVersionFactory
from tests.identity.factories import official

from .factories import FeeDossierFactory, fee_snapshot

pytestmark = pytest.mark.django_db


def test_fee_rows_from_snapshot_on_submission_are_idempotent():
    pv = ProcedureVersionFactory(
        snapshot=fee_snapshot(fees=[("Lệ phí", "fee", "50000"), ("Phí thẩm định", "charge", "85000")])
    )
    dossier = FeeDossierFactory(procedure_version=pv)
    dossier_submitted.send(sender=None, dossier=dossier)
    dossier_submitted.send(sender=None, dossier=dossier)
    fees = list(Fee.objects.filter(dossier=dossier))
    assert [(f.name, f.kind, f.amount, f.status) for f in fees] == [
        ("Lệ phí", "fee", Decimal(50000), "due"),
        ("Phí thẩm định", "charge", Decimal(85000), "due"),
    ]


def test_free_procedure_has_no_fee_and_is_not_blocked():
    dossier = FeeDossierFactory(procedure_version=ProcedureVersionFactory(snapshot=fee_snapshot(fees=[])))
    services.fees_create_for_dossier(dossier=dossier)
    assert not Fee.objects.filter(dossier=dossier).exists()
    assert transition_guards_check(dossier=dossier, action="receive") is None
    with pytest.raises(services.PaymentError, match="không có khoản phí, lệ phí nào cần nộp"):
        services.payment_start(dossier=dossier, provider_id="vnpay", payer=dossier.citizen)


def test_guard_blocks_intake_until_paid(dossier):
    message = transition_guards_check(dossier=dossier, action="receive")
    assert "135.000" in message and "trước khi tiếp nhận" in message
    assert transition_guards_check(dossier=dossier, action="return_result") is None
    cashier = official(dossier.agency, "cashier")
    services.counter_payment_record(dossier=dossier, cashier=cashier, method="cash")
    assert transition_guards_check(dossier=dossier, action="receive") is None


def test_guard_blocks_result_for_before_result_fees():
    dossier = FeeDossierFactory(
        procedure_version=ProcedureVersionFactory(snapshot=fee_snapshot(timing="before_result"))
    )
    services.fees_create_for_dossier(dossier=dossier)
    assert transition_guards_check(dossier=dossier, action="receive") is None
    assert "trước khi trả kết quả" in transition_guards_check(dossier=dossier, action="return_result")


def test_counter_payment_scoped_to_cashier_agency(dossier, django_capture_on_commit_callbacks):
    stranger = official(AgencyFactory(), "cashier")
    with pytest.raises(services.PaymentError, match="chỉ được ghi nhận thu phí cho hồ sơ của cơ quan mình"):
        services.counter_payment_record(dossier=dossier, cashier=stranger, method="cash")
    cashier = official(dossier.agency, "cashier")
    with django_capture_on_commit_callbacks(execute=True):
        payment = services.counter_payment_record(dossier=dossier, cashier=cashier, method="card", payer_name="Trần B")
    payment.refresh_from_db()
    assert (payment.status, payment.provider, payment.method, payment.recorded_by) == (
        "paid",
        "counter",
        "card",
        cashier,
    )
    assert Fee.objects.get(dossier=dossier).status == "paid"
    assert payment.receipt.file.name.endswith(".pdf")
    with pytest.raises(services.PaymentError, match="không có khoản phí, lệ phí nào cần nộp"):  # nothing left to pay
        services.counter_payment_record(dossier=dossier, cashier=cashier, method="cash")


def test_start_refuses_disabled_provider(dossier, settings):
    settings.PAYMENT_PROVIDERS = ["counter"]
    with pytest.raises(services.PaymentError, match="Hình thức thanh toán này hiện không khả dụng"):
        services.payment_start(dossier=dossier, provider_id="vnpay", payer=dossier.citizen)
    with pytest.raises(services.PaymentError, match="Hình thức thanh toán này hiện không khả dụng"):
        services.payment_start(dossier=dossier, provider_id="counter", payer=dossier.citizen)


def test_receipt_numbers_are_sequential_per_agency_and_idempotent(django_capture_on_commit_callbacks):
    agency, other = AgencyFactory(), AgencyFactory()
    numbers = []
    for a in (agency, agency, other):
        d = FeeDossierFactory(agency=a)
        services.fees_create_for_dossier(dossier=d)
        p = services.counter_payment_record(dossier=d, cashier=official(a, "cashier"), method="cash")
        numbers.append(services.receipt_issue(payment=p))
    assert [r.sequence for r in numbers] == [1, 2, 1]
    assert numbers[0].number.endswith("-000001") and numbers[0].number.startswith(agency.code)
    again = services.receipt_issue(payment=numbers[0].payment)
    assert again.pk == numbers[0].pk and Receipt.objects.count() == 3


def test_receipt_pdf_has_amount_in_words(dossier):
    from pypdf import PdfReader

    payment = services.counter_payment_record(
        dossier=dossier, cashier=official(dossier.agency, "cashier"), method="cash"
    )
    receipt = services.receipt_issue(payment=payment)
    text = "".join(page.extract_text() for page in PdfReader(receipt.file.open("rb")).pages)
    assert receipt.number in text
    assert "Một trăm ba mươi lăm nghìn đồng" in text
    assert "135.000" in text


def test_refused_dossier_gets_refund_row(dossier, django_capture_on_commit_callbacks):
    payment = services.counter_payment_record(
        dossier=dossier, cashier=official(dossier.agency, "cashier"), method="cash"
    )
    with django_capture_on_commit_callbacks(execute=True):
        dossier_transitioned.send(
            sender=None, dossier=dossier, action="refuse", from_status="in_processing", to_status="refused", actor=None
        )
        dossier_transitioned.send(
            sender=None, dossier=dossier, action="refuse", from_status="in_processing", to_status="refused", actor=None
        )
    refund = Refund.objects.get(payment=payment)
    assert (refund.status, refund.amount, refund.provider) == ("pending", Decimal(135000), "counter")
    assert services.refund_mark_paid_out(refund=refund, by=official(dossier.agency, "cashier"))
    refund.refresh_from_db()
    assert refund.status == "done"
    assert Fee.objects.get(dossier=dossier).status == "refunded"
    assert Payment.objects.get(pk=payment.pk).status == "paid"  # the payment row itself never changes


def test_no_refund_when_procedure_says_so():
    dossier = FeeDossierFactory(procedure_version=ProcedureVersionFactory(snapshot=fee_snapshot(refund=False)))
    services.fees_create_for_dossier(dossier=dossier)
    services.counter_payment_record(dossier=dossier, cashier=official(dossier.agency, "cashier"), method="cash")
    dossier_transitioned.send(
        sender=None, dossier=dossier, action="reject_intake", from_status="submitted", to_status="rejected", actor=None
    )
    assert not Refund.objects.exists()


def test_second_payment_for_paid_fees_is_refunded(pending_payment, client, settings):
    from .gateway import vnpay_ipn_params

    dossier = pending_payment.dossier
    with transaction.atomic():
        second = services._create_payment(dossier=dossier, provider_id="vnpay", payer=dossier.citizen, client_ip="")
    Payment.objects.filter(pk=second.pk).update(status="pending")
    for p in (pending_payment, second):
        params = vnpay_ipn_params(p, settings.VNPAY_HASH_SECRET, tmn_code=settings.VNPAY_TMN_CODE)
        assert client.get("/payments/vnpay/ipn/", params).json()["RspCode"] == "00"
    assert Fee.objects.get(dossier=dossier).payment_id == pending_payment.pk
    assert Refund.objects.get().payment_id == second.pk


def test_demo_seed_is_idempotent(dossier):
    import io

    from payments import demo

    citizen = dossier.citizen
    citizen.email = "citizen1@example.vn"
    citizen.save()
    cashier = official(dossier.agency, "cashier", email="cashier@example.vn")
    bare = FeeDossierFactory(agency=dossier.agency)
    assert demo.seed(password="x", stdout=io.StringIO()) == []
    assert demo.seed(password="x", stdout=io.StringIO()) == []
    assert Fee.objects.filter(dossier=bare).count() == 1
    assert Payment.objects.filter(status="paid").count() == 1
    assert Payment.objects.get(status="paid").recorded_by == cashier
