"""Faults: a Celery worker SIGKILLed in the middle of a PDF or of a notification.

A real worker subprocess (solo pool, its own queue, short Redis visibility timeout) takes the
task; the test holds a row lock on the row the task locks, so "the middle of the task" is
deterministic: the worker's database backend is seen waiting on that lock in pg_stat_activity,
then the worker is killed. Acks are late, so the message is redelivered to a second worker,
which finishes the task: one PDF, one SMS (PostgreSQL + Redis run only).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings
from django.db import connection

from tests.support.celery import celery_eager
from tests.support.world import verified_user, world_build

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

DEADLINE = 60  # seconds, upper bound of every polling loop
BASE_DIR = Path(settings.BASE_DIR)

# Unacknowledged messages come back after 1 s; kombu's Redis transport then sweeps them back
# every second (its defaults scan only every 10th poll, 10 s apart).
WORKER_BOOT = (
    "import sys; from portal.celery import app; "
    "app.conf.broker_transport_options = {**(app.conf.broker_transport_options or {}), "
    "'visibility_timeout': 1, 'unacked_restore_interval': 1, 'unacked_restore_throttle': 1}; "
    "app.worker_main(sys.argv[1:])"
)


def _database_url() -> str:
    db = settings.DATABASES["default"]
    auth = db.get("USER") or ""
    if db.get("PASSWORD"):
        auth += ":" + db["PASSWORD"]
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{db['NAME']}"


def _worker_start(queue: str, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "OUTBOX_DIR": str(settings.OUTBOX_DIR),
        "SMS_CHANNEL": "outbox",
        "DB_CONN_MAX_AGE": "0",
    }
    argv = ["worker", "--pool=solo", "-Q", queue, "--without-heartbeat", "--without-gossip", "--without-mingle"]
    argv += ["-l", "INFO", "-n", f"{queue}-{uuid.uuid4().hex[:6]}@%h"]
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-c", WORKER_BOOT, *argv], cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT
        )


def _worker_stop(worker: subprocess.Popen | None, sig: int = signal.SIGTERM) -> None:
    if worker is None or worker.poll() is not None:
        return
    os.kill(worker.pid, sig)
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait()


def _poll(check, *, what: str, worker: subprocess.Popen | None = None, log: Path | None = None):
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        if worker is not None and worker.poll() is not None:
            pytest.fail(f"worker exited ({worker.returncode}) while waiting for {what}:\n{_tail(log)}")
        time.sleep(0.1)
    pytest.fail(f"timed out waiting for {what}:\n{_tail(log)}")


def _tail(log: Path | None) -> str:
    if log is None or not log.exists():
        return ""
    return log.read_text(errors="replace")[-4000:]


def _lock_connection():
    db = settings.DATABASES["default"]
    return psycopg2.connect(
        dbname=db["NAME"],
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
    )


def _lock_waiter(locker) -> int | None:
    """The pid of a backend of the test database waiting on a row lock (not the locker)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock' AND pid <> %s",
            [settings.DATABASES["default"]["NAME"], locker.get_backend_pid()],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _queue_purge(queue: str) -> None:
    from portal.celery import app

    with contextlib.suppress(Exception), app.connection_for_write() as conn:
        conn.default_channel.queue_purge(queue)


def _kill_mid_task(*, table: str, row_id: int, publish, done, queue: str, log: Path) -> None:
    """Lock the row, publish, wait for a worker blocked on the lock, SIGKILL it, release the
    lock, start a second worker and wait until `done()`. Then the same task message must have
    been received by both workers and finished once."""
    first = second = None
    locker = _lock_connection()
    try:
        with locker.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {table} WHERE id = %s FOR UPDATE", [row_id])
        first = _worker_start(queue, log)
        task_id = publish().id
        _poll(lambda: _lock_waiter(locker), what="the worker to block on the row lock", worker=first, log=log)
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=20)
        locker.rollback()
        second = _worker_start(queue, log)
        _poll(done, what="the redelivered task to finish", worker=second, log=log)
    finally:
        _worker_stop(first, signal.SIGKILL)
        _worker_stop(second)
        locker.close()
        _queue_purge(queue)
    text = log.read_text(errors="replace")
    assert text.count(f"[{task_id}] received") == 2, _tail(log)
    assert text.count(f"[{task_id}] succeeded") == 1, _tail(log)


def test_worker_killed_mid_pdf_makes_one_pdf(tmp_path):
    from dossiers.models import IssuedDocument
    from dossiers.tasks import issued_document_generate_task

    with celery_eager():
        world = world_build(with_result=False)
    dossier = world.dossier
    doc = dossier.issued_documents.filter(kind=IssuedDocument.Kind.RECEIPT).first()
    if doc is None:
        doc = IssuedDocument.objects.create(dossier=dossier, kind=IssuedDocument.Kind.RECEIPT)
    if doc.file:  # made in-process while building: start again from a pending row
        doc.file.storage.delete(doc.file.name)
        IssuedDocument.objects.filter(pk=doc.pk).update(file="")
    key = {"dossier_id": dossier.pk, "kind": doc.kind, "event_id": doc.event_id}
    issued_dir = Path(settings.MEDIA_ROOT) / "issued"
    queue = f"killtest-{uuid.uuid4().hex}"

    def done():
        return IssuedDocument.objects.filter(pk=doc.pk).exclude(file="").exists()

    _kill_mid_task(
        table=IssuedDocument._meta.db_table,
        row_id=doc.pk,
        publish=lambda: issued_document_generate_task.apply_async(
            args=[dossier.pk, doc.kind, doc.event_id, False], queue=queue
        ),
        done=done,
        queue=queue,
        log=tmp_path / "worker.log",
    )

    rows = list(IssuedDocument.objects.filter(**key))
    assert len(rows) == 1
    issued = rows[0]
    with issued.file.open("rb") as handle:
        assert handle.read(4) == b"%PDF"
    stem = f"{dossier.code or dossier.pk}-{doc.kind}"
    files = [p for p in issued_dir.rglob("*.pdf") if p.name.startswith(stem)]
    assert files == [Path(issued.file.path)], files


def test_worker_killed_mid_sms_sends_one_sms(tmp_path):
    from portal.models import Notification
    from portal.tasks import notification_deliver_task

    user = verified_user("kill.sms@example.vn", full_name="Lê Văn Nhắn", phone="0912345678", notify_sms=True)
    note = Notification.objects.create(
        user=user,
        channel=Notification.Channel.SMS,
        event="worker-kill-test",
        subject="Ho so da duoc tiep nhan",
        body="Ho so cua ban da duoc tiep nhan.",
        address=user.phone,
        dedupe_key=uuid.uuid4().hex,
    )
    sms_dir = Path(settings.OUTBOX_DIR) / "sms"
    queue = f"killtest-{uuid.uuid4().hex}"

    def done():
        note.refresh_from_db()
        return note.status != Notification.Status.PENDING

    _kill_mid_task(
        table=Notification._meta.db_table,
        row_id=note.pk,
        publish=lambda: notification_deliver_task.apply_async(args=[note.pk], queue=queue),
        done=done,
        queue=queue,
        log=tmp_path / "worker.log",
    )

    note.refresh_from_db()
    assert note.status == Notification.Status.SENT
    assert note.attempts == 1
    sent = list(sms_dir.glob(f"*-{note.dedupe_key}.json"))
    assert len(sent) == 1, sent
    assert "0912345678" in sent[0].read_text()
