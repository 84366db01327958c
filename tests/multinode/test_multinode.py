"""Many nodes, proven (PostgreSQL + Redis pass only, about a minute): two gunicorn nodes on
different ports and two Celery workers against the same PostgreSQL and a Redis of the test's own,
with one beat and the outbox relay, all started here (the chaos test's harness). A bounded mixed
load goes through both nodes — API filings, VNPay payments whose IPN arrives at both nodes,
public lookups — and midway one web node and one worker are killed with SIGKILL.

Then SQL and the outbox files must show: every filing answered 201 is one dossier, no filing made
two; every payment whose IPN was answered is paid once, with one receipt and its notice; no outbox
job or notification lost or sent twice. And every request either succeeded or failed cleanly: a
connection error or a 5xx, only from the killed node.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from django.conf import settings

from tests.chaos.test_chaos import HTTP_TIMEOUT, Proc, Stack, _eager, _free_port, _wait
from tests.payments.gateway import vnpay_ipn_params
from tests.support.world import world_build

pytestmark = [
    pytest.mark.multinode,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

FILINGS = 30
PAYMENTS = 10
RECOVERY_DEADLINE = 90


class Cluster(Stack):
    """Redis, two web nodes, two workers, beat and the relay."""

    def __init__(self, tmp: Path):
        super().__init__(tmp)
        self.env["LOOKUP_RATE"] = "100000/min"
        self.nodes: dict[str, Proc] = {}
        self.bases: dict[str, str] = {}
        self.workers: list[Proc] = []

    def node_start(self, name: str) -> None:
        port = _free_port()
        argv = [sys.executable, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"127.0.0.1:{port}"]
        argv += ["--workers", "2", "--timeout", "60", "--graceful-timeout", "5", "--log-level", "warning"]
        argv += ["--name", f"portal-{name}"]
        self.nodes[name] = Proc(f"web {name}", argv, self.env, self.tmp / f"web-{name}.log").start()
        self.bases[name] = f"http://127.0.0.1:{port}"

    def start(self) -> None:
        self.redis_start()
        for name in ("a", "b"):
            self.node_start(name)
        for n in (1, 2):
            argv = [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool", "prefork", "--concurrency", "1"]
            argv += ["-l", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"]
            argv += ["-n", f"node{n}-{uuid.uuid4().hex[:6]}@%h"]
            self.workers.append(Proc(f"worker {n}", argv, self.env, self.tmp / f"worker{n}.log").start())
        argv = [sys.executable, "-m", "celery", "-A", "portal", "beat", "-l", "INFO", "--pidfile="]
        argv += ["-S", "django_celery_beat.schedulers:DatabaseScheduler"]
        self.beat = Proc("beat", argv, self.env, self.tmp / "beat.log").start()
        self.relay = Proc("relay", [sys.executable, "manage.py", "outbox_relay"], self.env, self.tmp / "relay.log")
        self.relay.start()
        for name, base in self.bases.items():
            _wait(
                lambda base=base: requests.get(base + "/health/", timeout=2).status_code == 200,
                what=f"web node {name}",
                timeout=90,
                procs=[self.nodes[name]],
            )

    def procs(self) -> list[Proc]:
        return [p for p in (self.redis, *self.nodes.values(), *self.workers, self.beat, self.relay) if p is not None]

    def stop(self) -> None:
        for proc in reversed(self.procs()):
            proc.stop()


@pytest.fixture
def cluster(tmp_path):
    import shutil

    if shutil.which("redis-server") is None:
        pytest.skip("needs redis-server to start a Redis of its own")
    running = Cluster(tmp_path)
    try:
        running.start()
        yield running
    finally:
        running.stop()


class Traffic:
    """Every request sent: (kind, node, status or 'connection error', time sent)."""

    def __init__(self, cluster: Cluster, token: str):
        self.cluster, self.token = cluster, token
        self.lock = threading.Lock()
        self.log: list[tuple[str, str, object, float]] = []
        self.filed: dict[str, str] = {}  # child name -> dossier code (201 only)
        self.sent_names: dict[str, str] = {}  # child name -> node
        self.payments: dict[int, list[str]] = {}  # payment id -> IPN answers
        self.killed_at: float | None = None

    def _send(self, kind: str, node: str, method: str, path: str, **kwargs):
        session = requests.Session()
        if kind in ("filing", "payment"):
            session.headers["Authorization"] = f"Token {self.token}"
        try:
            response = session.request(method, self.cluster.bases[node] + path, timeout=HTTP_TIMEOUT, **kwargs)
            outcome: object = response.status_code
        except requests.RequestException:
            response, outcome = None, "connection error"
        with self.lock:
            self.log.append((kind, node, outcome, time.monotonic()))
        return response

    def file(self, n: int, node: str, version_code: str, document_id: int) -> str | None:
        name = f"Trần Văn Nút {n}-{uuid.uuid4().hex[:6]}"
        body = {
            "procedure": version_code,
            "form_data": {"child_name": name},
            "applicant": {"phone": "0912345678"},
            "documents": [{"key": "to-khai", "personal_document": document_id}],
        }
        with self.lock:
            self.sent_names[name] = node
        response = self._send("filing", node, "POST", "/api/v1/dossiers/", json=body)
        if response is not None and response.status_code == 201:
            code = response.json()["code"]
            with self.lock:
                self.filed[name] = code
            return code
        return None

    def lookup(self, code: str, node: str) -> None:
        self._send("lookup", node, "GET", f"/api/v1/lookup/{code}/")

    def pay(self, code: str, node: str) -> None:
        from payments.models import Payment

        response = self._send("payment", node, "POST", f"/api/v1/dossiers/{code}/payments/", json={"provider": "vnpay"})
        if response is None or response.status_code != 201:
            return
        payment = Payment.objects.get(pk=response.json()["id"])
        params = vnpay_ipn_params(payment, settings.VNPAY_HASH_SECRET, tmn_code=settings.VNPAY_TMN_CODE)
        answers = []
        for ipn_node in ("a", "b"):  # VNPay retries: the IPN reaches both nodes
            ipn = self._send("ipn", ipn_node, "GET", "/payments/vnpay/ipn/", params=params)
            if ipn is not None and ipn.status_code == 200:
                answers.append(ipn.json().get("RspCode"))
        with self.lock:
            self.payments[payment.pk] = answers


def test_two_nodes_two_workers_one_of_each_killed(cluster):
    from rest_framework.authtoken.models import Token

    from dossiers.models import Dossier
    from payments.models import Payment, Receipt
    from portal.models import Notification, OutboxJob

    started = time.monotonic()
    with _eager():
        world = world_build(with_result=False)
    before = set(Dossier.objects.values_list("pk", flat=True))
    traffic = Traffic(cluster, Token.objects.create(user=world.owner).key)
    version, document = world.version.code, world.personal_document.pk
    pool = ThreadPoolExecutor(6)

    # First half: filings through both nodes, lookups of what was filed.
    futures = [pool.submit(traffic.file, n, "ab"[n % 2], version, document) for n in range(FILINGS // 2)]
    codes = [f.result() for f in futures]
    assert all(codes), "before any fault every filing succeeds"
    futures = [pool.submit(traffic.lookup, code, "ab"[n % 2]) for n, code in enumerate(codes)]
    # Second half, and the kill in its middle: payments (IPN to both nodes), filings, lookups.
    futures += [pool.submit(traffic.pay, code, "ab"[n % 2]) for n, code in enumerate(codes[:PAYMENTS])]
    futures += [pool.submit(traffic.file, n, "ab"[n % 2], version, document) for n in range(FILINGS // 2, FILINGS)]
    futures += [pool.submit(traffic.lookup, code, "ab"[n % 2]) for n, code in enumerate(codes)]
    futures[len(futures) // 3].result()
    cluster.nodes["a"].send(signal.SIGKILL)
    cluster.workers[0].send(signal.SIGKILL)
    traffic.killed_at = time.monotonic()
    for future in futures:
        future.result()
    pool.shutdown()
    load_seconds = time.monotonic() - started

    def recovered() -> bool:
        open_jobs = OutboxJob.objects.exclude(status__in=["done", "failed"]).exists()
        return not open_jobs and not Notification.objects.filter(status__in=["pending", "sending"]).exists()

    alive = [p for p in cluster.procs() if p not in (cluster.nodes["a"], cluster.workers[0])]
    recovery = _wait(recovered, what="recovery", timeout=RECOVERY_DEADLINE, procs=alive)

    outcomes = Counter((kind, node, outcome) for kind, node, outcome, _t in traffic.log)
    print(f"\nmulti-node report: {dict(sorted(outcomes.items(), key=str))}")
    print(f"  load {load_seconds:.1f} s, recovered {recovery:.1f} s after it; total {time.monotonic() - started:.1f} s")

    # --- Every request succeeded or failed cleanly, and only the killed node failed.
    for (kind, node, outcome), count in outcomes.items():
        if outcome == "connection error" or (isinstance(outcome, int) and outcome >= 500):
            assert node == "a", (kind, node, outcome, count)
        else:
            assert outcome in (200, 201), (kind, node, outcome, count)
    for kind, node, outcome, at in traffic.log:
        if outcome == "connection error" or (isinstance(outcome, int) and outcome >= 500):
            assert traffic.killed_at is not None and at >= traffic.killed_at - HTTP_TIMEOUT, (kind, node, outcome)
    assert outcomes[("filing", "b", 201)] >= FILINGS // 2 - 1, "node b kept serving"

    # --- Dossiers: one per 201, none twice; a filing cut off on the killed node is 0 or 1 dossier.
    new = Dossier.objects.exclude(pk__in=before).filter(citizen=world.owner)
    by_name = Counter(d.form_data.get("child_name") for d in new)
    assert max(by_name.values()) == 1, "a filing made two dossiers"
    for name, code in traffic.filed.items():
        assert new.filter(code=code).count() == 1, code
    for name in set(by_name) - set(traffic.filed):
        assert traffic.sent_names[name] == "a", f"a dossier nobody was told about, not from the killed node: {name}"

    # --- Payments: every payment whose IPN was answered is paid once, with its receipt and notice.
    answered = {pk: answers for pk, answers in traffic.payments.items() if answers}
    assert answered, "no IPN went through"
    for pk, answers in answered.items():
        # "00" once; or only "02" when node a confirmed it and was killed before its answer left
        # (VNPay then hears "already confirmed" from node b: paid once either way, checked below).
        assert set(answers) <= {"00", "02"}, (pk, answers)
        assert answers.count("00") == 1 or (answers == ["02"] and traffic.killed_at is not None), (pk, answers)
        payment = Payment.objects.get(pk=pk)
        assert payment.status == Payment.Status.PAID, pk
        assert Payment.objects.filter(dossier=payment.dossier, status=Payment.Status.PAID).count() == 1
        assert Receipt.objects.filter(payment=payment).count() == 1
        assert Receipt.objects.get(payment=payment).file, pk
        notices = Notification.objects.filter(event="payment_received", related_id=str(pk))
        assert notices.exists() and not notices.exclude(status="sent").exists(), pk

    # --- Side effects: none open, none failed; one SMS file per SMS sent, none twice.
    assert not OutboxJob.objects.filter(status="failed").exists()
    sms_rows = Notification.objects.filter(channel="sms", status="sent")
    sms_files = list((Path(settings.OUTBOX_DIR) / "sms").glob("*.json"))
    references = Counter(json.loads(p.read_text())["reference"] for p in sms_files)
    assert set(references) == set(sms_rows.values_list("dedupe_key", flat=True)), "SMS lost"
    assert max(references.values(), default=1) == 1, "an SMS sent twice"
    # Each filing's notifications exist once per recipient and channel (dedupe keys are unique).
    keys = Counter(Notification.objects.values_list("dedupe_key", flat=True))
    assert max(keys.values(), default=1) == 1
    assert time.monotonic() - started < float(os.environ.get("MULTINODE_BUDGET_SECONDS", "240"))
