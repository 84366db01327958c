"""In-process timing of the indicators page (issue 13): the computation (the period and its
six-month trend) and the whole admin page (view + template), as a superuser, over a year of
every agency, N times each. Reads only (no session, no write).

    DATABASE_URL=postgres://…/bench DJANGO_SETTINGS_MODULE=bench.settings \\
        python -m bench.indicators_inproc --runs 20 [--profile page|compute]
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import pstats
import statistics
import time


def _ms(samples: list[float]) -> dict:
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return {"median": round(statistics.median(samples), 1), "p95": round(p95, 1), "max": round(samples[-1], 1)}


def _load() -> list[str]:
    from pathlib import Path

    return Path("/proc/loadavg").read_text().split()[:3]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--profile", choices=["page", "compute"])
    args = parser.parse_args(argv)
    import django

    django.setup()
    from django.contrib.admin import site
    from django.test import RequestFactory
    from django.utils import timezone

    from dossiers import indicator_pages
    from dossiers.models import Dossier
    from identity.models import User

    today = timezone.localdate()
    start, end = today - dt.timedelta(days=364), today
    url = f"/admin/dossiers/dossier/indicators/?period=custom&date_from={start}&date_to={end}"
    user = User(email="reader@bench.invalid", is_staff=True, is_superuser=True, is_active=True)
    model_admin = site._registry[Dossier]

    def compute():
        return indicator_pages.period_and_monthly(agency_ids=None, period=(start, end), last=end, n=6)

    def page():
        request = RequestFactory().get(url)
        request.user = user
        response = model_admin.indicators_view(request)
        response.render()
        assert response.status_code == 200
        return response

    print(f"{url}\nload average {_load()}")
    size = len(page().content)  # warm up (imports, templates, connections)
    compute()
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _i in range(3):
            (page if args.profile == "page" else compute)()
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
        return 0
    for name, fn in (("computation", compute), ("whole page", page)):
        samples, cpu = [], []
        for _i in range(args.runs):
            started, cpu_started = time.perf_counter(), time.process_time()
            fn()
            samples.append(1000 * (time.perf_counter() - started))
            cpu.append(1000 * (time.process_time() - cpu_started))
        # Wall time depends on the machine's load; this process's CPU time much less (the
        # database's own time is in the wall time only).
        print(f"{name}: wall {_ms(samples)} ms, this process's CPU {_ms(cpu)} ms over {args.runs} runs")
    print(f"page size {size:,} bytes; load average {_load()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
