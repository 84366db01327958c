"""In-process cost of the dossier submission (Django test client, the bench server's settings and
database, warm caches): CPU ms and wall ms per request, and the broker messages it published.
Less sensitive to a loaded machine than the HTTP load run (CPU time is the process's own), so
the relay's effect can be seen. After `make bench` generated its data:

    DJANGO_SETTINGS_MODULE=bench.settings DATABASE_URL=postgres://…/bench REDIS_URL=redis://…/7 \\
        OUTBOX_RELAY=0|1 .venv/bin/python -m bench.request_cost --n 200

Prints one BENCH-JSON line. No worker should consume the Redis db (the queue is measured)."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path
from urllib.parse import urlparse


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.pop("PORTAL_TESTING", None)
    import django

    django.setup()
    import redis
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token

    name = urlparse(os.environ["DATABASE_URL"]).path.strip("/")
    fx = json.loads(Path(f"/tmp/bench_fixtures_{name}.json").read_text())
    payload = fx["submit"]["payload"]
    tokens = list(Token.objects.values_list("key", flat=True)[:50])
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    broker.delete("celery")
    client = Client(HTTP_HOST="127.0.0.1")
    cpu, wall, statements = [], [], []
    for i in range(args.n + 10):
        headers = {"HTTP_AUTHORIZATION": f"Token {tokens[i % len(tokens)]}"}
        c0, w0 = time.process_time(), time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.post("/api/v1/dossiers/", data=payload, content_type="application/json", **headers)
        c1, w1 = time.process_time(), time.perf_counter()
        assert response.status_code == 201, response.content[:300]
        if i >= 10:  # warm
            cpu.append((c1 - c0) * 1000)
            wall.append((w1 - w0) * 1000)
            statements.append(len(queries))
    published = broker.llen("celery")
    broker.delete("celery")
    result = {
        "outbox_relay": settings.OUTBOX_RELAY,
        "requests": args.n,
        "cpu_ms_median": round(statistics.median(cpu), 2),
        "wall_ms_median": round(statistics.median(wall), 2),
        "statements_median": statistics.median(statements),
        "broker_messages_per_request": round(published / (args.n + 10), 2),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    print("BENCH-JSON " + json.dumps(result))


if __name__ == "__main__":
    main()
