"""One database's preparation, run in its own process by bench.run (Django is set up once per
process, and the bench uses two databases): recreate + migrate + generate, then the bench
accounts and the per-run fixtures (sessions, API tokens, dossier codes, pending payments),
written as JSON for the load client.

.venv/bin/python -m bench.prepare --database-url postgres://... --dossiers 10000 --out /tmp/f.json
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent


def recreate_database(url: str) -> None:
    import psycopg2

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = psycopg2.connect(
        host=parsed.hostname,
        port=parsed.port or 5432,
        user=parsed.username,
        password=parsed.password,
        dbname="postgres",
    )
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    admin.close()


def read_meta(url: str) -> dict | None:
    import psycopg2

    try:
        conn = psycopg2.connect(url)
    except psycopg2.OperationalError:
        return None
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT to_regclass('bench_meta')")
            if cur.fetchone()[0] is None:
                return None
            cur.execute("SELECT data FROM bench_meta ORDER BY id DESC LIMIT 1")
            row = cur.fetchone()
            return row[0] if row else None
    finally:
        conn.close()


def unfinished_generation(url: str) -> dict | None:
    """The scale of a generation started in this database and not finished (None otherwise)."""
    import psycopg2

    try:
        conn = psycopg2.connect(url)
    except psycopg2.OperationalError:
        return None
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT to_regclass('bench_gen')")
            if cur.fetchone()[0] is None:
                return None
            cur.execute("SELECT value FROM bench_gen WHERE key = 'scale'")
            row = cur.fetchone()
            return row[0] if row else None
    finally:
        conn.close()


def write_meta(data: dict) -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS bench_meta (id serial PRIMARY KEY, data jsonb NOT NULL)")
        cur.execute("INSERT INTO bench_meta (data) VALUES (%s)", [json.dumps(data)])


def indicator_rollups_build() -> dict | None:
    """Rebuild every day's indicator rollups when the database has none (None: already there)."""
    from dossiers.models import IndicatorDaily

    if IndicatorDaily.objects.exists():
        return None
    from django.core.management import call_command

    started = time.monotonic()
    call_command("indicators_rebuild", stdout=sys.stdout)
    print()
    return {"seconds": round(time.monotonic() - started, 2), "rows": IndicatorDaily.objects.count()}


def migrate(url: str) -> float:
    started = time.monotonic()
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "bench.settings"}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    return round(time.monotonic() - started, 2)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--dossiers", type=int, required=True)
    parser.add_argument("--citizens", type=int, required=True)
    parser.add_argument("--procedures", type=int, required=True)
    parser.add_argument("--agencies", type=int, required=True)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--reuse", action="store_true", help="keep the data if the database holds this scale")
    parser.add_argument("--ipn-orders", type=int, default=2000)
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)

    wanted = {
        "dossiers": args.dossiers,
        "citizens": args.citizens,
        "procedures": args.procedures,
        "agencies": args.agencies,
        "seed": args.seed,
    }
    meta = read_meta(args.database_url) if args.reuse else None
    generation = None
    if meta and meta.get("scale") == wanted:
        print(f"  reusing {args.database_url.rsplit('/', 1)[-1]} (generated in {meta['generation']['total']} s)")
        migrate_seconds = migrate(args.database_url)
        generation = meta["generation"]
        reused = True
    elif args.reuse and not meta and unfinished_generation(args.database_url) == wanted:
        # An interrupted generation of this scale: keep its committed chunks, write the rest.
        print(f"  resuming the generation in {args.database_url.rsplit('/', 1)[-1]}", flush=True)
        migrate_seconds = migrate(args.database_url)
        reused = False
    else:
        recreate_database(args.database_url)
        migrate_seconds = migrate(args.database_url)
        reused = False

    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()
    from bench import datagen, fixtures

    if not reused:
        scale = datagen.Scale(**wanted)
        generated = datagen.generate(scale, dsn=args.database_url, stdout=sys.stdout)
        generation = {**generated.seconds, "migrate": migrate_seconds, "rows": generated.rows}
        write_meta({"scale": wanted, "generation": generation})
    # The indicator rollups of the generated history (what the rollup job and the nightly
    # reconciliation keep in production), once per database.
    rollups = indicator_rollups_build()
    if rollups is not None:
        generation = {**generation, "rollups": rollups["seconds"], "rollup_rows": rollups["rows"]}
        write_meta({"scale": wanted, "generation": generation})
    data = fixtures.build(ipn_orders=args.ipn_orders)
    # The fixtures just wrote the fee and payment rows of the IPN orders (and sessions, tokens):
    # give the planner their statistics now, as autovacuum would on a live database.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    data["generation"] = generation
    data["reused"] = reused
    data["scale"] = wanted
    Path(args.out).write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
