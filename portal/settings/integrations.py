"""Outbound integrations: the national portal sync (integrations/) and signed webhooks.
Beat jobs are in tasks.py. docs/national-sync.md explains every knob."""

from django.core.exceptions import ImproperlyConfigured

from portal.settings.base import PRODUCTION, SANDBOX_ENABLED, SITE_URL, TESTING, env

# The national portal (Cổng DVCQG) through the province's LGSP/NGSP. Off by default in
# production until its URL and token are set; elsewhere it talks to the built-in sandbox (the
# tests switch it on where they look at it).
NATIONAL_SYNC_ENABLED = env.bool("NATIONAL_SYNC_ENABLED", default=(not PRODUCTION or SANDBOX_ENABLED) and not TESTING)
NATIONAL_SYNC_ADAPTER = env.str("NATIONAL_SYNC_ADAPTER", default="dvcqg")
NATIONAL_SYNC_URL = env.str("NATIONAL_SYNC_URL", default=SITE_URL + "/sandbox/dvcqg/api/")
# The bearer token issued by the LGSP/NGSP; the sandbox accepts DVCQG_SANDBOX_TOKEN.
DVCQG_SANDBOX_TOKEN = env.str("DVCQG_SANDBOX_TOKEN", default="dvcqg-sandbox-token")
NATIONAL_SYNC_TOKEN = env.str("NATIONAL_SYNC_TOKEN", default="" if PRODUCTION else DVCQG_SANDBOX_TOKEN)
if PRODUCTION and NATIONAL_SYNC_ENABLED and not NATIONAL_SYNC_TOKEN:
    raise ImproperlyConfigured("NATIONAL_SYNC_ENABLED needs NATIONAL_SYNC_TOKEN (and NATIONAL_SYNC_URL)")
NATIONAL_SYNC_TIMEOUT_SECONDS = env.float("NATIONAL_SYNC_TIMEOUT_SECONDS", default=10.0)
# A message that does not go through is tried again after 30 s, 60 s, 120 s, ... (at most
# NATIONAL_SYNC_BACKOFF_MAX_SECONDS apart); after NATIONAL_SYNC_MAX_ATTEMPTS it waits for an operator.
NATIONAL_SYNC_BACKOFF_SECONDS = env.int("NATIONAL_SYNC_BACKOFF_SECONDS", default=30)
NATIONAL_SYNC_BACKOFF_MAX_SECONDS = env.int("NATIONAL_SYNC_BACKOFF_MAX_SECONDS", default=3600)
NATIONAL_SYNC_MAX_ATTEMPTS = env.int("NATIONAL_SYNC_MAX_ATTEMPTS", default=60)

# Webhooks: retried 1 min, 2 min, 4 min, ... (at most WEBHOOK_BACKOFF_MAX_SECONDS apart) for
# WEBHOOK_RETRY_HOURS; after a secret rotation the old one signs too for WEBHOOK_ROTATION_HOURS.
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
WEBHOOK_BACKOFF_SECONDS = env.int("WEBHOOK_BACKOFF_SECONDS", default=60)
WEBHOOK_BACKOFF_MAX_SECONDS = env.int("WEBHOOK_BACKOFF_MAX_SECONDS", default=6 * 3600)
WEBHOOK_RETRY_HOURS = env.int("WEBHOOK_RETRY_HOURS", default=72)
WEBHOOK_ROTATION_HOURS = env.int("WEBHOOK_ROTATION_HOURS", default=24)
# Private, loopback and link-local webhook addresses (SSRF) are refused in production; the
# sandboxes and the tests call local receivers.
WEBHOOK_ALLOW_PRIVATE_URLS = env.bool("WEBHOOK_ALLOW_PRIVATE_URLS", default=SANDBOX_ENABLED or TESTING)
