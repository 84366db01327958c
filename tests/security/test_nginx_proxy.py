"""Acceptance: the portal behind a real nginx (Debian's nginx-light) configured as
docs/deployment-proxy.md says. Two clients behind it keep separate login limits, and a forged
X-Forwarded-For — sent through nginx or straight to the app server — changes nothing.

Every address is on the loopback (all of 127.0.0.0/8 is local on Linux): client A connects from
127.0.0.2, client B from 127.0.0.3, nginx connects upstream from 127.0.0.9 (`proxy_bind`), the only
address in TRUSTED_PROXIES, and a client that bypasses nginx connects from 127.0.0.4.
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests
from requests.adapters import HTTPAdapter

from .conftest import PASSWORD, make_verified_user

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
NGINX_EGRESS = "127.0.0.9"
CLIENT_A = "127.0.0.2"
CLIENT_B = "127.0.0.3"
DIRECT = "127.0.0.4"
LOCKED = re.compile(r"quá nhiều lần|too many", re.IGNORECASE)
DEADLINE = 20.0

pytestmark = pytest.mark.django_db(transaction=True)


def _require_nginx() -> None:
    if os.path.isfile(NGINX) and os.access(NGINX, os.X_OK):
        return
    reason = f"nginx not found at {NGINX} (install Debian's `nginx-light`)"
    if os.environ.get("CI") or os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"CI needs nginx: {reason}", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _documented_proxy_lines() -> str:
    """The `proxy_set_header` lines of the nginx example in docs/deployment-proxy.md."""
    doc = (Path(__file__).resolve().parents[2] / "docs" / "deployment-proxy.md").read_text()
    block = doc.split("```nginx", 1)[1].split("```", 1)[0]
    lines = [line.strip() for line in block.splitlines() if line.strip().startswith("proxy_set_header ")]
    assert any("X-Forwarded-For $proxy_add_x_forwarded_for" in line for line in lines), lines
    return "\n            ".join(lines)


def _nginx_conf(tmp: Path, *, port: int, upstream: str) -> str:
    # The proxy lines are those of docs/deployment-proxy.md; the rest keeps nginx inside `tmp`.
    user = "user root;" if os.geteuid() == 0 else ""
    return f"""
{user}
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass {upstream};
            proxy_bind {NGINX_EGRESS};
            {_documented_proxy_lines()}
        }}
    }}
}}
"""


def _wait_listening(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"nginx exited ({process.returncode}):\n{log.read_text(errors='replace')[-4000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    pytest.fail("nginx did not start listening")


@pytest.fixture
def nginx(tmp_path, live_server, settings):
    """nginx in front of the live server; yields its base URL and stops it afterwards."""
    _require_nginx()
    settings.TRUSTED_PROXIES = [f"{NGINX_EGRESS}/32"]
    upstream = "http://127.0.0.1:" + live_server.url.rsplit(":", 1)[1]
    port = _free_port()
    conf = tmp_path / "nginx.conf"
    conf.write_text(_nginx_conf(tmp_path, port=port, upstream=upstream))
    log = tmp_path / "nginx.out"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [NGINX, "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(conf)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_listening(port, process, tmp_path / "error.log")
        yield {"url": f"http://127.0.0.1:{port}", "upstream": upstream, "access_log": tmp_path / "access.log"}
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class _FromAddress(HTTPAdapter):
    """Connect from a chosen local address, as a separate machine would."""

    def __init__(self, source: str):
        self.source = source
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)


def _browser(source: str) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment: straight to the given URL
    session.mount("http://", _FromAddress(source))
    return session


def _login(session: requests.Session, base: str, email: str, password: str, forged: str = "") -> requests.Response:
    headers = {"X-Forwarded-For": forged} if forged else {}
    session.get(f"{base}/accounts/login/", headers=headers, timeout=10).raise_for_status()
    return session.post(
        f"{base}/accounts/login/",
        data={"login": email, "password": password, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
        headers=headers,
        allow_redirects=False,
        timeout=10,
    )


def _failed_login_limit() -> int:
    from allauth.account import app_settings

    spec = app_settings.RATE_LIMITS["login_failed"]
    return next(int(part.split("/")[0]) for part in spec.split(",") if part.endswith("/ip"))


def _locked(response: requests.Response) -> bool:
    return response.status_code == 429 or (response.status_code == 200 and bool(LOCKED.search(response.text)))


def test_two_clients_behind_nginx_keep_separate_login_limits_and_forged_headers_change_nothing(nginx):
    alice = make_verified_user("alice.nginx@example.vn")
    bob = make_verified_user("bob.nginx@example.vn")
    dave = make_verified_user("dave.nginx@example.vn")
    limit = _failed_login_limit()

    # Client A fails more than the per-IP limit through nginx, each time claiming to be B.
    client_a = _browser(CLIENT_A)
    for i in range(limit + 1):
        _login(client_a, nginx["url"], f"nobody{i}@example.vn", "wrong-password", forged=CLIENT_B)
    assert _locked(_login(client_a, nginx["url"], alice.email, PASSWORD, forged=f"192.0.2.{limit}"))

    # A client that bypasses nginx claims B's (and then random) addresses: ignored, its own
    # address is counted and locked.
    direct = _browser(DIRECT)
    for i in range(limit + 1):
        _login(direct, nginx["upstream"], f"nobody{i}@example.vn", "wrong-password", forged=f"{CLIENT_B}, 192.0.2.{i}")
    assert _locked(_login(direct, nginx["upstream"], dave.email, PASSWORD, forged="192.0.2.200"))

    # Client B, behind the same nginx, signs in.
    client_b = _browser(CLIENT_B)
    response = _login(client_b, nginx["url"], bob.email, PASSWORD)
    assert response.status_code == 302, "B was refused" + (" (locked out)" if _locked(response) else "")
    assert client_b.get(f"{nginx['url']}/tai-khoan/", allow_redirects=False, timeout=10).status_code == 200
    # Both went through nginx, which saw them as two addresses.
    peers = {line.split()[0] for line in nginx["access_log"].read_text().splitlines()}
    assert peers == {CLIENT_A, CLIENT_B}
