"""docker-compose.yml and the Dockerfile, checked structurally (CI has no Docker engine)."""

import re
from pathlib import Path

import yaml

BASE_DIR = Path(__file__).resolve().parents[2]
APP_SERVICES = ("web", "worker", "beat")


def _compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def test_compose_has_the_five_services_with_health_checks():
    services = _compose()["services"]
    for name in ("postgres", "redis", *APP_SERVICES):
        assert name in services, name
        check = services[name].get("healthcheck")
        assert check and check.get("test") and not check.get("disable"), f"{name} has no health check"
        assert services[name].get("restart") == "unless-stopped"


def test_volumes_are_declared_and_used():
    compose = _compose()
    declared = set(compose["volumes"])
    assert {"pgdata", "redisdata", "media"} <= declared
    services = compose["services"]
    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "redisdata:/data" in services["redis"]["volumes"]
    for name in APP_SERVICES:
        assert "media:/var/lib/portal" in services[name]["volumes"]
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("./"):  # a file of the repository, read-only (the primary's init script)
                assert volume.endswith(":ro") and (BASE_DIR / source).is_file(), volume
                continue
            assert source in declared


def test_app_services_run_in_production_against_postgres_and_redis():
    services = _compose()["services"]
    for name in (*APP_SERVICES, "migrate"):
        env = services[name]["environment"]
        assert env["DJANGO_ENV"] == "production"
        assert env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"]
        assert env["REDIS_URL"].startswith("redis://redis:6379/")
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
        if name != "migrate":
            assert depends["migrate"]["condition"] == "service_completed_successfully"
    assert "gunicorn" in services["web"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "portal", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "portal", "beat"]
    assert "migrate" in " ".join(services["migrate"]["command"])
    assert "portal_init" in " ".join(services["migrate"]["command"])


def test_no_secret_is_committed_and_only_localhost_is_published():
    text = (BASE_DIR / "docker-compose.yml").read_text()
    assert "${POSTGRES_PASSWORD:?" in text
    assert not re.search(r"SECRET_KEY\s*[:=]", text)
    services = _compose()["services"]
    for name, service in services.items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} on every interface"


def test_health_checks_send_an_allowed_host():
    web_check = " ".join(_compose()["services"]["web"]["healthcheck"]["test"])
    assert "/health/ready/" in web_check and "Host: $${ALLOWED_HOSTS%%,*}" in web_check
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    assert "Host: ${ALLOWED_HOSTS%%,*}" in dockerfile


def test_dockerfile_runs_unprivileged_with_production_static_files():
    dockerfile = (BASE_DIR / "Dockerfile").read_text()
    assert re.search(r"^USER portal$", dockerfile, re.M)
    assert "HEALTHCHECK" in dockerfile
    assert "libpango" in dockerfile  # WeasyPrint
    collect = next(line for line in dockerfile.splitlines() if "DJANGO_ENV=production" in line)
    assert "SECRET_KEY=build-only" in collect
    assert "collectstatic" in dockerfile and "STATIC_ROOT=/app/staticfiles" in dockerfile
    ignored = (BASE_DIR / ".dockerignore").read_text().split()
    assert {".git", ".venv", "var"} <= set(ignored)
    assert ".env" in ignored
