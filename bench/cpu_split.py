"""Where the machine's CPU goes for one endpoint under the HTTP load (issues 13 and 19): gunicorn
(Django), PostgreSQL (every backend), Redis, the outbox relay and the load client itself, in ms of
CPU per request, next to req/s and p95. Reads /proc (Linux). After `make bench` generated its data
and fixtures (`/tmp/bench_fixtures_<db>.json`):

    .venv/bin/python -m bench.cpu_split --only "write floor,VNPay IPN,official queue" [--duration 10]

Each endpoint gets a 2 s warm-up (not the IPN: its orders are used once; run `bench.prepare
--reuse` again for fresh ones) and then a measured burst with 8 clients on gunicorn 4 sync workers,
as in the load run. Prints one line per endpoint."""

from __future__ import annotations

import argparse
import json
import os
import resource
from pathlib import Path
from urllib.parse import urlparse


def _cpu_seconds(match) -> float:
    hz = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if match(cmd):
            total += (int(fields[11]) + int(fields[12])) / hz
    return total


def _groups() -> dict[str, float]:
    return {
        "gunicorn": _cpu_seconds(lambda c: "gunicorn" in c),
        "postgres": _cpu_seconds(lambda c: c.startswith("postgres")),
        "redis": _cpu_seconds(lambda c: "redis-server" in c),
        "relay": _cpu_seconds(lambda c: "outbox_relay" in c),
    }


def _busy_idle() -> tuple[float, float]:
    with open("/proc/stat") as f:
        values = [int(x) for x in f.readline().split()[1:]]
    hz = os.sysconf("SC_CLK_TCK")
    return (sum(values[:3]) + sum(values[5:8])) / hz, (values[3] + values[4]) / hz


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", required=True, help="comma-separated endpoint names (substring match)")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--port", type=int, default=8799)
    args = parser.parse_args()

    from bench import load
    from bench.run import LOGS, database_urls, endpoints
    from bench.server import bench_env, gunicorn, outbox_relay, wait_http

    url, _small, redis_url = database_urls()
    name = urlparse(url).path.strip("/")
    fx = json.loads(Path(f"/tmp/bench_fixtures_{name}.json").read_text())
    wanted = [o.strip() for o in args.only.split(",")]
    eps = [e for e in endpoints(fx, max_requests=100_000) if any(o in e.name for o in wanted)]
    base = f"http://127.0.0.1:{args.port}"
    env = bench_env(url, redis_url, args.port, PAYMENT_EXPIRE_MINUTES=240)
    server = gunicorn(port=args.port, workers=args.workers, threads=1, env=env, log=LOGS / "cpu_split.log")
    relay = outbox_relay(env=env, log=LOGS / "relay-cpu_split.log")
    try:
        wait_http(f"{base}/bench/baseline/", proc=server)
        for ep in eps:
            if "IPN" not in ep.name:
                load.run(base, [ep], concurrency=args.concurrency, duration=2, max_requests=100_000)
            g0, c0, (b0, i0) = _groups(), resource.getrusage(resource.RUSAGE_SELF), _busy_idle()
            [result] = load.run(base, [ep], concurrency=args.concurrency, duration=args.duration, max_requests=100_000)
            g1, c1, (b1, i1) = _groups(), resource.getrusage(resource.RUSAGE_SELF), _busy_idle()
            s = result.summary()
            n = max(1, s["requests"])
            per = {k: round((g1[k] - g0[k]) * 1000 / n, 2) for k in g0}
            per["client"] = round((c1.ru_utime + c1.ru_stime - c0.ru_utime - c0.ru_stime) * 1000 / n, 2)
            per["machine"] = round((b1 - b0) * 1000 / n, 2)
            print(
                f"{ep.name}: {s['rps']} req/s, p95 {s['p95_ms']} ms, errors {s['errors']}, SQL {s['queries_median']}"
                f" | CPU ms per request {per} | idle {i1 - i0:.1f} s",
                flush=True,
            )
    finally:
        server.stop()
        if relay is not None:
            relay.stop()


if __name__ == "__main__":
    main()
