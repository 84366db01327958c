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
