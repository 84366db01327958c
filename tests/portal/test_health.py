import pytest


@pytest.mark.django_db
def test_liveness_answers_ok(client):
    response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readiness_reports_each_dependency(client):
    response = client.get("/health/ready/")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "cache": "ok", "broker": "ok"}
    assert body["failing"] == []
    assert {part["status"] for part in body["components"].values()} == {"ok"}


@pytest.mark.django_db
def test_readiness_fails_when_the_broker_is_unreachable(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    from portal.celery import app

    old = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        response = client.get("/health/ready/")
    finally:
        app.conf.broker_url = old
    # Requests still work without the broker (outbox rows are published later): degraded, ready.
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["broker"] == "error"
    assert response.json()["failing"] == ["broker"]


@pytest.mark.django_db
def test_readiness_fails_when_the_database_is_unreachable(client, monkeypatch):
    from django.db import connection
    from django.db.utils import OperationalError

    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)
    response = client.get("/health/ready/")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable" and response.json()["failing"] == ["database"]
