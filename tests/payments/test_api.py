"""POST /api/v1/dossiers/{code}/payments/ and the receipt pages' permissions."""

import pytest

from payments import services
from payments.models import Payment
from tests.catalog.factories import AgencyFactory, ProcedureVersionFactory
from tests.identity.factories import UserFactory, official
from tests.support.mfa import staff_login

from .factories import FeeDossierFactory, fee_snapshot

pytestmark = pytest.mark.django_db


def _post(client, code, provider="vnpay"):
    return client.post(f"/api/v1/dossiers/{code}/payments/", {"provider": provider}, content_type="application/json")


def test_start_vnpay_payment(client, dossier):
    client.force_login(dossier.citizen)
    resp = _post(client, dossier.code)
    assert resp.status_code == 201
    body = resp.json()
    assert set(body) >= {"id", "status", "redirect_url"}
    assert body["status"] == "pending" and body["amount"] == "135000"
    assert "vnp_SecureHash=" in body["redirect_url"]
    assert Payment.objects.get(pk=body["id"]).fees.count() == 1


def test_start_requires_owner_and_valid_provider(client, dossier):
    assert _post(client, dossier.code).status_code in (401, 403)
    client.force_login(UserFactory())
    assert _post(client, dossier.code).status_code == 403
    client.force_login(dossier.citizen)
    assert _post(client, dossier.code, provider="bitcoin").status_code == 400
    assert _post(client, "NO-SUCH-CODE").status_code == 404


def test_start_free_dossier_is_refused_with_message(client):
    dossier = FeeDossierFactory(procedure_version=ProcedureVersionFactory(snapshot=fee_snapshot(fees=[])))
    services.fees_create_for_dossier(dossier=dossier)
    client.force_login(dossier.citizen)
    resp = _post(client, dossier.code)
    assert resp.status_code == 400
    assert "không có khoản phí" in resp.json()["detail"]


def test_html_start_redirects_to_gateway(client, dossier):
    client.force_login(dossier.citizen)
    resp = client.post(f"/payments/dossiers/{dossier.code}/start/", {"provider": "vnpay"})
    assert resp.status_code == 302 and "/sandbox/vnpay/paymentv2/vpcpay.html?" in resp["Location"]


def test_receipt_download_permissions(client, dossier):
    payment = services.counter_payment_record(
        dossier=dossier, cashier=official(dossier.agency, "cashier"), method="cash"
    )
    url = f"/payments/receipts/{payment.pk}/"
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    staff_login(client, official(AgencyFactory(), "cashier"))
    assert client.get(url).status_code == 403
    staff_login(client, official(dossier.agency, "intake"))
    assert client.get(url).status_code == 200
    client.force_login(dossier.citizen)
    resp = client.get(url)
    assert resp.status_code == 200 and resp["Content-Type"] == "application/pdf"


def test_receipt_check_page_is_public_without_personal_data(client, dossier):
    payment = services.counter_payment_record(
        dossier=dossier, cashier=official(dossier.agency, "cashier"), method="cash"
    )
    receipt = services.receipt_issue(payment=payment)
    resp = client.get(f"/payments/receipts/check/{receipt.number}/")
    body = resp.content.decode()
    assert resp.status_code == 200 and receipt.number in body and "có giá trị" in body
    assert dossier.citizen.full_name not in body
    assert client.get("/payments/receipts/check/NOPE/").status_code == 404


def test_counter_desk_page(client, dossier):
    cashier = official(dossier.agency, "cashier")
    staff_login(client, cashier)
    page = client.get("/payments/counter/", {"code": dossier.code})
    assert page.status_code == 200 and "135.000" in page.content.decode()
    resp = client.post(f"/payments/counter/?code={dossier.code}", {"method": "cash", "payer_name": "Lê C"})
    assert resp.status_code == 302
    payment = Payment.objects.get(dossier=dossier)
    assert (payment.status, payment.payer_name) == ("paid", "Lê C")
    staff_login(client, official(AgencyFactory(), "cashier"))
    page = client.get("/payments/counter/", {"code": dossier.code})
    assert "Không có hồ sơ nào của cơ quan bạn" in page.content.decode()
    client.force_login(dossier.citizen)
    assert client.get("/payments/counter/").status_code == 403
