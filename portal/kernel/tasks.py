"""Options every Celery task shares: retry on database errors (a dropped connection, a failover)
with bounded exponential backoff. Tasks import `task_options` at module level."""

from django.db import InterfaceError, OperationalError

DB_ERRORS = (OperationalError, InterfaceError)

DB_RETRY = {
    "autoretry_for": DB_ERRORS,
    "retry_backoff": 5,  # 5 s, 10 s, 20 s, ... with jitter
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
}


def task_options(**options) -> dict:
    """The shared retry options, overridden by the task's own (its own error types are added)."""
    merged = {**DB_RETRY, **options}
    merged["autoretry_for"] = tuple(dict.fromkeys((*DB_ERRORS, *options.get("autoretry_for", ()))))
    return merged
