"""In-process cost of the dossier submission, the VNPay IPN and the write floor (Django test
client, the bench server's settings and database, warm caches): CPU ms and wall ms per request,
SQL statements, and the broker messages published. Less sensitive to a loaded machine than the
HTTP load run (CPU time is the process's own). After `make bench` generated its data:

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=postgres://…/bench REDIS_URL=redis://…/7 \\
        OUTBOX_RELAY=0|1 .venv/bin/python -m bench.request_cost --n 200 [--only submission,ipn,floor]
        [--sql] [--profile]

`--interleave` sends the kinds in turn (floor, submission, floor, …) instead of one after the
other, and reports each kind's CPU against the floor's: on a machine whose speed drifts within
minutes (a shared VM), the ratio of two medians taken in the same seconds is the steadier figure.

`--sql` prints the statements of one warm request of each kind; `--profile` prints the cProfile
top functions (cumulative) over the measured requests. The IPN orders are pending VNPay
payments made for the run (bench/fixtures.py `ipn_orders_create`) and removed again after it,
with their fees and outbox jobs, so the run can be repeated on the same database.

Prints one BENCH-JSON line. No worker should consume the Redis db (the queue is measured)."""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import time
from pathlib import Path
from urllib.parse import urlparse


def _measure(client, n, make_request, check, *, sql=False, profile=False, label=""):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cpu, wall, statements = [], [], []
    profiler = cProfile.Profile() if profile else None
    for i in range(n + 10):
        c0, w0 = time.process_time(), time.perf_counter()
        if profiler and i >= 10:
            profiler.enable()
        with CaptureQueriesContext(connection) as queries:
            response = make_request(client, i)
        if profiler and i >= 10:
            profiler.disable()
        c1, w1 = time.process_time(), time.perf_counter()
        check(response)
        if i >= 10:  # warm
            cpu.append((c1 - c0) * 1000)
            wall.append((w1 - w0) * 1000)
            statements.append(len(queries))
        if sql and i == 10:
            print(f"--- SQL of one {label} request ({len(queries)} statements)")
            for q in queries.captured_queries:
                print("  ", q["sql"][:400])
    if profiler:
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).sort_stats(os.environ.get("BENCH_PROFILE_SORT", "cumulative"))
        stats.print_stats(int(os.environ.get("BENCH_PROFILE_LINES", "45")))
        print(f"--- cProfile of {label} ({n} requests)\n" + out.getvalue())
    return {
        "cpu_ms_median": round(statistics.median(cpu), 2),
        "wall_ms_median": round(statistics.median(wall), 2),
        "statements_median": statistics.median(statements),
    }


def _interleaved(client, n, only, fx, token, status_is) -> dict:
    """The floor and each other kind in turn, n warm requests of each: CPU medians and their
    ratio to the floor's (what the HTTP run's "÷ floor" compares, without the drift between runs)."""
    from bench.run import vnpay_ipn_path

    kinds = {
        "write floor": (
            lambda c, i: c.post("/bench/write-floor/", data={}, content_type="application/json", **token(i)),
            status_is(201),
        )
    }
    orders = []
    if "submission" in only:
        payload = fx["submit"]["payload"]
        kinds["submission"] = (
            lambda c, i: c.post("/api/v1/dossiers/", data=payload, content_type="application/json", **token(i)),
            status_is(201),
        )
    if "ipn" in only:
        orders = _ipn_orders(n + 10, fx["official_agency"]["id"])
        vnpay = fx["vnpay"]

        def ipn_ok(response):
            assert response.status_code == 200 and response.json()["RspCode"] == "00", response.content

        kinds["ipn"] = (lambda c, i: c.get(vnpay_ipn_path(orders[i], vnpay, i)), ipn_ok)
    cpu = {kind: [] for kind in kinds}
    try:
        for i in range(n + 10):
            for kind, (make_request, check) in kinds.items():
                c0 = time.process_time()
                response = make_request(client, i)
                c1 = time.process_time()
                check(response)
                if i >= 10:
                    cpu[kind].append((c1 - c0) * 1000)
    finally:
        if orders:
            _ipn_orders_remove(orders)
    floor = statistics.median(cpu["write floor"])
    out = {}
    for kind, values in cpu.items():
        median = statistics.median(values)
        out[kind] = {"cpu_ms_median": round(median, 2), "cpu_floor_ratio": round(floor / median, 3)}
    return {"interleaved": out}


def _ipn_orders(n: int, agency_pk: int) -> list[dict]:
    from bench.fixtures import ipn_orders_create
    from catalog.models import Agency

    return ipn_orders_create(n, Agency.objects.get(pk=agency_pk))["ipn_orders"]


def _ipn_orders_remove(orders: list[dict]) -> None:
    from bench.fixtures import payments_remove
    from payments.models import Payment

    payments_remove(Payment.objects.filter(reference__in=[o["reference"] for o in orders]).values_list("pk", flat=True))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--only", default="submission,ipn,floor")
    parser.add_argument("--sql", action="store_true")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--interleave", action="store_true")
    args = parser.parse_args()
    only = {o.strip() for o in args.only.split(",")}
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.pop("PORTAL_TESTING", None)
    import django

    django.setup()
    import redis
    from django.conf import settings
    from django.test import Client
    from rest_framework.authtoken.models import Token

    from bench.run import vnpay_ipn_path

    name = urlparse(os.environ["DATABASE_URL"]).path.strip("/")
    fx = json.loads(Path(f"/tmp/bench_fixtures_{name}.json").read_text())
    tokens = fx["submit"].get("tokens") or list(
        Token.objects.filter(user__is_staff=False).values_list("key", flat=True)[:50]
    )
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete("celery")
    client = Client(HTTP_HOST="127.0.0.1")
    result = {"outbox_relay": settings.OUTBOX_RELAY, "requests": args.n}

    def token(i):
        return {"HTTP_AUTHORIZATION": f"Token {tokens[i % len(tokens)]}"}

    def status_is(code):
        def check(response):
            assert response.status_code == code, response.content[:300]

        return check

    if args.interleave:
        result.update(_interleaved(client, args.n, only, fx, token, status_is))
        only = set()
    if "floor" in only:
        result["write floor"] = _measure(
            client,
            args.n,
            lambda c, i: c.post("/bench/write-floor/", data={}, content_type="application/json", **token(i)),
            status_is(201),
            sql=args.sql,
            profile=args.profile,
            label="write floor",
        )
    if "submission" in only:
        payload = fx["submit"]["payload"]
        result["submission"] = _measure(
            client,
            args.n,
            lambda c, i: c.post("/api/v1/dossiers/", data=payload, content_type="application/json", **token(i)),
            status_is(201),
            sql=args.sql,
            profile=args.profile,
            label="submission",
        )
    if "ipn" in only:
        orders = _ipn_orders(args.n + 10, fx["official_agency"]["id"])
        assert len(orders) == args.n + 10, f"only {len(orders)} payable dossiers"
        vnpay = fx["vnpay"]

        def ipn_ok(response):
            assert response.status_code == 200 and response.json()["RspCode"] == "00", response.content

        try:
            result["ipn"] = _measure(
                client,
                args.n,
                lambda c, i: c.get(vnpay_ipn_path(orders[i], vnpay, i)),
                ipn_ok,
                sql=args.sql,
                profile=args.profile,
                label="IPN",
            )
        finally:
            _ipn_orders_remove(orders)
    result["broker_messages"] = broker.llen("celery")
    broker.delete("celery")
    result["load_average"] = [round(x, 2) for x in os.getloadavg()]
    print("BENCH-JSON " + json.dumps(result))


if __name__ == "__main__":
    main()
