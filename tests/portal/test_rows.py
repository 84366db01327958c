"""portal.rows.rows_insert: new rows in one INSERT, as the ORM's save() would have stored them."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.models import Notification, OutboxJob
from portal.rows import rows_insert
from tests.identity.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_rows_get_their_ids_and_the_values_save_would_store():
    before = timezone.now()
    jobs = [OutboxJob(kind="test.rows", key=f"rows:{i}", payload={"n": i, "text": "Hồ sơ"}) for i in range(3)]
    with CaptureQueriesContext(connection) as queries:
        created = rows_insert(jobs, unique="key")
    assert len(queries) == 1
    assert set(created) == {"rows:0", "rows:1", "rows:2"}
    for i, job in enumerate(jobs):
        stored = OutboxJob.objects.get(pk=job.pk)
        assert stored.key == f"rows:{i}" and stored.payload == {"n": i, "text": "Hồ sơ"}
        assert stored.status == OutboxJob.Status.PENDING  # the field's default
        assert stored.created_at >= before - dt.timedelta(seconds=1)  # auto_now_add
        assert not job._state.adding


def test_a_repeated_unique_value_is_skipped_without_breaking_the_transaction():
    rows_insert([OutboxJob(kind="test.rows", key="rows:same")], unique="key")
    again = [OutboxJob(kind="test.rows", key="rows:same"), OutboxJob(kind="test.rows", key="rows:new")]
    created = rows_insert(again, unique="key")
    assert list(created) == ["rows:new"]
    assert again[0].pk is None and again[1].pk == created["rows:new"]
    assert OutboxJob.objects.filter(key="rows:same").count() == 1  # and the transaction still works


def test_rows_without_a_unique_column_are_all_inserted_in_order():
    user = UserFactory()
    rows = [
        Notification(user=user, channel="inbox", event="t", subject=f"S{i}", body="b", dedupe_key=f"k{i}")
        for i in range(4)
    ]
    created = rows_insert(rows)
    assert len(created) == 4
    assert [Notification.objects.get(pk=row.pk).subject for row in rows] == ["S0", "S1", "S2", "S3"]


def _notification(user, i):
    return Notification(user=user, channel="inbox", event="t", subject=f"S{i}", body="b", dedupe_key=f"t{i}")


def test_rows_of_several_tables_go_together_in_one_statement_on_postgresql():
    """rows_together: the inserts of the block are sent with the first one that needs an answer
    (here the jobs' `unique`), in one statement; every row gets its id and is stored, and the
    answer is the jobs' own (a repeated key skipped)."""
    from portal.rows import rows_together

    user = UserFactory()
    rows_insert([OutboxJob(kind="test.rows", key="together:old")], unique="key")
    notes = [_notification(user, i) for i in range(3)]
    jobs = [OutboxJob(kind="test.rows", key=key) for key in ("together:old", "together:new")]
    together = connection.vendor == "postgresql"  # elsewhere each insert is sent at once
    with CaptureQueriesContext(connection) as queries, rows_together():
        rows_insert(notes[:2])
        rows_insert(notes[2:])
        assert all(note.pk is None for note in notes) == together  # not sent yet
        created = rows_insert(jobs, unique="key")
    assert len(queries) == (1 if together else 3)
    assert list(created) == ["together:new"] and jobs[0].pk is None and jobs[1].pk == created["together:new"]
    assert [Notification.objects.get(pk=note.pk).subject for note in notes] == ["S0", "S1", "S2"]


def test_rows_together_are_sent_at_the_end_of_the_block_and_not_if_it_raises():
    from portal.rows import rows_together

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: elsewhere each insert is sent at once")
    user = UserFactory()
    with rows_together():
        rows_insert([_notification(user, 1)])
        with rows_together():  # an inner block is part of the outer one
            rows_insert([_notification(user, 2)])
    assert set(Notification.objects.filter(user=user).values_list("subject", flat=True)) == {"S1", "S2"}
    with pytest.raises(RuntimeError), rows_together():
        rows_insert([_notification(user, 3)])
        raise RuntimeError
    assert not Notification.objects.filter(user=user, subject="S3").exists()
