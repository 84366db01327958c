"""The outbox relay (portal/relay.py, portal/relay_loop.py, `manage.py outbox_relay`): with
OUTBOX_RELAY on and a real broker, a request only records the work; the relay publishes it, once,
woken by NOTIFY on PostgreSQL or by its poll elsewhere. (In the test settings Celery is eager, so
what the relay publishes is carried out at once: "published" shows as "done".)"""

import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from portal.models import OutboxJob
from portal.outbox import outbox_enqueue, outbox_handler_register
from portal.relay_loop import relay_publish_due, relay_run

pytestmark = pytest.mark.django_db(transaction=True)

CARRIED_OUT: list[str] = []


@pytest.fixture(autouse=True)
def _relay_on(settings):
    CARRIED_OUT.clear()
    outbox_handler_register("test.relay", lambda *, word: CARRIED_OUT.append(word))
    settings.OUTBOX_RELAY = True
    settings.CELERY_TASK_ALWAYS_EAGER = False  # as far as the request knows, a real broker
    yield
    CARRIED_OUT.clear()


def test_the_request_records_and_the_relay_publishes_once():
    with transaction.atomic():
        outbox_enqueue(kind="test.relay", key="r:1", payload={"word": "receipt"})
    # Committed, not published: the request did not touch the broker.
    assert OutboxJob.objects.get(key="r:1").status == OutboxJob.Status.PENDING
    assert CARRIED_OUT == []

    assert relay_publish_due() == 1
    assert CARRIED_OUT == ["receipt"]
    assert OutboxJob.objects.get(key="r:1").status == OutboxJob.Status.DONE
    assert relay_publish_due() == 0  # nothing due twice
    assert CARRIED_OUT == ["receipt"]


def test_relay_command_once_publishes_what_is_due(capsys):
    with transaction.atomic():
        outbox_enqueue(kind="test.relay", key="r:cmd", payload={"word": "pdf"})
    call_command("outbox_relay", "--once")
    assert "1 row(s) published." in capsys.readouterr().out
    assert CARRIED_OUT == ["pdf"]


@pytest.mark.postgres
def test_relay_is_woken_by_notify_not_by_its_poll():
    stop = threading.Event()

    def run():
        try:
            relay_run(poll_seconds=120, stop=stop.is_set, log=lambda _m: None)
        finally:
            connection.close()

    relay = threading.Thread(target=run, daemon=True)
    relay.start()
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not _relay_listening():
            time.sleep(0.1)
        # A first job: done by the relay's first pass or its first wake-up; then it waits on NOTIFY.
        with transaction.atomic():
            outbox_enqueue(kind="test.relay", key="r:first", payload={"word": "first"})
        while time.monotonic() < deadline and CARRIED_OUT != ["first"]:
            time.sleep(0.1)
        CARRIED_OUT.clear()
        with transaction.atomic():
            outbox_enqueue(kind="test.relay", key="r:notify", payload={"word": "notice"})
            outbox_enqueue(kind="test.relay", key="r:notify2", payload={"word": "sms"})
        # Far sooner than the 120 s poll: the commit's NOTIFY woke it.
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(CARRIED_OUT) < 2:
            time.sleep(0.1)
        assert sorted(CARRIED_OUT) == ["notice", "sms"]
    finally:
        stop.set()
        with connection.cursor() as cursor:  # wake it so it sees the stop flag
            cursor.execute("NOTIFY portal_outbox")
        relay.join(timeout=130)


def _relay_listening() -> bool:
    with connection.cursor() as cursor:
        # The relay holds its advisory lock, then LISTENs, then publishes what is due.
        cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")
        return cursor.fetchone()[0] > 0


@pytest.mark.parametrize("new_only", [True, False], ids=["woken by NOTIFY", "full sweep"])
def test_a_backlog_of_published_rows_does_not_hide_a_new_one(new_only):
    """Workers behind: rows published earlier are still pending. A new row is published however
    many are pending before it (the relay once read only the first `limit` pending rows and left
    every newer one to the beat job's redelivery, a minute later)."""
    import time as clock

    from portal.relay_loop import _Published

    with transaction.atomic():
        backlog = [outbox_enqueue(kind="test.relay", key=f"r:old{i}", payload={"word": f"old{i}"}) for i in range(5)]
    published = _Published()
    published.job_ids.published_now([job.pk for job in backlog], clock.monotonic())  # not yet run
    with transaction.atomic():
        outbox_enqueue(kind="test.relay", key="r:new", payload={"word": "new"})

    assert relay_publish_due(published, limit=3, new_only=new_only) == 1
    assert CARRIED_OUT == ["new"]
    assert relay_publish_due(published, limit=3, new_only=new_only) == 0


def test_the_relay_forgets_what_it_published_once_its_window_is_over():
    """What was published is remembered for RELAY_WINDOW_SECONDS from its last publication (a
    row published again starts a new window), and the gaps for GAP_SECONDS."""
    from portal.relay_loop import GAP_SECONDS, RELAY_WINDOW_SECONDS, _Seen

    seen = _Seen()
    seen.published_now([1, 2, 3], 0.0)
    seen.published_now([5], 10.0)  # 4 has not committed yet: a gap
    seen.published_now([1], 20.0)  # 1 again, later
    assert seen.gaps == {4: 10.0}
    seen.prune(10.0 + GAP_SECONDS + 1)
    assert seen.gaps == {} and set(seen.published) == {1, 2, 3, 5}
    seen.prune(RELAY_WINDOW_SECONDS + 1)
    assert set(seen.published) == {1, 5}
    seen.prune(RELAY_WINDOW_SECONDS + 21)
    assert seen.published == {}
