"""Signed webhooks, delivered to a real HTTP receiver in the test. The receiver checks the
signature with its own implementation (hmac + hashlib, as documented in docs/national-sync.md),
never with the portal's code."""

import hashlib
import hmac
import json
import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dossiers import services as dossier_services
from integrations import services
from integrations.models import WebhookDelivery
from integrations.tasks import webhooks_due_task
from tests.dossiers.factories import PDF_BYTES, AgencyFactory

pytestmark = pytest.mark.django_db(transaction=True)


def verify(headers: dict, body: bytes, secret: str, *, tolerance: int = 300) -> bool:
    """A receiver's check: `X-DVC-Signature: t=<unix>,v1=<hex>[,v1=<hex>]`, HMAC-SHA256 of
    "<t>.<body>" with the subscription's secret; any v1 may match; the time must be recent."""
    parts = [item.split("=", 1) for item in headers["x-dvc-signature"].split(",")]
    timestamps = [v for k, v in parts if k == "t"]
    signatures = [v for k, v in parts if k == "v1"]
    if len(timestamps) != 1 or abs(time.time() - int(timestamps[0])) > tolerance:
        return False
    expected = hmac.new(secret.encode(), timestamps[0].encode() + b"." + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, s) for s in signatures)


def _file(pv, citizen):
    draft = dossier_services.dossier_draft_create(citizen=citizen, procedure_version=pv)
    dossier_services.dossier_draft_update(dossier=draft, by=citizen, form_data={"reason": "Kết hôn"})
    upload = SimpleUploadedFile("to-khai.pdf", PDF_BYTES, content_type="application/pdf")
    dossier_services.dossier_file_add(dossier=draft, by=citizen, doc_key="to-khai", upload=upload)
    return dossier_services.dossier_submit(dossier=draft, by=citizen)


@pytest.fixture
def subscription(receiver, agency, intake):
    return services.webhook_subscription_create(name="Hệ thống hộ tịch", url=receiver.url, agency=agency, by=intake)


def test_each_change_is_delivered_signed_and_the_receiver_verifies_it(receiver, subscription, pv, citizen, intake):
    d = _file(pv, citizen)
    dossier_services.dossier_receive(dossier=d, by=intake)

    assert len(receiver.requests) == 2
    events = [json.loads(r["body"]) for r in receiver.requests]
    assert [e["type"] for e in events] == ["dossier.submit", "dossier.receive"]
    assert events[1]["data"]["dossier_code"] == d.code
    assert events[1]["data"]["to_status"] == "in_processing"
    for request in receiver.requests:
        assert verify(request["headers"], request["body"], subscription.secret)
        assert not verify(request["headers"], request["body"], "whsec_wrong")
        assert not verify(request["headers"], request["body"] + b" ", subscription.secret)
        assert request["headers"]["x-dvc-event-id"] == json.loads(request["body"])["id"]
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"delivered"}


def test_another_agencys_subscription_hears_nothing(receiver, pv, citizen, intake):
    services.webhook_subscription_create(name="Khác", url=receiver.url, agency=AgencyFactory(), by=intake)
    _file(pv, citizen)
    assert receiver.requests == []


def test_during_a_rotation_both_secrets_sign_then_only_the_new_one(
    receiver, subscription, settings, pv, citizen, intake
):
    old = subscription.secret
    new = services.webhook_secret_rotate(subscription=subscription, by=intake)
    assert new != old
    d = _file(pv, citizen)
    request = receiver.requests[-1]
    assert request["headers"]["x-dvc-signature"].count("v1=") == 2
    assert verify(request["headers"], request["body"], old)
    assert verify(request["headers"], request["body"], new)

    subscription.refresh_from_db()
    subscription.previous_secret_expires_at = timezone.now() - timedelta(seconds=1)
    subscription.save()
    dossier_services.dossier_receive(dossier=d, by=intake)
    request = receiver.requests[-1]
    assert request["headers"]["x-dvc-signature"].count("v1=") == 1
    assert verify(request["headers"], request["body"], new)
    assert not verify(request["headers"], request["body"], old)


def test_a_failing_receiver_gets_the_same_event_again_with_backoff(receiver, subscription, settings, pv, citizen):
    receiver.statuses = [500, 503]
    _file(pv, citizen)
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "pending"
    assert delivery.next_attempt_at > timezone.now() + timedelta(seconds=50)  # 1 minute after the first try
    assert webhooks_due_task.delay().result == 0  # not due yet (eager: the value, no join)

    settings.WEBHOOK_BACKOFF_SECONDS = 0
    WebhookDelivery.objects.update(next_attempt_at=timezone.now())
    webhooks_due_task.delay()
    webhooks_due_task.delay()
    delivery.refresh_from_db()
    assert delivery.state == "delivered"
    assert list(delivery.attempt_rows.values_list("http_status", flat=True)) == [500, 503, 200]
    # The receiver saw one event three times: the same id, so it can keep the first.
    assert len({r["headers"]["x-dvc-event-id"] for r in receiver.requests}) == 1
    assert len(receiver.requests) == 3


def test_deliveries_are_given_up_after_72_hours(receiver, subscription, pv, citizen):
    receiver.statuses = [500, 500]
    _file(pv, citizen)
    WebhookDelivery.objects.update(
        created_at=timezone.now() - timedelta(hours=71, minutes=59), next_attempt_at=timezone.now()
    )
    webhooks_due_task.delay()
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == "failed"
    assert delivery.last_error.startswith("HTTP 500")
    assert delivery.attempts == 2


def test_a_repeated_delivery_run_sends_once(receiver, subscription, pv, citizen):
    _file(pv, citizen)
    delivery = WebhookDelivery.objects.get()
    assert services.webhook_delivery_attempt(delivery_id=delivery.pk) == "skipped"
    assert len(receiver.requests) == 1


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://example.gov.vn/hook", "https"),
        ("https://127.0.0.1/hook", "riêng"),
        ("https://10.1.2.3/hook", "riêng"),
        ("https://169.254.169.254/latest/meta-data", "riêng"),
        ("https://[::1]/hook", "riêng"),
        ("ftp://example.gov.vn/", "http"),
    ],
)
def test_private_and_local_addresses_are_refused_in_production(settings, intake, url, message):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    with pytest.raises(ValidationError, match=message):
        services.webhook_subscription_create(name="SSRF", url=url, by=intake)
