"""The shared outbox (portal/outbox.py): a job exists only if its transaction commits, a key
makes one job, a failing effect is retried with backoff up to a bound, and a claim that never
reported back is run again once in doubt."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from portal.models import OutboxJob
from portal.outbox import (
    OutboxPermanentError,
    OutboxRetry,
    outbox_enqueue,
    outbox_handler_register,
    outbox_job_run,
    outbox_redeliver_pending,
)
from tests.support.broker import broker_down

pytestmark = pytest.mark.django_db(transaction=True)

CARRIED_OUT: list[str] = []


def _effect(*, word: str, fail: str = "") -> None:
    """A test effect: appends to a list (a side effect we can count)."""
    if fail == "retry":
        raise OutboxRetry("gateway unreachable")
    if fail == "never":
        raise OutboxPermanentError("refused for good")
    CARRIED_OUT.append(word)


@pytest.fixture(autouse=True)
def _test_kind():
    CARRIED_OUT.clear()
    outbox_handler_register("test.effect", _effect)
    yield
    CARRIED_OUT.clear()


def test_a_job_exists_only_if_its_transaction_commits_and_runs_after_commit():
    class Boom(Exception):
        pass

    with pytest.raises(Boom, match="rolled back"), transaction.atomic():
        outbox_enqueue(kind="test.effect", key="t:rollback", payload={"word": "never"})
        raise Boom("rolled back")
    assert not OutboxJob.objects.filter(key="t:rollback").exists()

    with transaction.atomic():
        outbox_enqueue(kind="test.effect", key="t:1", payload={"word": "once"})
        assert CARRIED_OUT == []  # not before commit
    assert CARRIED_OUT == ["once"]
    assert OutboxJob.objects.get(key="t:1").status == OutboxJob.Status.DONE


def test_the_same_key_makes_one_job_and_one_effect():
    for _ in range(3):
        with transaction.atomic():
            outbox_enqueue(kind="test.effect", key="t:same", payload={"word": "hello"})
    assert OutboxJob.objects.filter(key="t:same").count() == 1
    assert CARRIED_OUT == ["hello"]
    # An operator's "send again" re-arms it on purpose.
    with transaction.atomic():
        outbox_enqueue(kind="test.effect", key="t:same", payload={"word": "again"}, again=True)
    assert CARRIED_OUT == ["hello", "again"]


def test_a_failing_effect_is_retried_with_backoff_and_fails_after_the_bound(settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    with broker_down(), transaction.atomic():
        job = outbox_enqueue(kind="test.effect", key="t:retry", payload={"word": "x", "fail": "retry"})
    assert outbox_job_run(job_id=job.pk) == "retry"
    job.refresh_from_db()
    assert job.status == "pending" and job.attempts == 1 and "gateway unreachable" in job.last_error
    assert job.next_attempt_at > timezone.now() + timedelta(seconds=20)
    assert outbox_redeliver_pending(older_than_seconds=0) == 0  # not due yet
    assert outbox_job_run(job_id=job.pk) == "not_due"

    for expected in ("retry", "failed"):
        OutboxJob.objects.filter(pk=job.pk).update(next_attempt_at=timezone.now())
        assert outbox_job_run(job_id=job.pk) == expected
    job.refresh_from_db()
    assert job.status == "failed" and job.attempts == 3
    assert outbox_redeliver_pending(older_than_seconds=0) == 0


def test_a_refused_effect_fails_at_once():
    with transaction.atomic():
        outbox_enqueue(kind="test.effect", key="t:never", payload={"word": "x", "fail": "never"})
    job = OutboxJob.objects.get(key="t:never")
    assert job.status == "failed" and job.attempts == 1 and job.last_error == "refused for good"


def test_a_job_of_an_unknown_kind_waits_instead_of_failing():
    with transaction.atomic():
        outbox_enqueue(kind="test.nobody", key="t:nobody", payload={})
    job = OutboxJob.objects.get(key="t:nobody")
    assert job.status == "pending" and "no handler" in job.last_error


def test_a_claim_that_never_reported_back_is_run_again_once_in_doubt(settings):
    with broker_down(), transaction.atomic():
        job = outbox_enqueue(kind="test.effect", key="t:doubt", payload={"word": "late"})
    # A worker claimed it and died.
    OutboxJob.objects.filter(pk=job.pk).update(status="running", started_at=timezone.now(), attempts=1)
    assert outbox_redeliver_pending(older_than_seconds=0) == 0
    assert outbox_job_run(job_id=job.pk) == "in_progress"
    settings.OUTBOX_IN_DOUBT_SECONDS = 0
    assert outbox_redeliver_pending(older_than_seconds=0) == 1
    assert CARRIED_OUT == ["late"]
    assert OutboxJob.objects.get(pk=job.pk).status == "done"


def test_an_administrator_runs_failed_jobs_again_from_the_admin(settings):
    from tests.support.world import client_for, verified_user

    settings.OUTBOX_MAX_ATTEMPTS = 1
    with transaction.atomic():
        outbox_enqueue(kind="test.effect", key="t:admin", payload={"word": "x", "fail": "retry"})
    job = OutboxJob.objects.get(key="t:admin")
    assert job.status == "failed"
    OutboxJob.objects.filter(pk=job.pk).update(payload={"word": "fixed"})  # the cause was repaired

    admin = verified_user("root.outbox@example.vn", full_name="Quản trị", is_staff=True, is_superuser=True)
    response = client_for(admin).post(
        "/admin/portal/outboxjob/", {"action": "run_again", "_selected_action": [job.pk]}, follow=True
    )
    assert response.status_code == 200
    assert "Đã xếp lại 1 tác vụ vào hàng đợi." in response.content.decode()
    assert OutboxJob.objects.get(pk=job.pk).status == "done"
    assert CARRIED_OUT == ["fixed"]


def test_a_batch_writes_its_jobs_in_one_statement_after_the_block(django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from portal.outbox import outbox_batch

    with transaction.atomic():
        with CaptureQueriesContext(connection) as queries, outbox_batch():
            first = outbox_enqueue(kind="test.effect", key="t:b1", payload={"word": "one"})
            with outbox_batch():  # an inner block leaves the writing to the outer one
                outbox_enqueue(kind="test.effect", key="t:b2", payload={"word": "two"})
            outbox_enqueue(kind="test.effect", key="t:b1", payload={"word": "one"})  # the same key: one job
            assert first.pk is None and not OutboxJob.objects.filter(key__startswith="t:b").exists()
        inserts = [q["sql"] for q in queries.captured_queries if "INSERT" in q["sql"]]
        assert len(inserts) == 1
        assert CARRIED_OUT == []  # not before commit
    assert sorted(CARRIED_OUT) == ["one", "two"]
    assert OutboxJob.objects.filter(key__startswith="t:b", status=OutboxJob.Status.DONE).count() == 2


def test_a_batch_that_raises_writes_nothing():
    from portal.outbox import outbox_batch

    with pytest.raises(ValueError, match="refused"), transaction.atomic(), outbox_batch():
        outbox_enqueue(kind="test.effect", key="t:raised", payload={"word": "never"})
        raise ValueError("refused")
    assert not OutboxJob.objects.filter(key="t:raised").exists() and CARRIED_OUT == []
