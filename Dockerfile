# Production image: gunicorn serving the portal; the same image runs the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=portal.settings PORTAL_VAR_DIR=/var/lib/portal

RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b gettext curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --home-dir /app portal

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY --chown=portal:portal . .
RUN mkdir -p /var/lib/portal && chown portal:portal /var/lib/portal \
 && DJANGO_ENV=build python manage.py collectstatic --noinput -v0 \
 && python manage.py compilemessages --ignore=.venv -v0

USER portal
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --retries=3 CMD curl -fsS http://127.0.0.1:8000/health/ || exit 1
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "2", "--timeout", "60", "--access-logfile", "-"]
