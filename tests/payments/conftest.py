import pytest

from payments.models import Payment
from payments.services import _create_payment, fees_create_for_dossier

from .factories import FeeDossierFactory


@pytest.fixture
def dossier(db):
    d = FeeDossierFactory()
    fees_create_for_dossier(dossier=d)
    return d


def _pending(dossier, provider_id: str) -> Payment:
    """A payment of `dossier` started with `provider_id`, waiting for the gateway's callback."""
    from django.db import transaction

    with transaction.atomic():
        payment = _create_payment(
            dossier=dossier, provider_id=provider_id, payer=dossier.citizen, client_ip="127.0.0.1"
        )
    Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.PENDING)
    payment.refresh_from_db()
    return payment


@pytest.fixture
def pending_payment(dossier):
    """A VNPay payment waiting for its IPN."""
    return _pending(dossier, "vnpay")


@pytest.fixture
def momo_payment(dossier):
    return _pending(dossier, "momo")


@pytest.fixture
def sandbox_site(live_server, settings):
    """Point SITE_URL and the gateway URLs at the live test server (its built-in sandboxes)."""
    settings.SITE_URL = live_server.url
    settings.VNPAY_PAYMENT_URL = live_server.url + "/sandbox/vnpay/paymentv2/vpcpay.html"
    settings.VNPAY_API_URL = live_server.url + "/sandbox/vnpay/merchant_webapi/api/transaction"
    settings.MOMO_ENDPOINT = live_server.url + "/sandbox/momo"
    return live_server
