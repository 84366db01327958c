"""Behind the reverse proxy, VNPay's vnp_IpAddr, the payment row and the audit trail record the
citizen's address (X-Forwarded-For through TRUSTED_PROXIES), never the proxy's or a forged one."""

from urllib.parse import parse_qs, urlsplit

import pytest

from payments import services
from payments.models import Payment
from portal.models import AuditEvent

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"
CITIZEN_IP = "198.51.100.23"


@pytest.fixture
def behind_proxy(settings):
    settings.TRUSTED_PROXIES = [f"{PROXY}/32"]
    return settings


def _vnp_ip_addr(url: str) -> str:
    return parse_qs(urlsplit(url).query)["vnp_IpAddr"][0]


def test_vnpay_page_start_sends_the_citizens_address(client, dossier, behind_proxy):
    client.force_login(dossier.citizen)
    response = client.post(
        f"/payments/dossiers/{dossier.code}/start/",
        {"provider": "vnpay"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=f"203.0.113.99, {CITIZEN_IP}",
    )
    assert response.status_code == 302
    assert _vnp_ip_addr(response["Location"]) == CITIZEN_IP
    assert Payment.objects.get(dossier=dossier).client_ip == CITIZEN_IP


def test_vnpay_api_start_sends_the_citizens_address(client, dossier, behind_proxy):
    client.force_login(dossier.citizen)
    response = client.post(
        f"/api/v1/dossiers/{dossier.code}/payments/",
        {"provider": "vnpay"},
        content_type="application/json",
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=CITIZEN_IP,
    )
    assert response.status_code == 201
    assert _vnp_ip_addr(response.json()["redirect_url"]) == CITIZEN_IP


def test_forged_forwarded_for_from_an_untrusted_peer_is_not_sent_to_vnpay(client, dossier, behind_proxy):
    client.force_login(dossier.citizen)
    response = client.post(
        f"/payments/dossiers/{dossier.code}/start/",
        {"provider": "vnpay"},
        REMOTE_ADDR="203.0.113.50",
        HTTP_X_FORWARDED_FOR=CITIZEN_IP,
    )
    assert _vnp_ip_addr(response["Location"]) == "203.0.113.50"


def test_audit_trail_records_the_citizens_address(client, dossier, behind_proxy):
    from tests.identity.factories import official

    payment = services.counter_payment_record(
        dossier=dossier, cashier=official(dossier.agency, "cashier"), method="cash"
    )
    client.force_login(dossier.citizen)
    response = client.get(f"/payments/receipts/{payment.pk}/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=CITIZEN_IP)
    assert response.status_code == 200
    event = AuditEvent.objects.get(actor=dossier.citizen, action="download")
    assert event.ip_address == CITIZEN_IP
