"""portal.prepared: the hottest reads run as server-side prepared statements on PostgreSQL."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.compiled import CompiledQuery
from portal.models import Ward
from portal.prepared import Prepared, numbered

from .factories import ProvinceFactory, WardFactory

needs_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (set DATABASE_URL)")


def test_placeholders_become_numbered_parameters_and_constants_literals():
    text, kept = numbered("SELECT a FROM t WHERE b = %s AND c LIKE 'x%%' AND d IN (%s, %s)", {1: "'draft'"})
    assert text == "SELECT a FROM t WHERE b = $1 AND c LIKE 'x%' AND d IN ('draft', $2)"
    assert kept == [0, 2]


@pytest.fixture
def wards():
    province = ProvinceFactory(code=1, name="Hà Nội", codename="ha_noi")
    return [WardFactory(code=code, name=f"Phường {code}", province=province) for code in (10, 11, 12)]


def _names(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


@needs_postgres
@pytest.mark.django_db(transaction=True)  # it closes the connection
def test_a_prepared_statement_returns_what_the_statement_returns_and_survives_a_new_connection(wards):
    sql = 'SELECT "name" FROM "portal_ward" WHERE "code" > %s AND "division_type" = %s ORDER BY "code"'
    statement = Prepared(sql, inline={1: "phường"})
    prepared = statement.sql_and_params(connection, [10, "phường"])
    assert prepared[0].startswith("EXECUTE portal_") and prepared[1] == [10]
    assert _names(*prepared) == _names(sql, [10, "phường"]) == ["Phường 11", "Phường 12"]
    # The database connection goes (CONN_MAX_AGE, a restart): the next one prepares it again.
    connection.close()
    assert _names(*statement.sql_and_params(connection, [11, "phường"])) == ["Phường 12"]


@needs_postgres
@pytest.mark.django_db
def test_compiled_reads_run_prepared_and_bind_each_calls_values(wards):
    read = CompiledQuery(lambda *, above: Ward.objects.filter(code__gt=above).order_by("code"))
    with CaptureQueriesContext(connection) as queries:
        assert [w.code for w in read.fetch(above=10)] == [11, 12]
        assert [w.code for w in read.fetch(above=11)] == [12]
    assert all(q["sql"].startswith("EXECUTE portal_") for q in queries.captured_queries)
    # The statement's text is in the logged statement, for whoever reads the log.
    assert '"portal_ward"' in queries.captured_queries[0]["sql"]


@needs_postgres
@pytest.mark.django_db
def test_prepared_statements_can_be_switched_off(wards, settings):
    settings.DB_PREPARED_STATEMENTS = False
    read = CompiledQuery(lambda *, above: Ward.objects.filter(code__gt=above).order_by("code"))
    with CaptureQueriesContext(connection) as queries:
        assert [w.code for w in read.fetch(above=10)] == [11, 12]
    assert queries.captured_queries[0]["sql"].startswith("SELECT")
