"""In-process cost of the officials' pages (issue 19): the queue page (every tab) and the dossier
screen, through the Django test client with the bench server's settings and database, warm
caches. Prints CPU ms and wall ms per page (median and p95) and the SQL statements per page.
CPU time is the process's own (Python), so a loaded machine changes it much less than the HTTP
load run's latencies; the database's share shows in wall - CPU. After `make bench` generated its
data (the fixtures file names the official's session and the URLs):

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=postgres://…/bench REDIS_URL=redis://…/7 \\
        .venv/bin/python -m bench.page_cost --n 100 [--profile queue|screen]

Prints one BENCH-JSON line per page kind."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path
from urllib.parse import urlparse


def _p95(values):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100, help="requests per page kind (after 10 warm-up requests)")
    parser.add_argument("--profile", choices=["queue", "screen"], help="cProfile one page kind (top 40 by tottime)")
    parser.add_argument("--only", choices=["queue", "screen"])
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.pop("PORTAL_TESTING", None)
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    name = urlparse(os.environ["DATABASE_URL"]).path.strip("/")
    fx = json.loads(Path(f"/tmp/bench_fixtures_{name}.json").read_text())
    urls = fx["urls"]
    kinds = {"queue": list(urls["queue"]), "screen": list(urls["dossier_screen"])}
    client = Client(HTTP_HOST="127.0.0.1")
    client.cookies[settings.SESSION_COOKIE_NAME] = fx["official_session"]
    for kind, pages in kinds.items():
        if args.only and kind != args.only:
            continue
        cpu, wall, statements = [], [], []
        profiler = None
        if args.profile == kind:
            import cProfile

            profiler = cProfile.Profile()
        for i in range(args.n + 10):
            url = pages[i % len(pages)]
            if profiler is not None and i >= 10:
                profiler.enable()
            c0, w0 = time.process_time(), time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
                _ = response.content
            c1, w1 = time.process_time(), time.perf_counter()
            if profiler is not None:
                profiler.disable()
            assert response.status_code == 200, (url, response.status_code, response.content[:300])
            if i >= 10:
                cpu.append((c1 - c0) * 1000)
                wall.append((w1 - w0) * 1000)
                statements.append(len(queries))
        result = {
            "page": kind,
            "urls": len(pages),
            "requests": args.n,
            "cpu_ms_median": round(statistics.median(cpu), 2),
            "cpu_ms_p95": round(_p95(cpu), 2),
            "wall_ms_median": round(statistics.median(wall), 2),
            "wall_ms_p95": round(_p95(wall), 2),
            "statements_min": min(statements),
            "statements_max": max(statements),
            "load_average": [round(x, 2) for x in os.getloadavg()],
        }
        print("BENCH-JSON " + json.dumps(result), flush=True)
        if profiler is not None:
            import pstats

            profiler.dump_stats(f"/tmp/page_{kind}.prof")
            pstats.Stats(profiler).sort_stats("tottime").print_stats(40)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(160)


if __name__ == "__main__":
    main()
