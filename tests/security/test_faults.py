"""Fault tolerance: broken infrastructure never loses a citizen's work nor shows a 500.

- Redis (broker and cache) down while a citizen submits: the dossier is saved, the citizen sees
  success; once Redis is back the outbox redelivery job hands the filing's notice job to the
  broker, and each notice it writes is delivered exactly once (`redis` + `postgres` run).
- The database connection dropped (backend terminated) between requests: the next request
  recovers without a restart (`postgres` run).
- Population registry and payment gateway down: a clear message, no 500, nothing lost
  (every run).
"""

from __future__ import annotations

import contextlib

import pytest
from django.core import mail
from django.db import transaction
from django.test import Client

from tests.support.celery import CLOSED_BROKER, broker_down
from tests.support.html import by_class, is_vietnamese, texts
from tests.support.world import world_build


@contextlib.contextmanager
def redis_down(settings):
    """Broker and cache at a closed port for what runs inside; restored afterwards."""
    old_caches = settings.CACHES
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CLOSED_BROKER,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    try:
        with broker_down():
            yield
    finally:
        settings.CACHES = old_caches


def _drain_queue(app, *, limit: int = 200) -> list[str]:
    """Consume the default Celery queue through the real broker and run each task here, the way
    a worker would. Returns the task names, in order. Bounded; blocks at most 2 s at the end."""
    ran = []
    with app.connection_for_read() as connection:
        queue = connection.SimpleQueue(app.conf.task_default_queue, no_ack=False)
        try:
            for _ in range(limit):
                try:
                    message = queue.get(block=True, timeout=2)
                except queue.Empty:
                    break
                name = message.headers["task"]
                args, kwargs, _embed = message.decode()
                app.tasks[name].apply(args=args, kwargs=kwargs)
                message.ack()
                ran.append(name)
        finally:
            queue.close()
    return ran


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_redis_down_while_submitting_then_notifications_delivered_exactly_once(settings):
    from dossiers.models import Dossier, Status
    from dossiers.services.submission import FILED_NOTICE_JOB
    from portal.celery import app
    from portal.models import Notification, OutboxJob
    from portal.notifications import notifications_redeliver_pending
    from portal.outbox import outbox_redeliver_pending

    world = world_build(with_result=False)
    client = Client(raise_request_exception=False)
    client.force_login(world.owner)
    app.control.purge()
    # The world's own jobs (the filing notices of its dossier) run first: this test is about the draft's.
    outbox_redeliver_pending(older_than_seconds=0)
    _drain_queue(app)
    mail.outbox.clear()
    before = set(Notification.objects.values_list("pk", flat=True))

    with redis_down(settings):
        response = client.post(f"/ho-so/{world.draft.pk}/buoc/review/", {"action": "submit"}, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == f"/ho-so/{world.draft.pk}/"
    assert texts(response, f"{by_class('alert-success')}"), "the citizen sees no success message"
    dossier = Dossier.objects.get(pk=world.draft.pk)
    assert dossier.status == Status.SUBMITTED and dossier.code
    # The notices are an outbox job of the filing, kept in its transaction.
    job = OutboxJob.objects.get(kind=FILED_NOTICE_JOB, payload__dossier_id=dossier.pk)
    assert job.status == OutboxJob.Status.PENDING, "the notices of the submission were not kept in the outbox"
    assert len(mail.outbox) == 0

    # Redis is back: the redelivery job publishes the outbox, a worker consumes it: the job
    # writes the notices, which are delivered in turn.
    assert outbox_redeliver_pending(older_than_seconds=0) >= 1
    ran = _drain_queue(app)
    assert "portal.tasks.outbox_deliver" in ran and "portal.tasks.notifications_deliver" in ran
    job.refresh_from_db()
    assert job.status == OutboxJob.Status.DONE
    delivered = Notification.objects.exclude(pk__in=before).filter(subject__contains=dossier.code)
    assert {n.user_id for n in delivered} >= {world.owner.pk}
    pending_ids = set(delivered.values_list("pk", flat=True))
    assert set(delivered.values_list("status", flat=True)) == {Notification.Status.SENT}
    assert not Notification.objects.filter(status=Notification.Status.PENDING).exists()
    sent_emails = _emailed_notification_ids()
    assert set(delivered.filter(channel="email").values_list("pk", flat=True)) <= set(sent_emails)
    assert len(sent_emails) == len(set(sent_emails)), "a notification was emailed twice"

    # The job runs again (beat) and the broker redelivers messages: nothing is sent twice.
    assert notifications_redeliver_pending(older_than_seconds=0) == 0
    from portal.tasks import notification_deliver_task

    for notification_id in pending_ids:
        notification_deliver_task.delay(notification_id)
    _drain_queue(app)
    assert _emailed_notification_ids() == sent_emails
    assert all(n.attempts == 1 for n in delivered.exclude(channel="inbox"))


def _emailed_notification_ids() -> list[int]:
    return [
        int(m.extra_headers["X-Portal-Notification"]) for m in mail.outbox if "X-Portal-Notification" in m.extra_headers
    ]


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_redis_down_while_an_official_receives_then_the_intake_receipt_is_issued_once(settings):
    from dossiers.models import Dossier, Status
    from portal.celery import app
    from tests.support.world import client_for

    world = world_build(with_result=False)
    dossier = world.dossier
    from payments.services import counter_payment_record

    counter_payment_record(dossier=dossier, cashier=world.officials["cashier"], method="cash", payer_name="Chủ")
    client = client_for(world.officials["intake"], raise_request_exception=False)
    app.control.purge()

    with redis_down(settings):
        response = client.post(f"/admin/dossiers/dossier/{dossier.pk}/action/receive/")
    assert response.status_code < 500
    assert Dossier.objects.get(pk=dossier.pk).status == Status.IN_PROCESSING

    # While the broker was down the receipt is only recorded as due: no file yet.
    issued = Dossier.objects.get(pk=dossier.pk).issued_documents.filter(kind="receipt")
    assert issued.count() == 1
    assert not issued.get().file

    # Redis is back: the redelivery job queues the pending PDF and a worker renders it.
    from dossiers.issued_pdfs import issued_documents_redeliver_pending

    assert issued_documents_redeliver_pending(older_than_seconds=0) == 1
    assert "portal.tasks.outbox_deliver" in _drain_queue(app)
    assert issued.count() == 1
    receipt = issued.get()
    assert receipt.file and receipt.file.read().startswith(b"%PDF")

    # The job runs again (beat): nothing is pending, no second receipt.
    assert issued_documents_redeliver_pending(older_than_seconds=0) == 0
    _drain_queue(app)
    assert issued.count() == 1


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_redis_down_during_a_vnpay_ipn_answers_00_then_receipt_and_notice_are_delivered_once(settings):
    """The IPN is answered from what was committed; the receipt and the "payment received"
    notice wait in the outbox and go out once when Redis is back."""
    from pathlib import Path

    from payments.models import Payment, Receipt
    from payments.services import _create_payment, fees_create_for_dossier
    from portal.celery import app
    from portal.models import Notification, OutboxJob
    from portal.outbox import outbox_redeliver_pending
    from portal.tasks import outbox_deliver_task
    from tests.payments.gateway import vnpay_ipn_params

    world = world_build(with_result=False)
    dossier = world.dossier
    fees_create_for_dossier(dossier=dossier)
    with transaction.atomic():
        payment = _create_payment(dossier=dossier, provider_id="vnpay", payer=dossier.citizen, client_ip="127.0.0.1")
    Payment.objects.filter(pk=payment.pk).update(status=Payment.Status.PENDING)
    params = vnpay_ipn_params(payment, settings.VNPAY_HASH_SECRET, tmn_code=settings.VNPAY_TMN_CODE)
    client = Client(raise_request_exception=False)
    app.control.purge()
    # The world's own jobs (the filing notices of its dossier) run first: this test is about the IPN's.
    outbox_redeliver_pending(older_than_seconds=0)
    _drain_queue(app)
    mail.outbox.clear()

    with redis_down(settings):
        first = client.get("/payments/vnpay/ipn/", params)
        again = client.get("/payments/vnpay/ipn/", params)
    assert first.json()["RspCode"] == "00", "a recorded payment must be confirmed to the gateway"
    assert again.json()["RspCode"] == "02"
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.PAID
    jobs = OutboxJob.objects.filter(key__startswith=f"payment:{payment.pk}:")
    assert sorted(jobs.values_list("kind", "status")) == [
        ("payments.paid_notice", "pending"),
        ("payments.receipt", "pending"),
    ]

    # Redis is back: the beat job publishes the outbox, a worker consumes it (and the
    # notifications the notice writes), once.
    assert outbox_redeliver_pending(older_than_seconds=0) == 2
    ran = _drain_queue(app)
    assert ran.count("portal.tasks.outbox_deliver") == 2 and "portal.tasks.notifications_deliver" in ran
    assert set(jobs.values_list("status", flat=True)) == {"done"}
    receipt = Receipt.objects.get(payment=payment)
    assert sorted((Path(settings.MEDIA_ROOT) / "receipts").rglob("*.pdf")) == [Path(receipt.file.path)]
    notices = Notification.objects.filter(user=dossier.citizen, event="payment_received")
    assert set(notices.values_list("status", flat=True)) == {Notification.Status.SENT}
    emailed = _emailed_notification_ids()
    assert len(emailed) == len(set(emailed))

    # The beat job again and duplicated messages: nothing happens twice.
    assert outbox_redeliver_pending(older_than_seconds=0) == 0
    for job in jobs:
        outbox_deliver_task.delay(job.pk)
    _drain_queue(app)
    assert Receipt.objects.filter(payment=payment).count() == 1
    assert _emailed_notification_ids() == emailed
    assert sorted((Path(settings.MEDIA_ROOT) / "receipts").rglob("*.pdf")) == [Path(receipt.file.path)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_dropped_database_connection_is_recovered_by_the_next_request(settings):
    """A persistent connection (CONN_MAX_AGE) whose backend is terminated by the server: the next
    request through the real WSGI handler reconnects (CONN_HEALTH_CHECKS) instead of failing."""
    import psycopg2
    from django.core.handlers.wsgi import WSGIHandler
    from django.db import connection
    from werkzeug.test import Client as WsgiClient

    assert settings.DATABASES["default"]["CONN_MAX_AGE"] > 0
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"]
    client = WsgiClient(WSGIHandler())
    assert client.get("/health/ready/").status_code == 200
    assert connection.connection is not None, "the connection was not kept between requests"
    pid = connection.connection.get_backend_pid()

    params = connection.get_connection_params()
    killer = psycopg2.connect(
        **{k: v for k, v in params.items() if k in ("dbname", "user", "password", "host", "port")}
    )
    try:
        killer.autocommit = True
        with killer.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            assert cursor.fetchone()[0] is True
    finally:
        killer.close()

    response = client.get("/health/ready/")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert connection.connection.get_backend_pid() != pid
    # And after an explicit close, too.
    connection.close()
    assert client.get("/health/ready/").status_code == 200


# --- Gateways and the registry down (every run) ------------------------------------------------------


@pytest.mark.django_db
def test_payment_gateway_down_gives_a_clear_message_and_keeps_the_dossier_payable(settings):
    from payments.models import Payment

    world = world_build(with_result=False)
    settings.MOMO_ENDPOINT = "http://127.0.0.1:1/momo"
    client = Client(raise_request_exception=False)
    client.force_login(world.owner)
    response = client.post(f"/payments/dossiers/{world.dossier.code}/start/", {"provider": "momo"}, follow=True)
    assert response.status_code == 200
    shown = texts(response, f"{by_class('alert-error')}") + texts(response, f"{by_class('alert-warning')}")
    assert shown and any(is_vietnamese(t) for t in shown), shown
    assert not Payment.objects.filter(dossier=world.dossier, status=Payment.Status.PAID).exists()
    # The other gateway still works: the citizen can pay.
    again = client.post(f"/payments/dossiers/{world.dossier.code}/start/", {"provider": "vnpay"})
    assert again.status_code == 302 and "/sandbox/vnpay/" in again["Location"]


@pytest.mark.django_db
def test_population_registry_down_gives_a_calm_message(settings):
    settings.REGISTRY_URL = "http://127.0.0.1:1/registry"
    settings.REGISTRY_RETRIES = 0
    world = world_build(with_result=False)
    client = Client(raise_request_exception=False)
    client.force_login(world.owner)
    response = client.post("/tai-khoan/xac-minh/dan-cu/", follow=True)
    assert response.status_code == 200
    shown = texts(response, f"{by_class('alert-warning')}")
    assert shown and all(is_vietnamese(t) for t in shown), shown
    world.owner.refresh_from_db()
    assert world.owner.identity_level == 2  # nothing was taken away
