import json
import time

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction

from portal.celery import app as celery_app
from portal.models import Notification, SandboxSmsMessage
from portal.notifications import (
    DeliveryResult,
    notification_enqueue,
    notification_send,
    notifications_enqueue_for,
    notifications_redeliver_pending,
)
from portal.tasks import notification_deliver_task, notifications_deliver_task
from tests.support.celery import broker_down

from .factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "http://127.0.0.1:8000/ho-so/42/"


def _enqueue(user, **kw):
    params = {
        "user": user,
        "event": "dossier.receive",
        "subject": "Hồ sơ đã được tiếp nhận: 000.00.31.H57-261122-0001",
        "body": "Hồ sơ 000.00.31.H57-261122-0001 của bà Nguyễn Thị Hường đã được tiếp nhận.",
        "sms_text": "Ho so 000.00.31.H57-261122-0001 da duoc tiep nhan.",
        "url": URL,
    }
    params.update(kw)
    return notification_enqueue(**params)


def _sms_files(settings):
    folder = settings.OUTBOX_DIR / "sms"
    return sorted(folder.glob("*.json")) if folder.exists() else []


class FailingEmailBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP server down")


def test_rows_for_each_enabled_channel_and_delivery_on_commit(django_capture_on_commit_callbacks, settings):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        rows = _enqueue(user)
    assert {r.channel for r in rows} == {"email", "sms", "inbox"}
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    assert URL in mail.outbox[0].body
    sms = _sms_files(settings)
    assert len(sms) == 1
    record = json.loads(sms[0].read_text())
    assert record["to"] == user.phone
    assert record["text"].endswith(URL)
    for row in Notification.objects.all():
        assert row.status == Notification.Status.SENT
        assert row.sent_at is not None
    assert Notification.objects.get(channel="inbox").read_at is None


def test_user_preferences_choose_channels(django_capture_on_commit_callbacks):
    user = UserFactory(notify_sms=False, notify_email=False)
    with django_capture_on_commit_callbacks(execute=True):
        rows = _enqueue(user)
    assert [r.channel for r in rows] == ["inbox"]
    assert mail.outbox == []
    no_phone = UserFactory(phone="")
    assert {r.channel for r in _enqueue(no_phone)} == {"email", "inbox"}


def test_nothing_is_sent_when_the_change_rolls_back(django_capture_on_commit_callbacks, settings):
    user = UserFactory()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError, match="the dossier transition failed"),
        transaction.atomic(),
    ):
        _enqueue(user)
        raise RuntimeError("the dossier transition failed")
    assert callbacks == []
    assert Notification.objects.count() == 0
    assert mail.outbox == []
    assert _sms_files(settings) == []


def test_the_same_event_never_makes_two_rows(django_capture_on_commit_callbacks):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        first = _enqueue(user)
        second = _enqueue(user)
    assert [r.pk for r in first] == [r.pk for r in second]
    assert Notification.objects.count() == 3
    assert len(mail.outbox) == 1
    with django_capture_on_commit_callbacks(execute=True):
        _enqueue(user, dedupe_key="event-7")
        _enqueue(user, dedupe_key="event-7", body="other text")
    assert Notification.objects.count() == 6


def test_redelivered_task_never_sends_twice(django_capture_on_commit_callbacks, settings):
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        rows = _enqueue(user)
    email = next(r for r in rows if r.channel == "email")
    # The broker redelivers the same message (acks_late after a worker crash), or beat re-publishes.
    notification_deliver_task.apply(args=[email.pk])
    notification_deliver_task.apply(args=[email.pk])
    assert notification_send(notification_id=email.pk) == DeliveryResult.ALREADY_SENT
    assert notifications_redeliver_pending(older_than_seconds=0) == 0
    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.attempts == 1


def test_failure_is_recorded_then_retried_then_given_up(django_capture_on_commit_callbacks, settings):
    settings.EMAIL_BACKEND = "tests.portal.test_notifications.FailingEmailBackend"
    settings.NOTIFICATION_MAX_ATTEMPTS = 3
    user = UserFactory(notify_sms=False)
    with django_capture_on_commit_callbacks(execute=True):
        rows = _enqueue(user)
    email = Notification.objects.get(pk=next(r.pk for r in rows if r.channel == "email"))
    assert email.status == Notification.Status.PENDING
    assert email.attempts == 1
    assert "SMTP server down" in email.last_error
    assert notification_send(notification_id=email.pk) == DeliveryResult.RETRY
    assert notification_send(notification_id=email.pk) == DeliveryResult.FAILED
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Notification.Status.FAILED, 3)
    # A failed row is not picked up again by the beat job.
    assert notifications_redeliver_pending(older_than_seconds=0) == 0


def test_recovered_channel_delivers_pending_row_once(django_capture_on_commit_callbacks, settings):
    settings.EMAIL_BACKEND = "tests.portal.test_notifications.FailingEmailBackend"
    user = UserFactory(notify_sms=False)
    with django_capture_on_commit_callbacks(execute=True):
        _enqueue(user)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notifications_redeliver_pending(older_than_seconds=0) == 1
    assert notifications_redeliver_pending(older_than_seconds=0) == 0
    assert len(mail.outbox) == 1
    assert Notification.objects.get(channel="email").status == Notification.Status.SENT


def test_broker_down_enqueue_succeeds_and_later_redelivery_sends_once(django_capture_on_commit_callbacks):
    user = UserFactory(notify_sms=False)
    started = time.monotonic()
    with broker_down(), django_capture_on_commit_callbacks(execute=True):
        rows = _enqueue(user)
    assert time.monotonic() - started < 10  # publishing gave up quickly
    assert len(rows) == 2
    email = Notification.objects.get(channel="email")
    assert (email.status, email.attempts) == (Notification.Status.PENDING, 0)
    assert mail.outbox == []
    # The broker is back (eager here): the beat job publishes the pending row.
    assert notifications_redeliver_pending(older_than_seconds=0) == 1
    assert notifications_redeliver_pending(older_than_seconds=0) == 0
    notification_deliver_task.apply(args=[email.pk])
    assert len(mail.outbox) == 1


class FailingSmsChannel:
    name = "sms"

    def address_for(self, user):
        return user.phone

    def send(self, notification):
        from portal.channels import ChannelError

        raise ChannelError("SMS gateway timeout")


def test_one_message_delivers_a_change_rows_and_a_failing_channel_does_not_hold_the_others(
    django_capture_on_commit_callbacks, monkeypatch
):
    from portal import channels

    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        rows = _enqueue(user)
    assert len(callbacks) == 1  # one publish for the email and the SMS row
    real = channels.channel_get
    monkeypatch.setattr(
        "portal.notifications.channel_get", lambda name: FailingSmsChannel() if name == "sms" else real(name)
    )
    results = notifications_deliver_task.apply(args=[[r.pk for r in rows if r.channel != "inbox"]]).get()
    assert sorted(results.values()) == [DeliveryResult.RETRY, DeliveryResult.SENT]
    assert len(mail.outbox) == 1
    sms = Notification.objects.get(channel="sms")
    assert (sms.status, sms.attempts, sms.last_error) == (Notification.Status.PENDING, 1, "SMS gateway timeout")
    # The gateway is back: the beat job publishes the pending SMS, the e-mail is not sent again.
    monkeypatch.setattr("portal.notifications.channel_get", real)
    assert notifications_redeliver_pending(older_than_seconds=0) == 1
    assert Notification.objects.get(channel="sms").status == Notification.Status.SENT
    assert len(mail.outbox) == 1


def test_beat_schedule_redelivers_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["notifications-redeliver"]
    assert entry["task"] == "portal.tasks.notifications_redeliver"
    assert entry["schedule"] <= 60
    assert "portal.tasks.notifications_redeliver" in celery_app.tasks


def test_notify_officials_by_agency_and_role(django_capture_on_commit_callbacks):
    from django.contrib.auth.models import Group

    from identity.models import OfficialProfile
    from identity.selectors import officials_with_roles
    from tests.catalog.factories import AgencyFactory

    agency, other = AgencyFactory(), AgencyFactory()
    intake = Group.objects.get_or_create(name="intake")[0]
    leader = Group.objects.get_or_create(name="leader")[0]
    wanted = UserFactory(notify_sms=False)
    wrong_role = UserFactory(notify_sms=False)
    wrong_agency = UserFactory(notify_sms=False)
    for user, ag, group in ((wanted, agency, intake), (wrong_role, agency, leader), (wrong_agency, other, intake)):
        OfficialProfile.objects.create(user=user, agency=ag)
        user.groups.add(group)
    with django_capture_on_commit_callbacks(execute=True):
        rows = notifications_enqueue_for(
            users=officials_with_roles(agency_ids=[agency.pk], roles=["intake"]),
            event="dossier.new",
            subject="Hồ sơ mới",
            body="Có hồ sơ mới cần tiếp nhận.",
            url=URL,
        )
    assert {r.user_id for r in rows} == {wanted.pk}
    assert [m.to for m in mail.outbox] == [[wanted.email]]


@pytest.mark.django_db(transaction=True)
def test_sms_http_channel_against_the_sandbox_gateway(live_server, settings):
    settings.NOTIFICATION_CHANNEL_PLUGINS = {**settings.NOTIFICATION_CHANNEL_PLUGINS, "sms": "sms-http"}
    settings.SMS_GATEWAY_URL = live_server.url + "/sandbox/sms/send/"
    user = UserFactory(notify_email=False)
    with transaction.atomic():
        _enqueue(user, sms_text="Hồ sơ 000.00.31.H57-261122-0001 đã được tiếp nhận.")
    sms = Notification.objects.get(channel="sms")
    assert sms.status == Notification.Status.SENT, sms.last_error
    received = SandboxSmsMessage.objects.get()
    assert received.to == user.phone
    assert received.text == f"Ho so 000.00.31.H57-261122-0001 da duoc tiep nhan. {URL}"
    # A retry after a lost answer carries the same reference: the gateway does not send twice.
    from portal.channels import channel_get

    channel_get("sms").send(sms)
    assert SandboxSmsMessage.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_sms_http_gateway_refusal_is_permanent(live_server, settings):
    settings.NOTIFICATION_CHANNEL_PLUGINS = {**settings.NOTIFICATION_CHANNEL_PLUGINS, "sms": "sms-http"}
    settings.SMS_GATEWAY_URL = live_server.url + "/sandbox/sms/send/"
    settings.SMS_GATEWAY_TOKEN = "not-the-sandbox-token"
    user = UserFactory(notify_email=False)
    with transaction.atomic():
        _enqueue(user)
    sms = Notification.objects.get(channel="sms")
    assert (sms.status, sms.attempts) == (Notification.Status.FAILED, 1)
    assert "401" in sms.last_error
    assert SandboxSmsMessage.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_sms_http_gateway_down_keeps_the_row_pending(settings):
    settings.NOTIFICATION_CHANNEL_PLUGINS = {**settings.NOTIFICATION_CHANNEL_PLUGINS, "sms": "sms-http"}
    settings.SMS_GATEWAY_URL = "http://127.0.0.1:1/send/"
    settings.SMS_GATEWAY_TIMEOUT = 2
    user = UserFactory(notify_email=False)
    with transaction.atomic():
        _enqueue(user)
    sms = Notification.objects.get(channel="sms")
    assert sms.status == Notification.Status.PENDING
    assert "unreachable" in sms.last_error


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_delivers_through_the_broker(settings):
    from celery.contrib.testing.worker import start_worker

    assert not celery_app.conf.task_always_eager
    # Other tests of this run publish tasks nobody consumed: start from an empty queue.
    celery_app.control.purge()
    user = UserFactory(notify_sms=False)
    with start_worker(celery_app, perform_ping_check=False, shutdown_timeout=10):
        with transaction.atomic():
            _enqueue(user)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if Notification.objects.filter(channel="email", status=Notification.Status.SENT).exists():
                break
            time.sleep(0.2)
    email = Notification.objects.get(channel="email")
    assert email.status == Notification.Status.SENT, email.last_error
    assert len(mail.outbox) == 1
