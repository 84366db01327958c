# Production image: gunicorn serving the portal; the same image runs the Celery worker and beat.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=portal.settings \
    PORTAL_VAR_DIR=/var/lib/portal \
    STATIC_ROOT=/app/staticfiles

# Pango/HarfBuzz for WeasyPrint (PDF receipts), gettext for the catalogs, curl for health checks.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b gettext curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --create-home --home-dir /home/portal portal

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

# The code stays owned by root (the app cannot rewrite itself); only /var/lib/portal is writable.
COPY . .
# Static files are collected with the production storage (hashed names + manifest for WhiteNoise)
# into the image, not into the data volume, so an upgrade never serves stale assets. The values
# below exist only for this build step; the container gets the real ones from the environment.
RUN python manage.py compilemessages --ignore=.venv -v0 \
 && DJANGO_ENV=production SECRET_KEY=build-only-not-a-secret-0123456789-abcdefghijklmnopqrstuvwxyz \
    ALLOWED_HOSTS=build.invalid DATABASE_URL=postgres://build@build.invalid/build PAYMENT_PROVIDERS=counter \
    SIGNING_SIGNER=remote SIGNING_REMOTE_URL=https://build.invalid SIGNING_TSA_URL=https://build.invalid SIGNING_TRUST_ROOTS=/dev/null \
    python manage.py collectstatic --noinput -v0 \
 && mkdir -p /var/lib/portal/media /var/lib/portal/outbox \
 && chown -R portal:portal /var/lib/portal

USER portal
VOLUME ["/var/lib/portal"]
EXPOSE 8000
# Django answers only for ALLOWED_HOSTS: the check sends the first of them as the Host header.
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
  CMD curl -fsS -H "Host: ${ALLOWED_HOSTS%%,*}" http://127.0.0.1:8000/health/ || exit 1
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--threads", "2", \
     "--timeout", "60", "--max-requests", "2000", "--max-requests-jitter", "200", "--access-logfile", "-"]
