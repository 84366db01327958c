"""`make bench`: load and scale benchmark of the portal on PostgreSQL + Redis (not part of the
test suite). Steps: migrate and generate a data set (COPY), start gunicorn on 127.0.0.1, run an
asyncio HTTP load over the public, citizen, official, API and payment endpoints next to a
trivial baseline view, time the intake receipt PDF and notification delivery through Celery,
repeat the list pages on a 10,000-dossier database, and write the results (Markdown + JSON
under bench/results/).

.venv/bin/python -m bench.run                      # 1,000,000 dossiers (default scale)
.venv/bin/python -m bench.run --scale 10k          # quick run
.venv/bin/python -m bench.run --reuse --duration 5 # keep generated data between runs
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import hmac
import json
import os
import platform
import random
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, quote_plus, urlencode, urlparse

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"
LOGS = Path("/tmp/bench_logs")

SEARCH_TERMS = ["khai sinh", "thuong tru", "chứng thực", "dat dai", "kết hôn", "giay phep xay dung", "ho kinh doanh",
                "lý lịch tư pháp", "tam tru", "bao hiem y te"]  # fmt: skip
SCALE_ENDPOINTS = [
    "official queue (admin)",
    "dossier screen (admin)",
    "lookup page",
    "lookup API",
    "citizen dossier list",
    "citizen dossier list API",
    "indicators page",
]


# --- configuration --------------------------------------------------------------------------------


def parse_args(argv):
    from bench.datagen import PRESETS

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--scale", choices=sorted(PRESETS), default="1m", help="preset sizes (default 1m)")
    p.add_argument("--dossiers", type=int)
    p.add_argument("--citizens", type=int)
    p.add_argument("--procedures", type=int)
    p.add_argument("--agencies", type=int)
    p.add_argument("--small-dossiers", type=int, default=10_000, help="dossiers of the scale run's small database")
    p.add_argument("--no-scale-run", action="store_true")
    p.add_argument("--scale-only", action="store_true", help="only the scale run (no load run, PDF, notifications)")
    p.add_argument("--scale-rounds", type=int, default=4, help="alternating bursts per endpoint in the scale run")
    p.add_argument("--scale-duration", type=float, default=20.0, help="seconds per endpoint and side in the scale run")
    p.add_argument("--reuse", action="store_true", help="reuse generated databases of the same scale")
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--duration", type=float, default=10.0, help="seconds per endpoint")
    p.add_argument("--max-requests", type=int, default=3000, help="requests per endpoint")
    p.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    p.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker (gthread when > 1)")
    p.add_argument("--port", type=int, default=8701)
    p.add_argument("--pdf-runs", type=int, default=30)
    p.add_argument("--notifications", type=int, default=500)
    p.add_argument("--only", help="comma-separated endpoint names (substring match)")
    p.add_argument(
        "--interleave-rounds", type=int, default=5, help="rounds of write floor, submission, IPN in turn (0: none)"
    )
    p.add_argument("--interleave-seconds", type=float, default=2.0, help="seconds per endpoint and round")
    p.add_argument("--no-write", action="store_true", help="do not write bench/results/")
    p.add_argument("--docs", action="store_true", help="put the tables into docs/performance.md's Latest run section")
    args = p.parse_args(argv)
    preset = PRESETS[args.scale]
    for name in ("dossiers", "citizens", "procedures", "agencies"):
        if getattr(args, name) is None:
            setattr(args, name, getattr(preset, name))
    return args


def database_urls() -> tuple[str, str, str]:
    url = (
        os.environ.get("BENCH_DATABASE_URL")
        or os.environ.get("DATABASE_URL")
        or "postgres://postgres@127.0.0.1:5432/bench"
    )
    parsed = urlparse(url)
    if parsed.scheme not in ("postgres", "postgresql", "pgsql"):
        raise SystemExit(f"make bench needs PostgreSQL (DATABASE_URL={url!r}); SQLite is not benchmarked")
    name = parsed.path.lstrip("/")
    if name in ("", "test", "postgres", "template0", "template1"):
        raise SystemExit(f"refusing to generate data into the database {name!r}: use a bench database")
    if parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("the bench only runs against a local PostgreSQL (127.0.0.1)")
    small = parsed._replace(path=f"/{name}_10k").geturl()
    redis_url = os.environ.get("BENCH_REDIS_URL") or os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/7"
    if urlparse(redis_url).hostname not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("the bench only runs against a local Redis (127.0.0.1)")
    return url, small, redis_url


# --- machine --------------------------------------------------------------------------------------


def machine_info(database_url: str) -> dict:
    info = {"python": platform.python_version(), "platform": platform.platform(), "cores": os.cpu_count()}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                info["ram_gb"] = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    try:
        import psycopg2

        conn = psycopg2.connect(database_url)
        with conn.cursor() as cur:
            cur.execute("SHOW server_version")
            info["postgresql"] = cur.fetchone()[0]
            cur.execute("SHOW shared_buffers")
            info["postgresql_shared_buffers"] = cur.fetchone()[0]
        conn.close()
    except Exception as exc:
        info["postgresql"] = f"unknown ({exc})"
    try:
        import redis

        info["redis"] = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/7")).info()[
            "redis_version"
        ]
    except Exception:
        info["redis"] = "unknown"
    return info


def disk_used(database_url: str) -> dict:
    """Bytes the database takes on disk, and its largest tables (with their indexes)."""
    import psycopg2

    conn = psycopg2.connect(database_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_database_size(current_database())")
            total = cur.fetchone()[0]
            cur.execute(
                "SELECT relname, pg_total_relation_size(relid) FROM pg_statio_user_tables ORDER BY 2 DESC LIMIT 6"
            )
            tables = dict(cur.fetchall())
    finally:
        conn.close()
    return {"bytes": total, "tables": tables}


def _gb(n) -> str:
    return f"{n / 1024**3:.2f} GB"


def _loadavg() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


# --- VNPay IPN, signed independently of payments/ (DOMAIN.md) ---------------------------------------


def vnpay_sign(params: dict, secret: str) -> str:
    items = sorted(
        (k, v)
        for k, v in params.items()
        if k.startswith("vnp_") and k not in ("vnp_SecureHash", "vnp_SecureHashType") and v not in ("", None)
    )
    data = "&".join(f"{k}={quote_plus(str(v))}" for k, v in items)
    return hmac.new(secret.encode(), data.encode(), hashlib.sha512).hexdigest()


def vnpay_ipn_path(order: dict, vnpay: dict, n: int) -> str:
    now = dt.datetime.now(dt.timezone(dt.timedelta(hours=7)))
    params = {
        "vnp_Amount": str(int(order["amount"]) * 100),
        "vnp_BankCode": "NCB",
        "vnp_BankTranNo": f"VNP{14000000 + n}",
        "vnp_CardType": "ATM",
        "vnp_OrderInfo": f"Thanh toan le phi ho so {order['dossier_code']}".replace("-", " "),
        "vnp_PayDate": now.strftime("%Y%m%d%H%M%S"),
        "vnp_ResponseCode": "00",
        "vnp_TmnCode": vnpay["tmn_code"],
        "vnp_TransactionNo": str(14000000 + n),
        "vnp_TransactionStatus": "00",
        "vnp_TxnRef": order["reference"],
    }
    params["vnp_SecureHash"] = vnpay_sign(params, vnpay["hash_secret"])
    return vnpay["ipn_path"] + "?" + urlencode(params, quote_via=quote_plus)


# --- endpoints ------------------------------------------------------------------------------------


def endpoints(fx: dict, *, max_requests: int):
    from bench.load import Endpoint, Request

    urls = fx["urls"]
    rnd = random.Random(11)
    codes = fx["lookup_codes"] or ["000.00.00.H62-000000-0000"]
    sessions, tokens = fx["citizen_sessions"], fx["citizen_tokens"]
    out = []

    def get(path_fn, *, cookie=None, headers=None):
        def make(i):
            h = dict(headers or {})
            if cookie:
                h["Cookie"] = cookie(i)
            return Request(path_fn(i), headers=h)

        return make

    def missing(name, why):
        out.append(Endpoint(name=name, request=lambda i: None, note=f"skipped: {why}"))

    out.append(Endpoint(name="baseline", request=get(lambda i: urls["baseline"])))
    if tokens:
        # What any authenticated API write pays before its own work (bench/views.py).
        for name, path in (
            ("API floor (token, no SQL)", "/bench/api-floor/"),
            (FLOOR, "/bench/write-floor/"),
        ):
            out.append(
                Endpoint(
                    name=name,
                    request=lambda i, path=path: Request(
                        path, method="POST", headers={"Authorization": f"Token {tokens[i % len(tokens)]}"}, json={}
                    ),
                    check=lambda status, body: status == 201,
                )
            )
    out.append(Endpoint(name="home", request=get(lambda i: urls["home"])))
    if urls.get("search"):
        out.append(
            Endpoint(
                name="catalog search page",
                request=get(
                    lambda i: (
                        f"{urls['search']}?{urls.get('search_param', 'q')}={quote(SEARCH_TERMS[i % len(SEARCH_TERMS)])}"
                    )
                ),
            )
        )
    else:
        missing("catalog search page", "no search page URL")
    out.append(
        Endpoint(
            name="catalog search API",
            request=get(lambda i: f"/api/v1/services/?search={quote(SEARCH_TERMS[i % len(SEARCH_TERMS)])}"),
        )
    )
    if fx.get("procedure_paths"):
        pp = fx["procedure_paths"]
        out.append(Endpoint(name="procedure page", request=get(lambda i: pp[i % len(pp)])))
    else:
        missing("procedure page", "no procedure page URL")
    if urls.get("lookup_page"):
        lp = urls["lookup_page"]
        if "{code}" in lp:
            fn = lambda i: lp.replace("{code}", quote(codes[i % len(codes)]))  # noqa: E731
        else:
            fn = lambda i: f"{lp}?{urls.get('lookup_param', 'code')}={quote(codes[i % len(codes)])}"  # noqa: E731
        out.append(Endpoint(name="lookup page", request=get(fn)))
    else:
        missing("lookup page", "no lookup page URL")
    out.append(
        Endpoint(name="lookup API", request=get(lambda i: f"/api/v1/lookup/{quote(codes[rnd.randrange(len(codes))])}/"))
    )
    if urls.get("my_dossiers"):
        out.append(
            Endpoint(
                name="citizen dossier list",
                request=get(lambda i: urls["my_dossiers"], cookie=lambda i: f"sessionid={sessions[i % len(sessions)]}"),
            )
        )
    else:
        missing("citizen dossier list", "no 'my dossiers' page URL")
    out.append(
        Endpoint(
            name="citizen dossier list API",
            request=get(
                lambda i: "/api/v1/dossiers/", headers=None, cookie=lambda i: f"sessionid={sessions[i % len(sessions)]}"
            ),
        )
    )
    if urls.get("queue"):
        qs = urls["queue"] if isinstance(urls["queue"], list) else [urls["queue"]]
        out.append(
            Endpoint(
                name="official queue (admin)",
                request=get(lambda i: qs[i % len(qs)], cookie=lambda i: f"sessionid={fx['official_session']}"),
                check=lambda status, body: status == 200,
                note=f"{len(qs)} queue view(s)",
            )
        )
    else:
        missing("official queue (admin)", "no queue URL")
    if urls.get("dossier_screen"):
        screens = urls["dossier_screen"]
        out.append(
            Endpoint(
                name="dossier screen (admin)",
                request=get(
                    lambda i: screens[i % len(screens)], cookie=lambda i: f"sessionid={fx['official_session']}"
                ),
                check=lambda status, body: status == 200,
                note=f"{len(screens)} dossiers of the official's agency",
            )
        )
    else:
        missing("dossier screen (admin)", "no dossier of the official's agency")
    if urls.get("indicators") and fx.get("leader_session"):
        out.append(
            Endpoint(
                name="indicators page",
                request=get(lambda i: urls["indicators"], cookie=lambda i: f"sessionid={fx['leader_session']}"),
                check=lambda status, body: status == 200 and b"indicator" in body.lower(),
                note="a year of every agency (superuser)",
            )
        )
    else:
        missing("indicators page", "no indicators URL")
    sub = fx.get("submit") or {}
    if sub.get("payload"):
        sub_tokens = sub.get("tokens") or tokens

        def submission(i):
            payload = json.loads(json.dumps(sub["payload"]))
            return Request(
                "/api/v1/dossiers/",
                method="POST",
                headers={"Authorization": f"Token {sub_tokens[i % len(sub_tokens)]}"},
                json=payload,
            )

        out.append(
            Endpoint(
                name="dossier submission API",
                request=submission,
                check=lambda status, body: status in (200, 201),
                max_requests=max_requests,
                warmup=3,
            )
        )
    else:
        missing("dossier submission API", sub.get("why", "no submittable procedure"))
    if tokens:
        # The integration API (issue 12): a citizen uploads a PDF into the store (multipart, the
        # page's content checks), the step before filing with it. Each citizen's store holds 50.
        from bench.fixtures import PDF_BYTES

        def upload(i):
            def form():
                import aiohttp

                data = aiohttp.FormData()
                data.add_field("doc_type", "other")
                data.add_field("title", f"Tờ khai {i}")
                data.add_field("upload", PDF_BYTES, filename="to-khai.pdf", content_type="application/pdf")
                return data

            return Request(
                "/api/v1/documents/",
                method="POST",
                headers={"Authorization": f"Token {tokens[i % len(tokens)]}"},
                form=form,
            )

        out.append(
            Endpoint(
                name="document upload API (multipart PDF)",
                request=upload,
                check=lambda status, body: status == 201,
                max_requests=min(max_requests, len(tokens) * 40),
                warmup=3,
            )
        )
    orders = fx.get("ipn_orders") or []
    if orders and fx.get("vnpay", {}).get("ipn_path"):
        vnpay = fx["vnpay"]

        def ipn(i):
            return Request(vnpay_ipn_path(orders[i], vnpay, i))

        def ipn_ok(status, body):
            try:
                return status == 200 and json.loads(body).get("RspCode") == "00"
            except ValueError:
                return False

        # The load run takes orders from the first half, the interleaved run from the second.
        half = len(orders) // 2
        out.append(Endpoint(name="VNPay IPN", request=ipn, check=ipn_ok, max_requests=max(1, half - 10), warmup=5))
        out.append(
            Endpoint(
                name=IPN_LATER,
                request=lambda i: ipn(half + i),
                check=ipn_ok,
                max_requests=max(1, len(orders) - half - 10),
                warmup=5,
            )
        )
    else:
        missing("VNPay IPN", fx.get("ipn_why", "no pending VNPay payments"))
    if tokens:
        # The write floor once more, last: the machine's speed drifts over a run (a shared VM),
        # and the submission and the IPN, measured late, are compared with both floors.
        out.append(
            Endpoint(
                name=FLOOR_AGAIN,
                request=lambda i: Request(
                    "/bench/write-floor/",
                    method="POST",
                    headers={"Authorization": f"Token {tokens[i % len(tokens)]}"},
                    json={},
                ),
                check=lambda status, body: status == 201,
            )
        )
    return out


FLOOR = "write floor (+1 upsert, commit)"
FLOOR_AGAIN = "write floor, again (last: the drift over the run)"
IPN_LATER = "VNPay IPN (orders of the interleaved run)"
INTERLEAVED = (FLOOR, "dossier submission API", IPN_LATER)


def interleaved_ratios(results: list[dict], *, rounds: int, duration: float) -> dict:
    """Submission and IPN req/s ÷ the write floor's, all three measured in turn (`rounds` bursts
    of `duration` s each): the ratio of like with like on a machine whose speed drifts."""
    rps = {r["name"]: r.get("rps") for r in results}
    floor = rps.get(FLOOR)
    out = {"rounds": rounds, "seconds_each": duration, "rps": {k: v for k, v in rps.items() if v}}
    for name, key in (("dossier submission API", "submission"), (IPN_LATER, "ipn")):
        if floor and rps.get(name):
            out[key] = round(100 * rps[name] / floor, 1)
    out["errors"] = {r["name"]: r.get("errors", 0) for r in results}
    return out


def floor_ratios(endpoints: list[dict]) -> dict:
    """Submission and IPN req/s ÷ the write floor's (issue 13's targets: ≥ 50 % and ≥ 90 %),
    against the floor measured first, the one measured last, and their mean."""
    rps = {e["name"]: e.get("rps") for e in endpoints if not e.get("skipped")}
    floors = {"first": rps.get(FLOOR), "last": rps.get(FLOOR_AGAIN)}
    if floors["first"] and floors["last"]:
        floors["mean"] = (floors["first"] + floors["last"]) / 2
    out = {"floors": {k: round(v, 1) for k, v in floors.items() if v}}
    for name, key in (("dossier submission API", "submission"), ("VNPay IPN", "ipn")):
        if rps.get(name):
            out[key] = {k: round(100 * rps[name] / v, 1) for k, v in floors.items() if v}
    return out


# --- steps ----------------------------------------------------------------------------------------


def prepare(url: str, redis_url: str, *, dossiers, citizens, procedures, agencies, reuse, ipn_orders, port) -> dict:
    from bench.server import bench_env

    out = Path(f"/tmp/bench_fixtures_{urlparse(url).path.strip('/')}.json")
    argv = [
        sys.executable, "-m", "bench.prepare", "--database-url", url,
        "--dossiers", str(dossiers), "--citizens", str(citizens), "--procedures", str(procedures),
        "--agencies", str(agencies), "--ipn-orders", str(ipn_orders), "--out", str(out),
    ]  # fmt: skip
    if reuse:
        argv.append("--reuse")
    subprocess.run(argv, cwd=ROOT, env=bench_env(url, redis_url, port, PAYMENT_EXPIRE_MINUTES=240), check=True)
    return json.loads(out.read_text())


def flush_redis(redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url).flushdb()


def load_run(url, redis_url, fx, args, *, port, only=None, label="") -> tuple[list[dict], dict]:
    """The endpoints one after the other, then the write floor, the submission and the IPN in
    turn (`--interleave-rounds`): (summaries, interleaved ratios)."""
    from bench import load
    from bench.server import bench_env, gunicorn, outbox_relay, wait_http

    eps = endpoints(fx, max_requests=args.max_requests)
    later = {e.name: e for e in eps if e.name in INTERLEAVED}
    eps = [e for e in eps if e.name != IPN_LATER]
    if only:
        eps = [e for e in eps if any(o in e.name for o in only)]
    flush_redis(redis_url)
    env = bench_env(url, redis_url, port, PAYMENT_EXPIRE_MINUTES=240)
    server = gunicorn(port=port, workers=args.workers, threads=args.threads, env=env, log=LOGS / f"gunicorn-{port}.log")
    relay = outbox_relay(env=env, log=LOGS / "relay.log")  # publishes what the requests record
    summaries, interleaved = [], {}
    try:
        wait_http(f"http://127.0.0.1:{port}/bench/baseline/", proc=server)
        runnable = [e for e in eps if not e.note.startswith("skipped")]
        skipped = [e for e in eps if e.note.startswith("skipped")]

        def show(result):
            s = result.summary()
            print(
                f"  {label}{s['name']:<28} {s['rps']:>8} req/s  p50 {s['p50_ms']} p95 {s['p95_ms']} "
                f"p99 {s['p99_ms']} ms"
                f"  errors {s['errors']}  queries {s['queries_median']}",
                flush=True,
            )
            for sample in s["error_samples"]:
                print(f"      ! {sample}", flush=True)

        results = load.run(
            f"http://127.0.0.1:{port}", runnable, concurrency=args.concurrency, duration=args.duration,
            max_requests=args.max_requests, on_result=show,
        )  # fmt: skip
        summaries = [r.summary() for r in results]
        if args.interleave_rounds and len(later) == len(INTERLEAVED) and (not only or "write floor" in only):
            # Floor, submission and IPN in turn (issue 13's ratios, without the drift of the run).
            turns = load.run_interleaved(
                f"http://127.0.0.1:{port}", [later[name] for name in INTERLEAVED],
                rounds=args.interleave_rounds, duration=args.interleave_seconds, concurrency=args.concurrency,
            )  # fmt: skip
            interleaved = interleaved_ratios(
                [t.summary() for t in turns], rounds=args.interleave_rounds, duration=args.interleave_seconds
            )
            print(
                f"  {label}interleaved ({args.interleave_rounds} × {args.interleave_seconds:g} s each): "
                f"req/s {interleaved['rps']}; submission ÷ floor {interleaved.get('submission')} %, "
                f"IPN ÷ floor {interleaved.get('ipn')} %; errors {interleaved['errors']}",
                flush=True,
            )
        for e in skipped:
            print(f"  {label}{e.name:<28} {e.note}")
            summaries.append({"name": e.name, "skipped": e.note.removeprefix("skipped: ")})
    finally:
        server.stop()
        if relay is not None:
            relay.stop()
    base = next((s for s in summaries if s["name"] == "baseline" and not s.get("skipped")), None)
    for s in summaries:
        if base and not s.get("skipped") and base["rps"]:
            s["vs_baseline"] = round(s["rps"] / base["rps"], 3)
    return summaries, interleaved


def scale_run(large_url, small_url, redis_url, fx_large, fx_small, args) -> list[tuple[dict, dict]]:
    """The list pages on both databases at once, in alternating bursts (large, small, large, …),
    so that whatever else runs on the shared machine weighs on both sides alike."""
    from bench import load
    from bench.server import bench_env, gunicorn, wait_http

    flush_redis(redis_url)
    ports = {"large": args.port, "small": args.port + 1}
    servers = {
        side: gunicorn(
            port=port,
            workers=args.workers,
            threads=args.threads,
            env=bench_env(url, redis_url, port),
            log=LOGS / f"gunicorn-{port}.log",
        )
        for side, port, url in (("large", ports["large"], large_url), ("small", ports["small"], small_url))
    }
    rounds = max(1, args.scale_rounds)
    # Same page length on both sides: only the queue views that fill a whole page at both scales.
    full = [u for u in fx_large["urls"].get("queue_full") or [] if u in (fx_small["urls"].get("queue_full") or [])]
    if full:
        fx_large = {**fx_large, "urls": {**fx_large["urls"], "queue": full}}
        fx_small = {**fx_small, "urls": {**fx_small["urls"], "queue": full}}
    pairs = []
    try:
        for side, server in servers.items():
            wait_http(f"http://127.0.0.1:{ports[side]}/bench/baseline/", proc=server)
        eps = {
            side: {e.name: e for e in endpoints(fx, max_requests=args.max_requests) if not e.note.startswith("skipped")}
            for side, fx in (("large", fx_large), ("small", fx_small))
        }
        for name in SCALE_ENDPOINTS:
            if name not in eps["large"] or name not in eps["small"]:
                continue
            bursts = {"large": [], "small": []}
            for _ in range(rounds):
                for side in ("large", "small"):
                    bursts[side] += load.run(
                        f"http://127.0.0.1:{ports[side]}", [eps[side][name]], concurrency=args.concurrency,
                        duration=args.scale_duration / rounds, max_requests=max(1, args.max_requests // rounds),
                    )  # fmt: skip
            large, small = (load.merge(bursts[s]).summary() for s in ("large", "small"))
            ratio = round(large["p95_ms"] / small["p95_ms"], 2) if small["p95_ms"] else None
            print(
                f"  {name:<28} p95 {small['p95_ms']} ms @ small, {large['p95_ms']} ms @ large → ×{ratio}"
                f"  (errors {small['errors']} / {large['errors']})",
                flush=True,
            )
            if name.startswith("official queue"):
                small["note"] = large["note"] = "full pages only: " + ", ".join(full or ["all views"])
            pairs.append((small, large))
    finally:
        for server in servers.values():
            server.stop()
    return pairs


def extras(url, redis_url, args) -> dict:
    from bench.server import bench_env, celery_worker, outbox_relay

    env = bench_env(url, redis_url, args.port)
    result = {}

    def call(extra_args):
        proc = subprocess.run(
            [sys.executable, "-m", "bench.extras", *extra_args], cwd=ROOT, env=env, capture_output=True, text=True,
            timeout=600,
        )  # fmt: skip
        for line in proc.stdout.splitlines():
            if line.startswith("BENCH-JSON "):
                return json.loads(line.removeprefix("BENCH-JSON "))
        return {"error": (proc.stderr or proc.stdout)[-2000:]}

    if args.pdf_runs:
        result.update(call(["--pdf-runs", str(args.pdf_runs)]))
    if args.notifications:
        # Tasks the load run recorded (outbox rows, pending notifications) and published must not
        # compete with the measurement: set aside in the database, then the broker emptied.
        result.update(call(["--pdf-runs", "0", "--set-aside"]))
        flush_redis(redis_url)
        worker = celery_worker(env=env, log=LOGS / "celery.log", concurrency=2)
        relay = outbox_relay(env=env, log=LOGS / "relay.log")
        try:
            time.sleep(4)  # worker boot
            result.update(call(["--pdf-runs", "0", "--notifications", str(args.notifications), "--timeout", "90"]))
        finally:
            worker.stop()
            if relay is not None:
                relay.stop()
    return result


# --- report ---------------------------------------------------------------------------------------


def _fmt(v, suffix=""):
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:,.1f}{suffix}" if v >= 10 else f"{v:.2f}{suffix}"
    return f"{v:,}{suffix}" if isinstance(v, int) else f"{v}{suffix}"


def _q(v):
    return "–" if v is None else f"{v:g}"


def markdown(report: dict) -> str:
    m = report["machine"]
    scale = report["scale"]
    lines = [
        f"Run {report['started_at']} · {scale['dossiers']:,} dossiers, {scale['citizens']:,} citizens, "
        f"{scale['procedures']:,} procedures, {scale['agencies']:,} agencies · gunicorn {report['server']} · "
        f"{report['load']['concurrency']} concurrent clients, ≤ {report['load']['duration']} s / "
        f"≤ {report['load']['max_requests']} requests per endpoint",
        "",
        f"Machine: {m.get('cpu', '?')}, {m.get('cores')} cores, {m.get('ram_gb')} GB RAM, PostgreSQL "
        f"{m.get('postgresql')} (shared_buffers {m.get('postgresql_shared_buffers', '?')}), Redis {m.get('redis')}, "
        f"Python {m.get('python')}; load average (1/5/15 min) {m.get('load_average_start')} at the start, "
        f"{m.get('load_average_end')} at the end (the machine is shared: other processes compete for the 2 cores)",
        "",
        "| endpoint | req/s | p50 ms | p95 ms | p99 ms | errors | SQL/req | × baseline |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for s in report["endpoints"]:
        if s.get("skipped"):
            lines.append(f"| {s['name']} | – | – | – | – | – | – | not measured: {s['skipped']} |")
            continue
        lines.append(
            f"| {s['name']} | {_fmt(s['rps'])} | {_fmt(s['p50_ms'])} | {_fmt(s['p95_ms'])} | {_fmt(s['p99_ms'])} | "
            f"{s['errors']}/{s['requests']} | {_q(s['queries_median'])} | {_fmt(s.get('vs_baseline'))} |"
        )
    ratios = floor_ratios(report["endpoints"])
    if ratios.get("floors", {}).get("last"):
        floors = ratios["floors"]
        lines.append("")
        lines.append(
            f"Write floor {floors['first']} req/s first, {floors['last']} req/s last. "
            + "; ".join(
                f"{label} ÷ floor: "
                + " / ".join(f"{ratios[key][k]} %" for k in ("first", "last", "mean"))
                + " (first / last / mean floor)"
                for key, label in (("submission", "submission"), ("ipn", "IPN"))
                if key in ratios
            )
            + " — targets 50 % and 90 % (issue 13)"
        )
    inter = (report.get("floor_ratios") or {}).get("interleaved") or {}
    if inter.get("submission") is not None or inter.get("ipn") is not None:
        lines.append("")
        lines.append(
            f"Interleaved ({inter['rounds']} rounds of {inter['seconds_each']:g} s each: the write floor, the "
            f"submission and the IPN in turn, req/s {inter['rps']}): submission ÷ floor "
            f"**{inter.get('submission')} %**, IPN ÷ floor **{inter.get('ipn')} %** — targets 50 % and 90 % "
            f"(issue 13); errors {inter.get('errors')}"
        )
    ex = report.get("extras", {})
    pdf, notif = ex.get("pdf") or {}, ex.get("notifications") or {}
    lines.append("")
    if pdf.get("median_ms") is not None:
        lines.append(
            f"- Intake receipt PDF (form 01, `dossiers.issued_pdfs`), {pdf['runs']} renders: median "
            f"**{pdf['median_ms']} ms**, p95 {pdf['p95_ms']} ms (first render {pdf['first_ms']} ms, loads fonts)"
        )
        if pdf.get("sign_median_ms") is not None:
            lines.append(
                f"- Signing it (PAdES B-T, sandbox CA + TSA, `portal.signing.pdf_sign`): median "
                f"**+{pdf['sign_median_ms']} ms**, p95 +{pdf['sign_p95_ms']} ms (target: +100 ms median)"
            )
    else:
        lines.append(f"- Intake receipt PDF: not measured ({pdf.get('skipped') or pdf.get('error', '?')[:200]})")
    if notif.get("delivered_per_s") is not None:
        lines.append(
            "- Notifications through Celery (Redis, 1 worker × 2 processes): "
            f"{notif['delivered']}/{notif['notifications']} "
            f"delivered in {notif['seconds']} s → **{notif['delivered_per_s']} delivered/s**"
        )
    else:
        lines.append(f"- Notifications: not measured ({notif.get('skipped') or str(notif.get('error', '?'))[:200]})")
    gen = report.get("generation") or {}
    if gen:
        lines.append(
            f"- Data generation ({scale['dossiers']:,} dossiers + {gen.get('rows', {}).get('events', 0):,} timeline "
            f"events + {scale['citizens']:,} citizens): **{gen.get('total')} s** (COPY; migrate {gen.get('migrate')} s"
            f"{', reused' if report.get('reused') else ''})"
        )
    sr = report.get("scale_run")
    if sr:
        lines += [
            "",
            f"Scale run: p95 at {sr['large']:,} vs {sr['small']:,} dossiers (same catalog and citizens; both servers "
            f"up, {sr.get('rounds', 1)} alternating bursts per endpoint and side)",
            "",
            f"| endpoint | p95 ms @ {sr['small']:,} | p95 ms @ {sr['large']:,} | ratio | SQL/req small → large "
            "| errors small/large |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        notes = [f"{row['name']}: {row['note']}" for row in sr["rows"] if row.get("note")]
        for row in sr["rows"]:
            lines.append(
                f"| {row['name']} | {_fmt(row['p95_small'])} | {_fmt(row['p95_large'])} | {_fmt(row['ratio'])} | "
                f"{_q(row['queries_small'])} → {_q(row['queries_large'])} | "
                f"{row.get('errors_small', 0)}/{row.get('errors_large', 0)} |"
            )
        if notes:
            lines += ["", *(f"- {n}" for n in notes)]
        disk = sr.get("disk")
        if disk:
            big = ", ".join(f"{t} {_gb(b)}" for t, b in disk["large"]["tables"].items())
            lines += [
                f"- Disk used: {_gb(disk['large']['bytes'])} at {sr['large']:,} dossiers ({big}); "
                f"{_gb(disk['small']['bytes'])} at {sr['small']:,}"
            ]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    args = parse_args(argv if argv is not None else sys.argv[1:])
    url, small_url, redis_url = database_urls()
    os.environ["REDIS_URL"] = redis_url
    only = [o.strip() for o in args.only.split(",")] if args.only else None
    started_at = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    t0 = time.monotonic()
    load_start = _loadavg()
    print(f"== bench: {args.dossiers:,} dossiers into {urlparse(url).path.strip('/')} (Redis {redis_url})", flush=True)
    # As many orders as the other endpoints' requests: the IPN is compared with the write floor,
    # which runs for up to --max-requests; with 1,200 orders its burst lasted ~3 s, a third of the
    # floor's, and after the upload endpoint's 1,400 files it measured ~70 % of the floor where an
    # 8-s burst measured ~100 % (bench/cpu_split.py, 2026-12-01).
    # Two halves: the load run's IPN burst takes the first, the interleaved run the second.
    ipn_orders = 2 * (args.max_requests + 20)
    fx = prepare(
        url, redis_url, dossiers=args.dossiers, citizens=args.citizens, procedures=args.procedures,
        agencies=args.agencies, reuse=args.reuse, ipn_orders=ipn_orders, port=args.port,
    )  # fmt: skip
    summaries, interleaved, ex = [], {}, {}
    if not args.scale_only:
        print(f"== load run on gunicorn 127.0.0.1:{args.port}", flush=True)
        summaries, interleaved = load_run(url, redis_url, fx, args, port=args.port, only=only)
        print("== PDF and notifications", flush=True)
        ex = extras(url, redis_url, args) if not only else {}
    scale = None
    if not args.no_scale_run and not only and args.small_dossiers < args.dossiers:
        print(f"== scale run: {args.small_dossiers:,} vs {args.dossiers:,} dossiers", flush=True)
        fx_small = prepare(
            small_url, redis_url, dossiers=args.small_dossiers, citizens=args.citizens, procedures=args.procedures,
            agencies=args.agencies, reuse=args.reuse, ipn_orders=0, port=args.port + 1,
        )  # fmt: skip
        rows = []
        for s, large in scale_run(url, small_url, redis_url, fx, fx_small, args):
            rows.append(
                {
                    "name": s["name"],
                    "p95_small": s["p95_ms"],
                    "p95_large": large["p95_ms"],
                    "ratio": round(large["p95_ms"] / s["p95_ms"], 2) if s["p95_ms"] else None,
                    "queries_small": s["queries_median"],
                    "queries_large": large["queries_median"],
                    "errors_small": s["errors"],
                    "errors_large": large["errors"],
                    "requests_small": s["requests"],
                    "requests_large": large["requests"],
                    "note": s.get("note", ""),
                    "small": s,
                    "large": large,
                }
            )
        scale = {
            "small": args.small_dossiers,
            "large": args.dossiers,
            "rounds": args.scale_rounds,
            "duration": args.scale_duration,
            "rows": rows,
            "disk": {"large": disk_used(url), "small": disk_used(small_url)},
        }
    report = {
        "started_at": started_at,
        "seconds": round(time.monotonic() - t0, 1),
        "machine": {**machine_info(url), "load_average_start": load_start, "load_average_end": _loadavg()},
        "scale": fx["scale"],
        "generation": fx.get("generation"),
        "reused": fx.get("reused"),
        "server": f"{args.workers} {'gthread' if args.threads > 1 else 'sync'} workers"
        + (f" × {args.threads} threads" if args.threads > 1 else ""),
        "load": {"concurrency": args.concurrency, "duration": args.duration, "max_requests": args.max_requests},
        "endpoints": summaries,
        "floor_ratios": {**floor_ratios(summaries), "interleaved": interleaved},
        "extras": ex,
        "scale_run": scale,
    }
    report["markdown"] = markdown(report)
    print()
    print(report["markdown"])
    if not args.no_write:
        RESULTS.mkdir(exist_ok=True)
        stamp = started_at.replace(":", "").replace("-", "")
        text = json.dumps(report, ensure_ascii=False, indent=1)
        (RESULTS / f"{stamp}.json").write_text(text)
        (RESULTS / "latest.json").write_text(text)
        print(f"written bench/results/{stamp}.json and bench/results/latest.json")
    if args.docs:
        docs_update(report)
    return 0


DOCS_INTRO = """Written by `make bench BENCH_ARGS=--docs` from `bench/results/latest.json`; what the numbers mean and
what changed between runs is in [bench/FINDINGS.md](../bench/FINDINGS.md).
"""


def docs_update(report: dict, path: Path = ROOT / "docs" / "performance.md") -> None:
    """Replace the body of docs/performance.md's `## Latest run` section (creating it at the end if
    missing). bench/FINDINGS.md is linked from there, never copied."""
    text = path.read_text() if path.exists() else "# Performance\n"
    body = DOCS_INTRO + "\n" + report["markdown"]
    start = text.find("\n## Latest run\n")
    if start == -1:
        text = text.rstrip("\n") + "\n\n## Latest run\n\n" + body
    else:
        head_end = start + len("\n## Latest run\n")
        nxt = text.find("\n## ", head_end)
        text = text[:head_end] + "\n" + body + (text[nxt:] if nxt != -1 else "")
    path.write_text(text)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
