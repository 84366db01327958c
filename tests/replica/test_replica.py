"""Read replicas against a real PostgreSQL hot standby (PostgreSQL pass only).

`scripts/pg_replica.sh` streams the local primary (127.0.0.1:5432) into a standby on port 5433;
the test database pytest-django creates on the primary is replicated there. A gunicorn started
here reads the public pages from that standby (DATABASE_REPLICA_URLS), and the tests show, with
SQL on both servers and real HTTP:

- the public pages read from the replica (its `pg_stat_activity` shows the portal's connection,
  and a change the standby has not replayed yet is not on the page);
- a citizen who just filed sees the dossier at once (sticky to the primary), someone else sees it
  once the replica has it or, with replay paused, once the lag passes DATABASE_REPLICA_MAX_LAG;
- a stopped replica: every public page is still served (from the primary), no 500.

Without the standby (no PostgreSQL binaries, not root/postgres) the tests skip, except in CI
(`CI` or `REQUIRE_REPLICA` set), where they fail.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid

import psycopg2
import pytest
import requests
from django.conf import settings

from tests.chaos.test_chaos import ROOT, Proc, _database_url, _free_port, _wait
from tests.support.world import world_build

pytestmark = [pytest.mark.replica, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REPLICA_PORT = int(os.environ.get("REPLICA_PORT", "5433"))
MAX_LAG = 6.0
STICKY = 8.0
SCRIPT = ROOT / "scripts" / "pg_replica.sh"


def _replica_sql(sql: str, params=()):
    db = settings.DATABASES["default"]
    conn = psycopg2.connect(dbname=db["NAME"], user="postgres", host="127.0.0.1", port=REPLICA_PORT, connect_timeout=3)
    try:
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else None
    finally:
        conn.close()


def _primary_lsn() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return cursor.fetchone()[0]


def _replica_caught_up(lsn: str) -> bool:
    return _replica_sql("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])[0][0]


def _script(action: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "REPLICA_PORT": str(REPLICA_PORT)}
    return subprocess.run([str(SCRIPT), action], capture_output=True, text=True, timeout=180, env=env)


@pytest.fixture(scope="module")
def standby():
    if not settings.DATABASES["default"]["ENGINE"].endswith(("postgresql", "psycopg2")):
        pytest.skip("needs PostgreSQL")
    started = _script("start")
    if started.returncode != 0:
        why = f"no hot standby (scripts/pg_replica.sh start): {started.stdout}{started.stderr}"
        if os.environ.get("CI") or os.environ.get("REQUIRE_REPLICA"):
            pytest.fail(why)
        pytest.skip(why)
    yield
    if _script("status").returncode != 0:  # a test stopped it: leave it running for the next run
        _script("start")


@pytest.fixture(scope="module")
def web(standby, django_db_setup, django_db_blocker, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("replica-web")
    port = _free_port()
    db = settings.DATABASES["default"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": _database_url(),
        "DATABASE_REPLICA_URLS": f"postgres://postgres@127.0.0.1:{REPLICA_PORT}/{db['NAME']}",
        "DATABASE_REPLICA_MAX_LAG": str(MAX_LAG),
        "DATABASE_REPLICA_STICKY_SECONDS": str(STICKY),
        "DATABASE_REPLICA_CHECK_SECONDS": "0.5",
        "DB_CONN_MAX_AGE": "60",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "OUTBOX_DIR": str(settings.OUTBOX_DIR),
        "SITE_URL": f"http://127.0.0.1:{port}",
        "DEBUG": "0",
        "SANDBOX_ENABLED": "1",
        "LOOKUP_RATE": "100000/min",
        "DOSSIER_LOOKUP_RATE": "100000/m",
    }
    for name in ("PORTAL_TESTING", "REDIS_URL", "CELERY_BROKER_URL"):
        env.pop(name, None)  # eager tasks, a local cache: this server is about reads
    argv = [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    argv += ["--workers", "1", "--timeout", "60", "--log-level", "warning"]
    proc = Proc("gunicorn", argv, env, tmp / "gunicorn.log").start()
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(
            lambda: requests.get(base + "/health/", timeout=2).status_code == 200,
            what="gunicorn",
            timeout=60,
            procs=[proc],
        )
        yield base, proc
    finally:
        proc.stop()


@pytest.fixture
def world():
    from portal.celery import app

    old = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        built = world_build(with_result=False)
    finally:
        app.conf.task_always_eager = old
    lsn = _primary_lsn()
    _wait(lambda: _replica_caught_up(lsn), what="the standby to replay the test data", timeout=30)
    return built


def _token(user) -> str:
    from rest_framework.authtoken.models import Token

    return Token.objects.get_or_create(user=user)[0].key


def _file(session: requests.Session, base: str, world) -> requests.Response:
    body = {
        "procedure": world.version.code,
        "form_data": {"child_name": f"Nguyễn Văn Bé {uuid.uuid4().hex[:4]}"},
        "applicant": {"phone": "0912345678"},
        "documents": [{"key": "to-khai", "personal_document": world.personal_document.pk}],
    }
    return session.post(base + "/api/v1/dossiers/", json=body, timeout=30)


def _portal_connections_on_replica() -> int:
    return _replica_sql(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE application_name = 'portal-replica0' AND datname = current_database()"
    )[0][0]


def test_public_pages_read_from_the_replica(web, world):
    base, proc = web
    code = world.dossier.code
    procedure = requests.get(base + f"/thu-tuc/{world.version.code}/", timeout=30)
    page = requests.get(base + "/ho-so/tra-cuu/", params={"code": code}, timeout=30)
    api = requests.get(base + f"/api/v1/lookup/{code}/", timeout=30)
    assert (procedure.status_code, page.status_code, api.status_code) == (200, 200, 200), proc.tail()
    assert code in page.text and api.json()["code"] == code
    # The portal holds a connection to the standby's copy of the test database.
    assert _portal_connections_on_replica() >= 1

    # A change the standby has not replayed is not on the public page: the page is the replica's.
    from dossiers.models import Dossier

    _replica_sql("SELECT pg_wal_replay_pause()")
    try:
        before = api.json()["status"]
        Dossier.objects.filter(pk=world.dossier.pk).update(status="withdrawn")
        assert requests.get(base + f"/api/v1/lookup/{code}/", timeout=30).json()["status"] == before
    finally:
        _replica_sql("SELECT pg_wal_replay_resume()")
    lsn = _primary_lsn()
    _wait(lambda: _replica_caught_up(lsn), what="replay after resume", timeout=30)
    assert requests.get(base + f"/api/v1/lookup/{code}/", timeout=30).json()["status"] == "withdrawn"


def test_read_your_writes_then_lag_fallback(web, world):
    base, _proc = web
    citizen = requests.Session()
    citizen.headers["Authorization"] = f"Token {_token(world.owner)}"
    lsn = _primary_lsn()
    _wait(lambda: _replica_caught_up(lsn), what="the standby to catch up", timeout=30)
    _replica_sql("SELECT pg_wal_replay_pause()")
    try:
        paused_at = time.monotonic()
        filed = _file(citizen, base, world)
        assert filed.status_code == 201, filed.text
        code = filed.json()["code"]
        # The citizen who filed sees the dossier at once: their reads stay on the primary.
        assert citizen.cookies.get("portal_primary_until")
        assert citizen.get(base + f"/api/v1/lookup/{code}/", timeout=30).status_code == 200
        assert code in citizen.get(base + "/ho-so/tra-cuu/", params={"code": code}, timeout=30).text
        # Someone else reads the paused replica: not there yet (the lag is below MAX_LAG).
        if time.monotonic() - paused_at < MAX_LAG - 1:
            assert requests.get(base + f"/api/v1/lookup/{code}/", timeout=30).status_code == 404
        # Replay stays paused; once the lag passes MAX_LAG the portal reads the primary instead.
        waited = _wait(
            lambda: requests.get(base + f"/api/v1/lookup/{code}/", timeout=30).status_code == 200,
            what="the lag fallback",
            timeout=MAX_LAG + 20,
        )
        assert _replica_sql("SELECT pg_is_wal_replay_paused()")[0][0] is True
        assert not _replica_sql("SELECT 1 FROM dossiers_dossier WHERE code = %s", [code])
        found_after = time.monotonic() - paused_at
        print(f"\nlag fallback: a stranger finds it {found_after:.1f} s after replay paused ({waited:.1f} s polling)")
    finally:
        _replica_sql("SELECT pg_wal_replay_resume()")


def test_replica_that_disappears(web, world):
    base, proc = web
    code = world.dossier.code
    assert requests.get(base + f"/api/v1/lookup/{code}/", timeout=30).status_code == 200
    stopped = _script("stop")
    assert stopped.returncode == 0, stopped.stderr
    try:
        for _ in range(3):  # the first finds its replica connection broken, the next a refused connect
            answers = {
                url: requests.get(base + url, timeout=30)
                for url in (
                    "/",
                    "/thu-tuc/",
                    f"/thu-tuc/{world.version.code}/",
                    f"/ho-so/tra-cuu/?code={code}",
                    f"/api/v1/lookup/{code}/",
                    "/api/v1/services/",
                )
            }
            assert {url: r.status_code for url, r in answers.items()} == dict.fromkeys(answers, 200)
            assert code in answers[f"/ho-so/tra-cuu/?code={code}"].text
        assert "unreachable" in proc.tail() or "failed during" in proc.tail()
    finally:
        assert _script("start").returncode == 0
