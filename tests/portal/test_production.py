"""Production mode: refuses to start without its secrets and passes `check --deploy`; the site
shell sends the security headers."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.production import SIGNING_PRODUCTION_ENV

BASE_DIR = Path(__file__).resolve().parents[2]


def _env(tmp_path, **overrides) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "REDIS_URL", "PORTAL_TESTING", "DEBUG", "SANDBOX_ENABLED", "EMAIL_URL")
    }
    env.update(
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="portal.example.vn",
        DATABASE_URL="postgres://portal:secret@127.0.0.1:1/portal",  # never connected to by `check`
        PAYMENT_PROVIDERS="counter",  # the online gateways' keys are the payments app's concern
        PORTAL_VAR_DIR=str(tmp_path / "var"),
        STATIC_ROOT=str(tmp_path / "static"),
        **SIGNING_PRODUCTION_ENV,
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def _manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_reports_no_issues(tmp_path):
    result = _manage(_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"])
def test_production_refuses_to_start_without(tmp_path, missing):
    result = _manage(_env(tmp_path, **{missing: None}), "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


def test_http_sms_gateway_needs_its_url_and_token_in_production(tmp_path):
    result = _manage(_env(tmp_path, SMS_CHANNEL="http"), "check")
    assert result.returncode != 0
    assert "SMS_GATEWAY_URL" in result.stderr and "SMS_GATEWAY_TOKEN" in result.stderr
    ok = _manage(
        _env(tmp_path, SMS_CHANNEL="http", SMS_GATEWAY_URL="https://sms.example.vn/send", SMS_GATEWAY_TOKEN="t0k3n"),
        "check",
    )
    assert ok.returncode == 0, ok.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/hop-thu/", "/khong-co-trang-nay/", "/health/"])
def test_security_headers(client, path):
    response = client.get(path)
    csp = {}
    for part in response["Content-Security-Policy"].split(";"):
        words = part.split()
        if words:
            csp[words[0]] = words[1:]
    scripts = csp.get("script-src", csp.get("default-src"))
    assert scripts and "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    assert csp["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.mark.django_db
def test_shell_pages_have_no_inline_script_or_style(client):
    import re

    html = client.get("/").content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline <script> in the page"
    assert " style=" not in html


def test_site_url_defaults_to_https_on_the_first_allowed_host(tmp_path):
    env = _env(
        tmp_path, ALLOWED_HOSTS="dichvucong.vinhlong.gov.vn,www.example.vn", DJANGO_SETTINGS_MODULE="portal.settings"
    )
    code = "import django; django.setup(); from django.conf import settings; print(settings.SITE_URL)"
    result = subprocess.run([sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "https://dichvucong.vinhlong.gov.vn"


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        ({"SIGNING_SIGNER": "sandbox"}, "Production signs with a real signer"),
        ({"SIGNING_SIGNER": None}, "Production signs with a real signer"),
        ({"SIGNING_TSA_URL": None}, "SIGNING_TSA_URL"),
    ],
)
def test_production_refuses_the_sandbox_signer(tmp_path, overrides, says):
    result = _manage(_env(tmp_path, **overrides), "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and says in result.stderr
