"""Starting and stopping the processes the bench needs (gunicorn, a Celery worker), each in its
own process group on 127.0.0.1, always stopped by the pid the bench started."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def bench_env(database_url: str, redis_url: str, port: int | None = None, **extra) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DEBUG": "0",
        "OUTBOX_DIR": "/tmp/bench_outbox",
        "MEDIA_ROOT": "/tmp/bench_media",
        "CACHE_KEY_PREFIX": "bench",
        **{k: str(v) for k, v in extra.items()},
    }
    if port:
        env["SITE_URL"] = f"http://127.0.0.1:{port}"
    env.pop("PORTAL_TESTING", None)
    # Production form: requests only record outbox rows; the relay publishes them (OUTBOX_RELAY=0
    # in the environment measures the old publish-in-the-request path).
    env.setdefault("OUTBOX_RELAY", "1")
    return env


class Process:
    def __init__(self, name: str, argv: list[str], env: dict, log: Path):
        self.name, self.argv, self.env, self.log = name, argv, env, log
        self.proc: subprocess.Popen | None = None

    def start(self):
        self.log.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.log, "ab")  # noqa: SIM115 - closed in stop()
        self._handle = handle
        self.proc = subprocess.Popen(
            self.argv, cwd=ROOT, env=self.env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )
        return self

    def stop(self, timeout: float = 20.0):
        if self.proc is None or self.proc.poll() is not None:
            return
        # The group was created for this process (start_new_session): its id is our child's pid.
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)
        self._handle.close()

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


def gunicorn(*, port: int, workers: int, threads: int, env: dict, log: Path) -> Process:
    argv = [
        sys.executable, "-m", "gunicorn", "portal.wsgi:application",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--worker-class", "gthread" if threads > 1 else "sync",
        "--threads", str(threads),
        "--timeout", "60",
        "--graceful-timeout", "5",
        "--max-requests", "0",
        "--log-level", "warning",
        "--preload",
    ]  # fmt: skip
    return Process("gunicorn", argv, env, log).start()


def wait_http(url: str, *, timeout: float = 60.0, proc: Process | None = None) -> None:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if proc is not None and not proc.alive():
            raise RuntimeError(f"{proc.name} exited; see {proc.log}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except Exception as exc:
            last = exc
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer in {timeout} s: {last}")


def outbox_relay(*, env: dict, log: Path) -> Process | None:
    """The relay that publishes outbox rows (portal/relay.py), when OUTBOX_RELAY is on."""
    if env.get("OUTBOX_RELAY", "0").lower() in ("0", "false", "no", "off", ""):
        return None
    return Process("relay", [sys.executable, "manage.py", "outbox_relay"], env, log).start()


def celery_worker(*, env: dict, log: Path, concurrency: int = 2) -> Process:
    argv = [
        sys.executable, "-m", "celery", "-A", "portal", "worker",
        "--concurrency", str(concurrency), "--pool", "prefork", "--loglevel", "WARNING",
        "--without-gossip", "--without-mingle", "--without-heartbeat",
        "-n", f"bench-{os.getpid()}@%h",
    ]  # fmt: skip
    return Process("celery", argv, env, log).start()
