import pytest

from portal.celery import app as celery_app


@pytest.fixture(autouse=True)
def _celery_mode(request):
    """Tasks run in-process, except in tests marked `redis`, which use the real broker (REDIS_URL runs)."""
    conf = celery_app.conf
    old = conf.task_always_eager
    conf.task_always_eager = "redis" not in request.keywords
    yield
    conf.task_always_eager = old
