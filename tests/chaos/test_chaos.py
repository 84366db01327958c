"""Chaos run in production form (PostgreSQL + Redis pass only, a few minutes): its own Redis with
append-only persistence on another port, gunicorn × 3, one Celery worker, one beat with the
database scheduler and the outbox relay (OUTBOX_RELAY on: requests never publish), all started
here. A bounded load of API filings, VNPay payments whose IPN
arrives three times (two at once, one later) and intakes by an official, while the worker is
killed with SIGKILL, Redis is stopped and restarted, and the database connections are
terminated. Then, once the portal has recovered, SQL and the outbox files must show: nothing
lost, nothing twice — dossiers, payments, receipts, PDFs and messages — every paid payment with
its receipt and notice, and every IPN of a recorded payment answered 00 or 02.

CHAOS_SCALE=n multiplies the load (default 1: 36 filings, 12 payments, 8 intakes).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg2
import pytest
import requests
from django.conf import settings

from tests.payments.gateway import vnpay_ipn_params
from tests.support.world import client_for, world_build

pytestmark = [
    pytest.mark.chaos,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(settings.BASE_DIR)
SCALE = int(os.environ.get("CHAOS_SCALE", "1"))
FILINGS_PER_WAVE = 12 * SCALE
PAYMENTS = 12 * SCALE
INTAKES = 8 * SCALE
REDIS_DOWN_SECONDS = 8
RECOVERY_DEADLINE = 180  # seconds after the last fault
HTTP_TIMEOUT = 30


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    db = settings.DATABASES["default"]
    auth = db.get("USER") or ""
    if db.get("PASSWORD"):
        auth += ":" + db["PASSWORD"]
    return f"postgres://{auth}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


class Proc:
    """A child process in its own process group, stopped by the pid we started."""

    def __init__(self, name: str, argv: list[str], env: dict, log: Path):
        self.name, self.argv, self.env, self.log = name, argv, env, log
        self.popen: subprocess.Popen | None = None

    def start(self) -> Proc:
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                self.argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        return self

    def send(self, sig: int) -> None:
        if self.popen is not None and self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 20) -> None:
        if self.popen is None:
            return
        self.send(sig)
        try:
            self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.send(signal.SIGKILL)
            self.popen.wait(timeout=10)
        # Children left in the group (prefork pool) go too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""


def _wait(check, *, what: str, timeout: float, procs=()) -> float:
    from django.db import connection

    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            if check():
                return time.monotonic() - start
        except Exception:  # Redis or the database not back yet: ask again on a new connection
            connection.close()
        for proc in procs:
            if proc.popen is not None and proc.popen.poll() is not None:
                pytest.fail(f"{proc.name} exited while waiting for {what}:\n{proc.tail()}")
        time.sleep(0.5)
    pytest.fail(f"timed out after {timeout} s waiting for {what}:\n" + "\n".join(p.tail() for p in procs))


class Stack:
    """Redis (own port, AOF), gunicorn × 3, a Celery worker and beat against the test database."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.redis_port, self.web_port = _free_port(), _free_port()
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        self.base = f"http://127.0.0.1:{self.web_port}"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings",
            "DATABASE_URL": _database_url(),
            "REDIS_URL": self.redis_url,
            "CELERY_BROKER_URL": self.redis_url,
            "CELERY_TASK_ALWAYS_EAGER": "0",
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "OUTBOX_DIR": str(settings.OUTBOX_DIR),
            "SMS_CHANNEL": "outbox",
            "SITE_URL": self.base,
            "DEBUG": "0",
            "SANDBOX_ENABLED": "1",
            # Bounded recovery for a test run: short "in doubt" and redelivery periods (the tasks
            # here take well under a second), and Redis giving back a dead worker's messages soon.
            "CELERY_VISIBILITY_TIMEOUT": "20",
            "OUTBOX_IN_DOUBT_SECONDS": "15",
            "OUTBOX_REDELIVER_SECONDS": "3",
            "OUTBOX_REDELIVER_AFTER_SECONDS": "5",
            "NOTIFICATION_IN_DOUBT_SECONDS": "15",
            "NOTIFICATION_REDELIVER_SECONDS": "3",
            "NOTIFICATION_REDELIVER_AFTER_SECONDS": "5",
            "DOSSIER_PDF_REDELIVER_SECONDS": "5",
            # Requests only write the outbox rows; the relay publishes them (portal/relay.py).
            "OUTBOX_RELAY": "1",
        }
        self.env.pop("PORTAL_TESTING", None)
        self.redis = self.web = self.worker = self.beat = self.relay = None
        self.workers_started = 0

    def redis_start(self) -> None:
        argv = ["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1", "--appendonly", "yes"]
        argv += ["--appendfsync", "always", "--dir", str(self.tmp), "--save", "", "--protected-mode", "no"]
        self.redis = Proc("redis", argv, self.env, self.tmp / "redis.log").start()
        _wait(self._redis_up, what="redis", timeout=20, procs=[self.redis])

    def _redis_up(self) -> bool:
        with socket.create_connection(("127.0.0.1", self.redis_port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")

    def worker_start(self) -> None:
        self.workers_started += 1
        argv = [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool", "prefork", "--concurrency", "2"]
        argv += ["-l", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"]
        argv += ["-n", f"chaos{self.workers_started}-{uuid.uuid4().hex[:6]}@%h"]
        self.worker = Proc("worker", argv, self.env, self.tmp / f"worker{self.workers_started}.log").start()

    def start(self) -> None:
        self.redis_start()
        argv = [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"127.0.0.1:{self.web_port}"]
        argv += ["--workers", "3", "--timeout", "60", "--graceful-timeout", "5", "--log-level", "warning"]
        self.web = Proc("gunicorn", argv, self.env, self.tmp / "gunicorn.log").start()
        self.worker_start()
        argv = [sys.executable, "-m", "celery", "-A", "portal", "beat", "-l", "INFO", "--pidfile="]
        argv += ["-S", "django_celery_beat.schedulers:DatabaseScheduler"]
        self.beat = Proc("beat", argv, self.env, self.tmp / "beat.log").start()
        argv = [sys.executable, "manage.py", "outbox_relay"]
        self.relay = Proc("relay", argv, self.env, self.tmp / "relay.log").start()
        _wait(
            lambda: requests.get(self.base + "/health/", timeout=2).status_code == 200,
            what="gunicorn",
            timeout=60,
            procs=[self.web],
        )

    def procs(self) -> list[Proc]:
        return [p for p in (self.redis, self.web, self.worker, self.beat, self.relay) if p is not None]

    def stop(self) -> None:
        for proc in (self.relay, self.beat, self.worker, self.web, self.redis):
            if proc is not None:
                proc.stop()


@pytest.fixture
def stack(tmp_path):
    if shutil.which("redis-server") is None:
        pytest.skip("needs redis-server to start a Redis of its own")
    running = Stack(tmp_path)
    try:
        running.start()
        yield running
    finally:
        running.stop()


@contextlib.contextmanager
def _eager():
    from portal.celery import app

    old = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = old


def _terminate_database_connections() -> int:
    db = settings.DATABASES["default"]
    killer = psycopg2.connect(
        dbname=db["NAME"],
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or "127.0.0.1",
        port=db.get("PORT") or 5432,
    )
    try:
        killer.autocommit = True
        with killer.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = %s AND pid <> pg_backend_pid()",
                [db["NAME"]],
            )
            return cursor.fetchone()[0]
    finally:
        killer.close()


class Load:
    """What the clients sent and what they were answered."""

    def __init__(self, stack: Stack, token: str, version_code: str, document_id: int):
        self.stack, self.token, self.version_code, self.document_id = stack, token, version_code, document_id
        self.lock = threading.Lock()
        self.filings: list[tuple[float, float, int, str]] = []  # (start, seconds, status, code)
        self.payments: dict[int, str] = {}  # payment id -> dossier code
        self.ipn_answers: dict[int, list[str]] = {}
        self.statuses: Counter = Counter()
        self.intakes: dict[str, int] = {}
        self.refusals: Counter = Counter()  # (kind, status, start of the answer): why not done

    def _session(self) -> requests.Session:
        session = requests.Session()
        session.headers["Authorization"] = f"Token {self.token}"
        return session

    def _note(self, kind: str, status: int, response=None) -> None:
        with self.lock:
            self.statuses[(kind, status // 100)] += 1
            if response is not None and status >= 400:
                self.refusals[(kind, status, response.text[:120])] += 1

    def file(self, n: int) -> str | None:
        body = {
            "procedure": self.version_code,
            "form_data": {"child_name": f"Nguyễn Văn Bé {n}"},
            "applicant": {"phone": "0912345678"},
            "documents": [{"key": "to-khai", "personal_document": self.document_id}],
        }
        start = time.monotonic()
        try:
            response = self._session().post(self.stack.base + "/api/v1/dossiers/", json=body, timeout=HTTP_TIMEOUT)
        except requests.RequestException:
            self._note("filing", 0)
            return None
        code = response.json().get("code", "") if response.status_code == 201 else ""
        with self.lock:
            self.filings.append((start, time.monotonic() - start, response.status_code, code))
        self._note("filing", response.status_code, response)
        return code or None

    def pay(self, code: str) -> None:
        from payments.models import Payment

        try:
            response = self._session().post(
                self.stack.base + f"/api/v1/dossiers/{code}/payments/", json={"provider": "vnpay"}, timeout=HTTP_TIMEOUT
            )
        except requests.RequestException:
            self._note("payment", 0)
            return
        self._note("payment", response.status_code, response)
        if response.status_code != 201:
            return
        payment = Payment.objects.get(pk=response.json()["id"])
        with self.lock:
            self.payments[payment.pk] = code
            self.ipn_answers[payment.pk] = []
        params = vnpay_ipn_params(payment, settings.VNPAY_HASH_SECRET, tmn_code=settings.VNPAY_TMN_CODE)
        # VNPay sends the IPN, and again: two at once, one a moment later.
        with ThreadPoolExecutor(2) as both:
            list(both.map(lambda _: self._ipn(payment.pk, params), range(2)))
        self._ipn(payment.pk, params)

    def _ipn(self, payment_id: int, params: dict) -> None:
        try:
            response = requests.get(self.stack.base + "/payments/vnpay/ipn/", params=params, timeout=HTTP_TIMEOUT)
            answer = response.json().get("RspCode", str(response.status_code))
            self._note("ipn", response.status_code, response)
        except (requests.RequestException, ValueError):
            answer = "no answer"
            self._note("ipn", 0)
        with self.lock:
            self.ipn_answers[payment_id].append(answer)

    def receive(self, official_session: requests.Session, dossier_id: int, code: str) -> None:
        url = self.stack.base + f"/admin/dossiers/dossier/{dossier_id}/action/receive/"
        try:
            official_session.get(
                self.stack.base + f"/admin/dossiers/dossier/{dossier_id}/change/", timeout=HTTP_TIMEOUT
            )
            response = official_session.post(
                url,
                headers={"X-CSRFToken": official_session.cookies.get("csrftoken", ""), "Referer": url},
                allow_redirects=False,
                timeout=HTTP_TIMEOUT,
            )
        except requests.RequestException:
            self._note("intake", 0)
            return
        self._note("intake", response.status_code, response)
        with self.lock:
            self.intakes[code] = response.status_code


def _official_session(user, base: str) -> requests.Session:
    """A browser session of an official who signed in with password + TOTP (a session row)."""
    client = client_for(user)
    session = requests.Session()
    session.cookies.set(settings.SESSION_COOKIE_NAME, client.cookies[settings.SESSION_COOKIE_NAME].value)
    session.get(base + "/admin/", timeout=HTTP_TIMEOUT)  # the CSRF cookie
    return session


def _in_background(action) -> threading.Thread:
    thread = threading.Thread(target=action, daemon=True)
    thread.start()
    return thread


def test_chaos_nothing_lost_nothing_twice(stack, tmp_path):
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from dossiers.models import Dossier, IssuedDocument
    from payments.models import Fee, Payment, Receipt
    from portal.models import Notification, OutboxJob

    with _eager():
        world = world_build(with_result=False)
    before = set(Dossier.objects.values_list("pk", flat=True))
    load_started = timezone.now()
    token = Token.objects.create(user=world.owner).key
    load = Load(stack, token, world.version.code, world.personal_document.pk)
    faults: dict[str, float] = {}
    pool = ThreadPoolExecutor(6)

    # Wave 1: filings; the worker is killed with SIGKILL midway and started again.
    futures = [pool.submit(load.file, n) for n in range(FILINGS_PER_WAVE)]
    futures[len(futures) // 2].result()
    stack.worker.send(signal.SIGKILL)
    faults["worker killed"] = time.monotonic()
    stack.worker.popen.wait(timeout=10)
    stack.worker_start()
    codes = [f.result() for f in futures]
    to_pay = [c for c in codes if c][:PAYMENTS]

    # Wave 2: payments (IPN three times each) and filings; Redis stops for a while.
    def redis_outage():
        stack.redis.stop()
        faults["redis down"] = time.monotonic()
        time.sleep(REDIS_DOWN_SECONDS)
        stack.redis_start()
        faults["redis up"] = time.monotonic()

    outage = _in_background(redis_outage)
    futures = [pool.submit(load.pay, code) for code in to_pay]
    futures += [pool.submit(load.file, FILINGS_PER_WAVE + n) for n in range(FILINGS_PER_WAVE)]
    for future in futures:
        future.result()
    outage.join()

    # Wave 3: intakes of paid dossiers and more filings; the database drops every connection.
    paid = list(
        Dossier.objects.filter(code__in=to_pay, fees__status=Fee.Status.PAID).distinct().values_list("pk", "code")
    )[:INTAKES]
    official = _official_session(world.officials["intake"], stack.base)
    futures = [pool.submit(load.receive, official, pk, code) for pk, code in paid]
    futures += [pool.submit(load.file, 2 * FILINGS_PER_WAVE + n) for n in range(FILINGS_PER_WAVE)]
    futures[len(futures) // 3].result()
    assert _terminate_database_connections() > 0
    faults["database connections terminated"] = time.monotonic()
    from django.db import connection

    connection.close()  # ours was terminated too
    for future in futures:
        future.result()
    pool.shutdown()

    # Recovery: every side effect carried out (the worker and beat do it; nothing is run here).
    def recovered() -> bool:
        open_jobs = OutboxJob.objects.exclude(status__in=["done", "failed"]).exists()
        open_messages = Notification.objects.filter(status__in=["pending", "sending"]).exists()
        return not open_jobs and not open_messages

    recovery = _wait(recovered, what="recovery", timeout=RECOVERY_DEADLINE, procs=stack.procs())
    _report(load, faults, recovery=recovery)
    # The load did happen (a run where nothing went through proves nothing).
    assert len(to_pay) == PAYMENTS and len(load.payments) == PAYMENTS, load.refusals
    assert len(paid) == INTAKES and any(status < 400 for status in load.intakes.values()), load.refusals

    # --- Dossiers: every 201 is a dossier, no dossier without one, none twice.
    filed = [code for _s, _t, status, code in load.filings if status == 201]
    new = Dossier.objects.exclude(pk__in=before).filter(citizen=world.owner)
    assert len(filed) == len(set(filed)), "the same code answered twice"
    assert sorted(new.values_list("code", flat=True)) == sorted(filed), "lost or phantom dossiers"

    # --- Payments: paid once, and the gateway always heard the truth.
    payments = Payment.objects.filter(pk__in=load.payments)
    for payment in payments:
        answers = load.ipn_answers[payment.pk]
        assert set(answers) <= {"00", "02"}, (payment.reference, answers)
        if payment.status == Payment.Status.PAID:
            assert answers.count("00") == 1, (payment.reference, answers)
    paid_payments = payments.filter(status=Payment.Status.PAID)
    assert paid_payments.count() == len(load.payments), "a payment whose IPN arrived is not paid"
    for dossier in Dossier.objects.filter(payments__in=paid_payments).distinct():
        assert dossier.payments.filter(status=Payment.Status.PAID).count() == 1, dossier.code
        assert set(dossier.fees.values_list("status", flat=True)) == {Fee.Status.PAID}, dossier.code

    # --- Receipts and notices: one each per paid payment, one PDF each on disk.
    receipts = Receipt.objects.filter(payment__in=paid_payments)
    assert receipts.count() == paid_payments.count(), "a paid payment without its receipt"
    assert all(r.file for r in receipts), "a receipt without its PDF"
    pdfs = sorted((Path(settings.MEDIA_ROOT) / "receipts").rglob("*.pdf"))
    assert pdfs == sorted(Path(r.file.path) for r in receipts), "receipt PDFs lost or made twice"
    for payment in paid_payments:
        notices = Notification.objects.filter(event="payment_received", related_id=str(payment.pk))
        assert set(notices.values_list("channel", flat=True)) >= {"inbox"}, payment.reference
        assert not notices.exclude(status="sent").exists(), payment.reference

    # --- Intake PDFs: each received dossier has its form 01 once.
    received = Dossier.objects.filter(code__in=[c for c, s in load.intakes.items() if s < 400])
    assert received.count() == len([s for s in load.intakes.values() if s < 400])
    for dossier in received:
        assert dossier.status == "in_processing", dossier.code
        forms = IssuedDocument.objects.filter(dossier=dossier, kind=IssuedDocument.Kind.RECEIPT)
        assert forms.count() == 1 and forms.get().file, dossier.code
        stem = f"{dossier.code}-receipt"
        assert len(list((Path(settings.MEDIA_ROOT)).rglob(f"{stem}*.pdf"))) == 1, dossier.code

    # --- Messages: every row sent once; one SMS file and one email per message.
    assert not OutboxJob.objects.filter(status="failed").exists(), list(OutboxJob.objects.filter(status="failed"))
    sms_rows = Notification.objects.filter(channel="sms", status="sent")
    sms_files = list((Path(settings.OUTBOX_DIR) / "sms").glob("*.json"))
    references = Counter(json.loads(p.read_text())["reference"] for p in sms_files)
    assert set(references) == set(sms_rows.values_list("dedupe_key", flat=True)), "SMS lost"
    assert max(references.values(), default=1) == 1 and len(sms_files) == sms_rows.count(), "SMS sent twice"
    emails = list((Path(settings.OUTBOX_DIR) / "email").glob("*.eml"))
    # (The world built before the load emailed in-process, to the test's own mailbox.)
    email_rows = Notification.objects.filter(channel="email", status="sent", created_at__gte=load_started)
    header_ids = Counter(
        line.split(":", 1)[1].strip()
        for p in emails
        for line in p.read_text(errors="replace").splitlines()
        if line.startswith("X-Portal-Notification:")
    )
    assert set(header_ids) >= {str(pk) for pk in email_rows.values_list("pk", flat=True)}, "emails lost"
    assert max(header_ids.values(), default=1) == 1, "an email sent twice"


def _report(load: Load, faults: dict, *, recovery: float) -> None:
    down, up = faults.get("redis down"), faults.get("redis up")
    during = [t for s, t, _st, _c in load.filings if down and up and down <= s <= up]
    other = [t for s, t, _st, _c in load.filings if not (down and up and down <= s <= up)]

    def p95(values):
        return f"{statistics.quantiles(values, n=20)[-1] * 1000:.0f} ms" if len(values) >= 2 else "n/a"

    print("\nchaos report")
    print(f"  answers by kind and class: {dict(sorted(load.statuses.items()))}")
    for (kind, status, text), count in sorted(load.refusals.items()):
        print(f"  {count} × {kind} {status}: {text}")
    print(f"  filings: {len(load.filings)}, p95 {p95(other)}; while Redis was down: {len(during)}, p95 {p95(during)}")
    print(f"  payments: {len(load.payments)}, IPN answers: {Counter(a for v in load.ipn_answers.values() for a in v)}")
    print(f"  intakes: {Counter(load.intakes.values())}")
    print(f"  recovered {recovery:.1f} s after the load and its last fault ended")
