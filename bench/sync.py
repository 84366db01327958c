"""Throughput of the national portal sync (docs/national-sync.md): status changes recorded in
their transactions, published to Celery through the outbox, sent by a worker to the sandbox
national portal served by gunicorn, on PostgreSQL + Redis. Next to it, the baseline: the same
messages POSTed by one process straight through the adapter (no outbox, no Celery).

.venv/bin/python -m bench.sync                     # 300 dossiers x 3 changes
.venv/bin/python -m bench.sync --dossiers 1000 --workers 4
Run by `make bench` after the load benchmark. Databases: BENCH_SYNC_DATABASE_URL (default
postgres://postgres@127.0.0.1:5432/bench_sync, recreated), Redis BENCH_SYNC_REDIS_URL (default db 6).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
LOGS = Path("/tmp/bench_logs")
CHANGES = [("submit", "submitted"), ("receive", "in_processing"), ("approve", "result_ready")]


def inner(dossiers: int, timeout: float) -> dict:
    import django

    django.setup()
    from django.db import transaction

    from dossiers.models import Dossier
    from integrations import services
    from integrations.adapters import adapter
    from integrations.models import SandboxNationalRecord, SyncMessage
    from tests.dossiers.factories import AgencyFactory, CitizenFactory, version

    agency = AgencyFactory(code="000.00.31.H57", name="UBND phường Long Châu")
    pv = version(agencies=[agency])
    citizen = CitizenFactory()
    run = time.time_ns()
    rows = [
        Dossier(
            code=f"000.00.31.H57-B{run % 10**8}-{i:05d}",
            status="submitted",
            citizen=citizen,
            procedure_version=pv,
            agency=agency,
            current_agency=agency,
            applicant={"full_name": "Nguyễn Văn Thử", "personal_id": "079000000001"},
        )
        for i in range(dossiers)
    ]
    Dossier.objects.bulk_create(rows)
    rows = list(Dossier.objects.filter(code__contains=f"-B{run % 10**8}-").order_by("pk"))

    # Through the outbox and Celery: one transaction per status change, as a transition does.
    started = time.monotonic()
    for action, status in CHANGES:
        for d in rows:
            with transaction.atomic():
                services.sync_record(dossier=d, action=action, to_status=status)
    recorded = time.monotonic()
    total = dossiers * len(CHANGES)
    mine = SyncMessage.objects.filter(dossier__in=rows)
    sent = 0
    deadline = recorded + timeout
    while time.monotonic() < deadline:
        sent = mine.filter(state="sent").count()
        if sent >= total:
            break
        time.sleep(0.05)
    finished = time.monotonic()
    received = SandboxNationalRecord.objects.filter(dossier_code__in=[d.code for d in rows])
    through = {
        "messages": total,
        "sent": sent,
        "record_seconds": round(recorded - started, 2),
        "seconds": round(finished - started, 2),
        "messages_per_s": round(sent / (finished - started), 1),
        "received_by_sandbox": received.count(),
        "received_out_of_order": received.filter(out_of_order=True).count(),
    }

    # Baseline: the same number of messages, one process, straight to the sandbox.
    client = adapter()
    payloads = [dict(m.payload, MaThongDiep=f"baseline-{run}-{m.pk}") for m in mine[:total]]
    started = time.monotonic()
    for payload in payloads:
        client.send(payload)
    baseline_seconds = time.monotonic() - started
    baseline = {
        "messages": len(payloads),
        "seconds": round(baseline_seconds, 2),
        "messages_per_s": round(len(payloads) / baseline_seconds, 1),
    }
    return {"through_celery": through, "baseline_adapter_only": baseline}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dossiers", type=int, default=300)
    p.add_argument("--workers", type=int, default=2, help="Celery worker processes")
    p.add_argument("--web-workers", type=int, default=2, help="gunicorn workers serving the sandbox")
    p.add_argument("--port", type=int, default=8711)
    p.add_argument("--timeout", type=float, default=300)
    p.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--no-write", action="store_true")
    args = p.parse_args(argv)
    if args.inner:
        print("BENCH-JSON " + json.dumps(inner(args.dossiers, args.timeout)))
        return 0

    from bench.prepare import recreate_database
    from bench.server import bench_env, celery_worker, gunicorn, wait_http

    url = os.environ.get("BENCH_SYNC_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/bench_sync")
    redis_url = os.environ.get("BENCH_SYNC_REDIS_URL", "redis://127.0.0.1:6379/6")
    if not url.rsplit("/", 1)[-1].startswith("bench"):
        raise SystemExit("the sync bench recreates its database: its name must start with 'bench'")
    env = bench_env(
        url,
        redis_url,
        args.port,
        DJANGO_SETTINGS_MODULE="portal.settings",
        SANDBOX_ENABLED="1",
        NATIONAL_SYNC_ENABLED="1",
        NATIONAL_SYNC_URL=f"http://127.0.0.1:{args.port}/sandbox/dvcqg/api/",
        LOG_LEVEL="WARNING",
    )
    print(
        f"== sync bench: {args.dossiers} dossiers x {len(CHANGES)} changes, {args.workers} Celery workers", flush=True
    )
    recreate_database(url)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    subprocess.run(["redis-cli", "-u", redis_url, "flushdb"], check=False, capture_output=True)
    web = gunicorn(port=args.port, workers=args.web_workers, threads=1, env=env, log=LOGS / "sync-gunicorn.log")
    worker = celery_worker(env=env, log=LOGS / "sync-celery.log", concurrency=args.workers)
    try:
        wait_http(f"http://127.0.0.1:{args.port}/health/", proc=web)
        argv = ["-m", "bench.sync", "--inner", "--dossiers", str(args.dossiers), "--timeout", str(args.timeout)]
        proc = subprocess.run(
            [sys.executable, *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=args.timeout + 600
        )
    finally:
        worker.stop()
        web.stop()
    result = next(
        (json.loads(line[11:]) for line in proc.stdout.splitlines() if line.startswith("BENCH-JSON ")),
        {"error": (proc.stderr or proc.stdout)[-3000:]},
    )
    report = {
        "started_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "dossiers": args.dossiers,
        "celery_workers": args.workers,
        "gunicorn_workers": args.web_workers,
        "cpus": os.cpu_count(),
        "load_average": list(os.getloadavg()),
        **result,
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / "sync-latest.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return 0 if "error" not in result else 1


if __name__ == "__main__":
    sys.exit(main())
