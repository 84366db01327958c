"""Celery: the broker, how tasks run, and every periodic (beat) job of every app in one table.

No REDIS_URL -> tasks run eagerly in-process (the embedded default).
"""

from celery.schedules import crontab

from portal.settings.base import REDIS_URL, env

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 100
CELERY_TIMEZONE = "Asia/Ho_Chi_Minh"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must not hang a request when the broker is down: the outbox rows keep the work.
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
# A dead broker costs a request milliseconds, not seconds (issue 15): short connect/read timeouts
# and one immediate publish retry (it replaces a pooled connection a broker restart closed), never a
# wait. Publishing after commit is best effort: the outbox rows are the record, the redelivery jobs
# publish them when the broker is back.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECT_TIMEOUT", default=0.5)
CELERY_BROKER_TRANSPORT_OPTIONS |= {
    "socket_connect_timeout": CELERY_BROKER_CONNECTION_TIMEOUT,
    "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=1.0),
}
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 1, "interval_start": 0, "interval_step": 0, "interval_max": 0}
# A message taken by a worker that dies comes back after the visibility timeout: longer than the
# longest task may run (its hard time limit), or a slow task would be handed to a second worker.
CELERY_LONGEST_TASK_SECONDS = 360  # dossier_deadlines_check, procedure_popularity_refresh
CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] = env.int(
    "CELERY_VISIBILITY_TIMEOUT", default=CELERY_LONGEST_TASK_SECONDS + 60
)
# The outbox of side effects (portal/outbox.py): attempts before a job is marked failed, how long
# a claimed job may go without reporting before it is run again (longer than outbox_deliver's
# time limit), and how often the beat job publishes what is due.
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=8)
OUTBOX_IN_DOUBT_SECONDS = env.int("OUTBOX_IN_DOUBT_SECONDS", default=360)
# The outbox relay (portal/relay.py, `manage.py outbox_relay`): with a real broker, requests only
# write the rows and wake the relay, which publishes them; the broker leaves the request path.
# Off: requests publish after commit (as with eager Celery, where it has no effect).
OUTBOX_RELAY = env.bool("OUTBOX_RELAY", default=False)
# Seconds between the relay's polls when no NOTIFY wakes it (SQLite; a missed wake-up).
OUTBOX_RELAY_POLL_SECONDS = env.float("OUTBOX_RELAY_POLL_SECONDS", default=1.0)
# Seconds the relay lets further NOTIFYs gather after one woke it: one pass (two reads, one message
# per 10 jobs) for every commit of that moment instead of one per commit. 0: a pass per wake-up.
# 0.2 s: no one notices a notice 0.2 s later; under a filing load the relay's CPU per filing is
# half that of 0.05 s (docs/performance.md, issue 13).
OUTBOX_RELAY_COALESCE_SECONDS = env.float("OUTBOX_RELAY_COALESCE_SECONDS", default=0.2)
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# Periodic jobs (django-celery-beat copies them into the database at start; run exactly one beat).
CELERY_BEAT_SCHEDULE: dict = {
    # Issued PDFs (forms 01-04, result cover sheet) whose task was never published.
    "dossiers-pdf-redeliver": {
        "task": "dossiers.tasks.issued_documents_redeliver",
        "schedule": env.int("DOSSIER_PDF_REDELIVER_SECONDS", default=60),
    },
    # Due-soon and overdue dossiers: tell the officials once each.
    "dossiers-deadlines": {
        "task": "dossiers.tasks.dossier_deadlines_check",
        "schedule": env.int("DOSSIER_DEADLINE_CHECK_SECONDS", default=30 * 60),
    },
    # Indicator rollups (dossiers/rollups.py): new dossier events every minute, and a nightly
    # rebuild of the last three days from the raw rows.
    "dossiers-indicators-rollup": {
        "task": "dossiers.tasks.indicators_rollup",
        "schedule": 60,
    },
    "dossiers-indicators-reconcile": {
        "task": "dossiers.tasks.indicators_reconcile",
        "schedule": crontab(hour=0, minute=40),
    },
    # "Most used services" on the home page (DOSSIER_POPULARITY_DAYS in dossiers.py).
    "dossiers-popularity": {
        "task": "dossiers.tasks.procedure_popularity_refresh",
        "schedule": env.int("DOSSIER_POPULARITY_REFRESH_SECONDS", default=24 * 60 * 60),
    },
    # Payments still open at the gateway after PAYMENT_RECONCILE_AFTER_MINUTES (payments.py).
    "payments-reconcile": {
        "task": "payments.tasks.payments_reconcile",
        "schedule": env.int("PAYMENT_RECONCILE_EVERY_SECONDS", default=600),
    },
    "payments-daily-gateway-check": {
        "task": "payments.tasks.payments_check_yesterday",
        "schedule": crontab(hour=1, minute=30),
    },
    # Notification outbox rows still pending (the broker was down when they were written).
    "notifications-redeliver": {
        "task": "portal.tasks.notifications_redeliver",
        "schedule": env.int("NOTIFICATION_REDELIVER_SECONDS", default=60),
        "kwargs": {"older_than_seconds": env.int("NOTIFICATION_REDELIVER_AFTER_SECONDS", default=60)},
    },
    # Side effects of the outbox (receipts, payment notices, refunds, issued PDFs) still due.
    "outbox-redeliver": {
        "task": "portal.tasks.outbox_redeliver",
        "schedule": env.int("OUTBOX_REDELIVER_SECONDS", default=60),
        # Jobs younger than this are left to their own publish.
        "kwargs": {"older_than_seconds": env.int("OUTBOX_REDELIVER_AFTER_SECONDS", default=60)},
    },
    # National portal sync: messages due again after a failure; the daily count comparison.
    "national-sync-due": {
        "task": "integrations.tasks.national_sync_due",
        "schedule": env.int("NATIONAL_SYNC_DUE_SECONDS", default=60),
    },
    "national-sync-reconcile": {
        "task": "integrations.tasks.national_sync_reconcile",
        "schedule": crontab(hour=2, minute=15),
    },
    # Webhook deliveries due again (exponential backoff for up to WEBHOOK_RETRY_HOURS).
    "webhooks-due": {
        "task": "integrations.tasks.webhooks_due",
        "schedule": env.int("WEBHOOK_DUE_SECONDS", default=60),
    },
}
