"""End to end against the built-in sandboxes over real HTTP (live server): start via the API,
pay or cancel on the sandbox page, IPN, receipt; reconciliation; refunds; daily report."""

import re
import socket
from datetime import timedelta
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from celery.exceptions import Retry
from django.template import Context, Template
from django.utils import timezone

from dossiers.signals import dossier_transitioned
from payments import selectors, services, tasks
from payments.models import Fee, Payment, Refund, SandboxTransaction

from .factories import FeeDossierFactory
from .gateway import vnpay_secure_hash

pytestmark = pytest.mark.django_db(transaction=True)


def _start(client, dossier, provider):
    client.force_login(dossier.citizen)
    resp = client.post(
        f"/api/v1/dossiers/{dossier.code}/payments/", {"provider": provider}, content_type="application/json"
    )
    assert resp.status_code == 201, resp.content
    data = resp.json()
    assert data["status"] == "pending"
    return data


def _gateway(session, url, action="confirm", lose_ipn=False, choice=None):
    """Open the sandbox page and press a button, like the browser would."""
    page = session.get(url)
    assert page.status_code == 200, page.text[:300]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    form_action = re.search(r'<form method="post" action="([^"]+)"', page.text).group(1)
    data = {"csrfmiddlewaretoken": token, "action": action}
    if choice:
        data.update(choice)
    if lose_ipn:
        data["lose_ipn"] = "1"
    base = "{0.scheme}://{0.netloc}".format(urlparse(url))
    return page, session.post(base + form_action, data=data, allow_redirects=False, timeout=30)


@pytest.fixture
def paying_dossier(db):
    dossier = FeeDossierFactory()
    services.fees_create_for_dossier(dossier=dossier)
    return dossier


def test_vnpay_journey_pay_ipn_receipt(sandbox_site, client, paying_dossier, settings):
    data = _start(client, paying_dossier, "vnpay")
    url = data["redirect_url"]
    assert url.startswith(sandbox_site.url + "/sandbox/vnpay/paymentv2/vpcpay.html?")
    params = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
    # the payment URL is signed exactly per DOMAIN.md (checked with the tests' own signer)
    assert params["vnp_SecureHash"] == vnpay_secure_hash(params, settings.VNPAY_HASH_SECRET)
    assert params["vnp_Amount"] == "13500000" and params["vnp_Version"] == "2.1.0"

    session = requests.Session()
    page, resp = _gateway(session, url, choice={"bank_code": "VCB"})
    assert "VNPAY" in page.text and "135.000" in page.text
    assert resp.status_code == 302
    location = resp.headers["Location"]
    assert location.startswith(sandbox_site.url + "/payments/vnpay/return/?")

    payment = Payment.objects.get(pk=data["id"])
    assert payment.status == "paid" and payment.bank_code == "VCB"
    assert Fee.objects.get(dossier=paying_dossier).status == "paid"
    txn = SandboxTransaction.objects.get(order_ref=payment.reference)
    assert '"RspCode": "00"' in txn.extra["ipn"]["body"] or '"RspCode":"00"' in txn.extra["ipn"]["body"]

    result = session.get(location)
    assert "Thanh toán thành công" in result.text

    receipt = client.get(f"/payments/receipts/{payment.pk}/")
    assert receipt.status_code == 200 and receipt["Content-Type"] == "application/pdf"
    assert b"".join(receipt.streaming_content).startswith(b"%PDF")
    from portal.models import Notification

    assert Notification.objects.filter(user=paying_dossier.citizen, event="payment_received").exists()

    html = Template('{% include "payments/dossier_panel.html" %}').render(Context({"dossier": paying_dossier}))
    assert "Đã nộp phí, lệ phí" in html and "Tải biên lai điện tử" in html


def test_vnpay_cancel_leaves_fee_unpaid_with_clear_message(sandbox_site, client, paying_dossier):
    data = _start(client, paying_dossier, "vnpay")
    session = requests.Session()
    _page, resp = _gateway(session, data["redirect_url"], action="cancel")
    assert Payment.objects.get(pk=data["id"]).status == "cancelled"
    assert Fee.objects.get(dossier=paying_dossier).status == "due"
    result = session.get(resp.headers["Location"])
    assert "Đã hủy thanh toán" in result.text and "chưa bị trừ tiền" in result.text
    html = Template('{% include "payments/dossier_panel.html" %}').render(Context({"dossier": paying_dossier}))
    assert "đã bị hủy" in html and "Thanh toán 135.000 đồng qua VNPay" in html


def test_momo_journey(sandbox_site, client, paying_dossier):
    data = _start(client, paying_dossier, "momo")
    assert data["redirect_url"].startswith(sandbox_site.url + "/sandbox/momo/pay/")
    session = requests.Session()
    page, resp = _gateway(session, data["redirect_url"], choice={"pay_type": "napas"})
    assert "MoMo" in page.text
    assert resp.headers["Location"].startswith(sandbox_site.url + "/payments/momo/return/?")
    txn = SandboxTransaction.objects.get(order_ref=data["reference"])
    assert txn.extra["ipn"]["status"] == 204
    payment = Payment.objects.get(pk=data["id"])
    assert payment.status == "paid" and payment.gateway_transaction_no == txn.transaction_no
    assert "Thanh toán thành công" in session.get(resp.headers["Location"]).text


@pytest.mark.parametrize("provider", ["vnpay", "momo"])
def test_reconciliation_settles_payment_whose_ipn_never_arrived(sandbox_site, client, paying_dossier, provider):
    data = _start(client, paying_dossier, provider)
    _gateway(requests.Session(), data["redirect_url"], lose_ipn=True)
    assert Payment.objects.get(pk=data["id"]).status == "pending"
    counts = services.payments_reconcile(older_than=timedelta(0))
    assert counts == {"paid": 1}
    payment = Payment.objects.get(pk=data["id"])
    assert payment.status == "paid" and payment.gateway_transaction_no
    assert Fee.objects.get(dossier=paying_dossier).status == "paid"
    assert payment.receipt.file


def test_reconciliation_expires_abandoned_payment(sandbox_site, client, paying_dossier):
    data = _start(client, paying_dossier, "vnpay")  # the payer never opens the gateway page
    assert services.payments_reconcile(older_than=timedelta(0)) == {"pending": 1}
    Payment.objects.filter(pk=data["id"]).update(expires_at=timezone.now() - timedelta(hours=1))
    assert services.payments_reconcile(older_than=timedelta(0)) == {"expired": 1}
    assert Fee.objects.get(dossier=paying_dossier).status == "due"


@pytest.mark.parametrize("provider", ["vnpay", "momo"])
def test_refund_through_gateway_on_refusal(sandbox_site, client, paying_dossier, provider):
    data = _start(client, paying_dossier, provider)
    _gateway(requests.Session(), data["redirect_url"])
    dossier_transitioned.send(
        sender=None,
        dossier=paying_dossier,
        action="refuse",
        from_status="in_processing",
        to_status="refused",
        actor=None,
    )
    refund = Refund.objects.get(payment_id=data["id"])
    assert refund.status == "done" and refund.gateway_transaction_no
    assert Fee.objects.get(dossier=paying_dossier).status == "refunded"
    assert SandboxTransaction.objects.get(order_ref=data["reference"]).status == "refunded"
    assert Payment.objects.get(pk=data["id"]).status == "paid"


def _closed_port() -> int:
    """A local port nothing listens on: connecting to it fails at once, like a gateway that is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("provider", ["vnpay", "momo"])
def test_refund_is_retried_after_a_network_error_and_goes_through_when_the_gateway_is_back(
    sandbox_site, client, paying_dossier, provider, settings
):
    data = _start(client, paying_dossier, provider)
    _gateway(requests.Session(), data["redirect_url"])
    payment = Payment.objects.get(pk=data["id"])
    down = f"http://127.0.0.1:{_closed_port()}"
    settings.VNPAY_API_URL = down + "/sandbox/vnpay/merchant_webapi/api/transaction"
    settings.MOMO_ENDPOINT = down + "/sandbox/momo"

    refund = services.refund_start(payment=payment, reason="Hồ sơ bị từ chối")  # sent on commit
    refund.refresh_from_db()
    assert refund.status == "pending" and "unreachable" in refund.message
    # A worker that meets the network error asks to run again later instead of giving up.
    with pytest.raises(Retry, match="Task can be retried"):
        tasks.refund_execute_task(refund.pk)
    assert Refund.objects.get(pk=refund.pk).status == "pending"
    assert Fee.objects.get(dossier=paying_dossier).status == "paid"

    settings.VNPAY_API_URL = sandbox_site.url + "/sandbox/vnpay/merchant_webapi/api/transaction"
    settings.MOMO_ENDPOINT = sandbox_site.url + "/sandbox/momo"
    assert tasks.refund_execute_task(refund.pk) == "done"
    refund.refresh_from_db()
    assert refund.status == "done" and refund.gateway_transaction_no
    assert Fee.objects.get(dossier=paying_dossier).status == "refunded"
    assert SandboxTransaction.objects.get(order_ref=data["reference"]).status == "refunded"
    assert Refund.objects.filter(payment=payment).count() == 1


def test_refund_the_gateway_refuses_is_final(sandbox_site, client, paying_dossier):
    data = _start(client, paying_dossier, "vnpay")
    _gateway(requests.Session(), data["redirect_url"])
    SandboxTransaction.objects.filter(order_ref=data["reference"]).update(status="refunded")  # refunded elsewhere

    refund = services.refund_start(payment=Payment.objects.get(pk=data["id"]), reason="Hồ sơ bị từ chối")
    refund.refresh_from_db()
    assert refund.status == "failed" and refund.message == "Transaction cannot be refunded"
    assert tasks.refund_execute_task(refund.pk) == "failed"  # no retry: the answer stands
    assert Fee.objects.get(dossier=paying_dossier).status == "paid"


def test_a_pending_refund_is_sent_again_when_it_is_started_again(sandbox_site, client, paying_dossier, settings):
    """The cashier's "Refund" action on a payment whose refund never reached the gateway."""
    data = _start(client, paying_dossier, "momo")
    _gateway(requests.Session(), data["redirect_url"])
    payment = Payment.objects.get(pk=data["id"])
    settings.MOMO_ENDPOINT = f"http://127.0.0.1:{_closed_port()}/sandbox/momo"
    refund = services.refund_start(payment=payment, reason="Từ chối")
    assert Refund.objects.get(pk=refund.pk).status == "pending"

    settings.MOMO_ENDPOINT = sandbox_site.url + "/sandbox/momo"
    assert services.refund_start(payment=payment, reason="Từ chối").pk == refund.pk
    assert Refund.objects.get(pk=refund.pk).status == "done"


def test_daily_report_compares_portal_and_gateway(sandbox_site, client, paying_dossier):
    data = _start(client, paying_dossier, "vnpay")
    _gateway(requests.Session(), data["redirect_url"])
    other = FeeDossierFactory(agency=paying_dossier.agency)
    services.fees_create_for_dossier(dossier=other)
    lost = _start(client, other, "vnpay")
    _gateway(requests.Session(), lost["redirect_url"], lose_ipn=True)  # gateway paid, portal still pending
    today = timezone.localdate()
    assert services.payments_check_day(day=today) == 2
    [row] = selectors.daily_report(day=today)
    assert (row["portal_count"], row["gateway_count"], row["unchecked"]) == (1, 2, 0)
    assert [m["payment"].pk for m in row["mismatches"]] == [lost["id"]]
