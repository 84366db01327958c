"""Security headers on every kind of page, and the production settings (secure cookies, HSTS,
`check --deploy` clean)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.production import SIGNING_PRODUCTION_ENV

BASE_DIR = Path(__file__).resolve().parents[2]
PAGES = ["/", "/accounts/login/", "/admin/login/", "/api/schema/", "/health/"]


def _directives(csp: str) -> dict[str, list[str]]:
    result = {}
    for part in csp.split(";"):
        words = part.split()
        if words:
            result[words[0]] = words[1:]
    return result


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_every_page_sends_the_security_headers(client, path):
    response = client.get(path)
    assert response.status_code in (200, 302)  # the admin sends people to the (two-factor) login
    csp = _directives(response["Content-Security-Policy"])
    script_src = csp.get("script-src", csp.get("default-src"))
    assert script_src, "CSP has neither script-src nor default-src"
    assert "'unsafe-inline'" not in script_src
    assert "'unsafe-eval'" not in script_src
    assert "*" not in script_src
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert "base-uri" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] in ("strict-origin-when-cross-origin", "same-origin", "no-referrer")
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_csp_allows_no_third_party_origin(client):
    csp = client.get("/")["Content-Security-Policy"]
    for source in csp.replace(";", " ").split():
        assert not source.startswith(("http:", "https:", "//")), f"third-party source in CSP: {source}"


@pytest.mark.django_db
def test_api_docs_are_served_without_a_cdn(client):
    html = client.get("/api/docs/").content.decode()
    assert "cdn." not in html and "unpkg" not in html and "jsdelivr" not in html


def _production_env(**extra) -> dict:
    unwanted = ("DATABASE_URL", "REDIS_URL", "PORTAL_TESTING", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if k not in unwanted}
    env.update(
        DJANGO_ENV="production",
        SECRET_KEY="x" * 20 + "production-secret-for-the-deploy-check-0123456789",
        ALLOWED_HOSTS="dichvucong.example.vn",
        DATABASE_URL="postgres://portal@127.0.0.1:1/portal",  # never connected to by these checks
        PORTAL_VAR_DIR=extra.pop("var_dir"),
        STATIC_ROOT=extra.pop("static_root"),
        **SIGNING_PRODUCTION_ENV,
        **extra,
    )
    return env


def test_production_settings_pass_the_deploy_check(tmp_path):
    env = _production_env(var_dir=str(tmp_path / "var"), static_root=str(tmp_path / "static"))
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_settings_values(tmp_path):
    env = _production_env(var_dir=str(tmp_path / "var"), static_root=str(tmp_path / "static"))
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; print(json.dumps({"
        "'session_secure': s.SESSION_COOKIE_SECURE, 'csrf_secure': s.CSRF_COOKIE_SECURE,"
        "'lang_secure': s.LANGUAGE_COOKIE_SECURE, 'hsts': s.SECURE_HSTS_SECONDS,"
        "'ssl_redirect': s.SECURE_SSL_REDIRECT, 'debug': s.DEBUG, 'sandbox': s.SANDBOX_ENABLED,"
        "'session_httponly': s.SESSION_COOKIE_HTTPONLY}))"
    )
    env["DJANGO_SETTINGS_MODULE"] = "portal.settings"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    import json

    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "session_secure": True,
        "csrf_secure": True,
        "lang_secure": True,
        "hsts": values["hsts"],
        "ssl_redirect": True,
        "debug": False,
        "sandbox": False,
        "session_httponly": True,
    }
    assert values["hsts"] >= 31536000


def test_production_refuses_to_start_without_its_secrets(tmp_path):
    env = _production_env(var_dir=str(tmp_path / "var"), static_root=str(tmp_path / "static"))
    del env["SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.fixture
def production_like(settings):
    """The security settings production mode sets, applied to the test process."""
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.LANGUAGE_COOKIE_SECURE = True
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^health/"]
    return settings


@pytest.mark.django_db
def test_https_responses_carry_hsts_and_secure_cookies(client, citizen, production_like):
    from .conftest import PASSWORD

    login_page = client.get("/accounts/login/", secure=True)
    assert login_page["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert login_page.cookies["csrftoken"]["secure"]
    response = client.post(
        "/accounts/login/", {"login": citizen.email, "password": PASSWORD}, secure=True, follow=False
    )
    assert response.status_code == 302
    session_cookie = response.cookies["sessionid"]
    assert session_cookie["secure"] and session_cookie["httponly"]
    assert session_cookie["samesite"] == "Lax"
    language = client.post("/i18n/setlang/", {"language": "en", "next": "/"}, secure=True)
    assert language.cookies["portal_language"]["secure"]


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https_except_health(client, production_like):
    response = client.get("/accounts/login/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
    assert client.get("/health/").status_code == 200
