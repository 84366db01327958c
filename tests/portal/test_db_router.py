"""Read-your-writes needs to know which statements write (portal.db_router.sql_writes): those that
start with a write, and those that carry one after a NOTIFY or inside a WITH — the filing's rows
(portal.rows.rows_together), the relay's wake-up in front of an INSERT, the IPN's payment."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from catalog.selectors import agency_descendant_ids
from dossiers.models import Dossier
from portal.db_router import sql_writes
from portal.models import Notification, OutboxJob
from portal.rows import rows_insert, rows_together
from tests.identity.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_statements_our_writes_send_are_writes_and_our_reads_are_not():
    user = UserFactory()
    wake = "NOTIFY portal_outbox; " if connection.vendor == "postgresql" else ""  # as portal.relay sends it
    with CaptureQueriesContext(connection) as writes, transaction.atomic(), rows_together():
        rows_insert([Notification(user=user, channel="inbox", event="t", subject="S", body="b", dedupe_key="w1")])
        rows_insert([OutboxJob(kind="test.router", key="router:1")], unique="key", prefix=wake)
    transaction_control = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE")
    sent = [q["sql"] for q in writes.captured_queries if not q["sql"].startswith(transaction_control)]
    assert sent and all(sql_writes(sql) for sql in sent), sent
    with CaptureQueriesContext(connection) as reads:
        agency_descendant_ids(ids=[1, 2])  # a recursive WITH that only reads
        list(Dossier.objects.values_list("updated_at", flat=True)[:1])  # a column named "updated_…"
    assert not any(sql_writes(q["sql"]) for q in reads.captured_queries)


@pytest.mark.parametrize(
    ("sql", "writes"),
    [
        ("WITH paid AS (UPDATE payments_payment SET status = 'paid' RETURNING id) SELECT 1", True),
        ("NOTIFY portal_outbox; INSERT INTO portal_outboxjob (key) VALUES ('k')", True),
        ("WITH gone AS (DELETE FROM t WHERE id = 1 RETURNING id) SELECT count(*) FROM gone", True),
        ('  update "t" set x = 1', True),
        ('WITH x AS (SELECT "updated_at" FROM t) SELECT * FROM x', False),
        ('SELECT "updated_at", "inserted" FROM t', False),
    ],
)
def test_sql_writes(sql, writes):
    assert sql_writes(sql) is writes
