"""The one outbox for side effects (receipts, refunds, issued PDFs, and whatever comes next):
a row written in the transaction that causes the effect, a task published after commit, and a
beat job that publishes again what a broker outage or a dead worker left behind.

Apps register one handler per kind in `AppConfig.ready()`; a handler takes the job's payload as
keyword arguments and must be idempotent (it may run again after a crash). A run first records
its attempt and commits, then calls the handler, then records the result: a run whose result was
never recorded is "in doubt" after OUTBOX_IN_DOUBT_SECONDS and runs again.

Public interface: outbox_handler_register, outbox_enqueue, outbox_enqueue_many, outbox_batch, outbox_publish,
outbox_job_run, outbox_redeliver_pending, OutboxRetry, OutboxPermanentError.
"""

import contextvars
import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .models import OutboxJob
from .relay import relay_active, relay_wake_on_commit, relay_wake_sql
from .rows import batched, rows_insert
from .tasks import outbox_deliver_many_task, outbox_deliver_task

logger = logging.getLogger(__name__)

_HANDLERS: dict[str, Callable[..., object]] = {}


class OutboxRetry(Exception):
    """The effect cannot be carried out now (a gateway unreachable): try again later."""


class OutboxPermanentError(Exception):
    """The effect can never be carried out: the job fails without further attempts."""


class RunResult:
    DONE = "done"
    ALREADY_DONE = "already_done"
    IN_PROGRESS = "in_progress"
    NOT_DUE = "not_due"
    RETRY = "retry"
    FAILED = "failed"
    MISSING = "missing"


def outbox_handler_register(kind: str, handler: Callable[..., object]) -> None:
    """Called from an app's `AppConfig.ready()`: `handler(**payload)` carries out jobs of `kind`."""
    _HANDLERS[kind] = handler


def outbox_enqueue(*, kind: str, key: str, payload: dict | None = None, again: bool = False) -> OutboxJob:
    """Record a side effect in the caller's transaction and publish it once committed.

    The same `key` never makes a second job: a repeat returns the existing one. `again=True`
    re-arms a finished or failed job (an operator's "send again", a forced regeneration) with
    the new payload."""
    return outbox_enqueue_many([(kind, key, payload)], again=again)[0]


def outbox_enqueue_many(jobs: Iterable[tuple[str, str, dict | None]], *, again: bool = False) -> list[OutboxJob]:
    """`outbox_enqueue` of several (kind, key, payload) at once: the new keys in one
    `INSERT … ON CONFLICT (key) DO NOTHING RETURNING id` (a repeat breaks no transaction and
    needs no savepoint); only repeats are read back. The jobs, in the order given."""
    now = timezone.now()
    jobs = [
        OutboxJob(kind=kind, key=key, payload=payload or {}, next_attempt_at=now, created_at=now)
        for kind, key, payload in jobs
    ]
    if not jobs:
        return []
    batch = _BATCH.get()
    if batch is not None and not again:  # written at the end of `outbox_batch`, with the others
        batch += jobs
        return jobs
    return _enqueue(jobs, again=again)


def _enqueue(jobs: list[OutboxJob], *, again: bool) -> list[OutboxJob]:
    rows = {job.key: job for job in jobs}  # a key given twice: its last payload
    wake = relay_wake_sql() if relay_active() else ""  # sent with the INSERT: no statement of its own
    created = _insert_new(list(rows.values()), prefix=wake)
    repeats = [key for key in rows if key not in created]
    found = {job.key: job for job in OutboxJob.objects.filter(key__in=repeats)} if repeats else {}
    result = []
    for given in jobs:
        key, payload = given.key, given.payload
        job = rows[key] if key in created else found[key]
        if key not in created and again and job.status != OutboxJob.Status.RUNNING:
            OutboxJob.objects.filter(pk=job.pk).update(
                status=OutboxJob.Status.PENDING,
                payload=payload,
                attempts=0,
                next_attempt_at=timezone.now(),
                last_error="",
            )
            job.refresh_from_db()
            created[key] = job.pk  # published again below
        result.append(job)
    ids = list(dict.fromkeys(created.values()))
    if ids:
        if relay_active():
            relay_wake_on_commit()  # the relay publishes them (portal/relay.py): no broker in the request
            # (nothing more when the INSERT carried the NOTIFY)
        else:
            transaction.on_commit(lambda: outbox_publish(ids), robust=True)
    return result


_BATCH: contextvars.ContextVar[list | None] = contextvars.ContextVar("outbox_batch", default=None)


def outbox_batch():
    """Write the jobs of every `outbox_enqueue` inside the block in one INSERT at its end (one
    change with several effects: a filing's national sync message and its notices). Inside the
    block the calls return their jobs unsaved; they are the rows written at its end (their ids
    set then; a key given twice is written once, with its last payload). Nothing is written if
    the block raises (the caller's transaction is rolled back anyway)."""
    return batched(_BATCH, lambda jobs: _enqueue(jobs, again=False))


def _insert_new(rows: list[OutboxJob], *, prefix: str = "") -> dict[str, int]:
    """Insert the rows whose key is new; {key: id} of those inserted (the rows get their pk).
    `prefix`: a statement sent in the same round trip (`relay_wake_sql`)."""
    return rows_insert(rows, unique="key", prefix=prefix)


PUBLISH_BATCH = 10  # jobs per message when the relay publishes a batch


def outbox_publish(ids: Iterable[int], *, batch: bool = False) -> list[int]:
    """Hand jobs to Celery. Runs after commit; a broker outage is logged, never raised (a request
    must answer from what it committed): the rows stay pending and the beat job publishes them.
    `batch` (the relay): up to PUBLISH_BATCH jobs per message, `outbox_deliver_many`; publishing a
    message costs the publisher ~1-2 ms of CPU, more than the rows' reads. Returns the ids that
    were published."""
    ids = list(ids)
    size = PUBLISH_BATCH if batch else 1
    done = []
    for start in range(0, len(ids), size):
        chunk = ids[start : start + size]
        try:
            if len(chunk) == 1:
                outbox_deliver_task.delay(chunk[0])
            else:
                outbox_deliver_many_task.delay(chunk)
        except Exception as exc:  # kombu/redis raise many types when the broker is down
            logger.warning("Could not publish outbox jobs %s (will be redelivered): %s", chunk, exc)
            if batch:  # the relay tries again at its next wake-up or poll, not once per chunk now
                break
        else:
            done += chunk
    return done


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def outbox_job_run(*, job_id: int) -> str:
    """Carry out one job: claim it (committed), run its handler, record the result."""
    now = timezone.now()
    attempt = uuid.uuid4().hex
    with transaction.atomic():
        job = OutboxJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            return RunResult.MISSING
        if job.status == OutboxJob.Status.DONE:
            return RunResult.ALREADY_DONE
        if job.status == OutboxJob.Status.FAILED:
            return RunResult.FAILED
        in_doubt_since = now - timedelta(seconds=settings.OUTBOX_IN_DOUBT_SECONDS)
        if job.status == OutboxJob.Status.RUNNING and job.started_at and job.started_at > in_doubt_since:
            return RunResult.IN_PROGRESS  # another worker has it; if it died, the beat job comes back
        if job.status == OutboxJob.Status.PENDING and job.next_attempt_at > now:
            return RunResult.NOT_DUE
        job.status = OutboxJob.Status.RUNNING
        job.attempt_id = attempt
        job.started_at = now
        job.attempts += 1
        job.save(update_fields=["status", "attempt_id", "started_at", "attempts"])

    mine = OutboxJob.objects.filter(pk=job_id, attempt_id=attempt, status=OutboxJob.Status.RUNNING)
    handler = _HANDLERS.get(job.kind)
    try:
        if handler is None:
            raise OutboxRetry(f"no handler registered for {job.kind!r}")
        handler(**job.payload)
    except OutboxPermanentError as exc:
        mine.update(status=OutboxJob.Status.FAILED, last_error=str(exc)[:2000], done_at=timezone.now())
        logger.warning("Outbox job %s (%s) failed permanently: %s", job_id, job.kind, exc)
        return RunResult.FAILED
    except Exception as exc:
        final = job.attempts >= settings.OUTBOX_MAX_ATTEMPTS
        mine.update(
            status=OutboxJob.Status.FAILED if final else OutboxJob.Status.PENDING,
            next_attempt_at=timezone.now() + _backoff(job.attempts),
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
        )
        log = logger.error if final else logger.warning
        log("Outbox job %s (%s) attempt %s failed: %s", job_id, job.kind, job.attempts, exc)
        return RunResult.FAILED if final else RunResult.RETRY
    mine.update(status=OutboxJob.Status.DONE, last_error="", done_at=timezone.now())
    return RunResult.DONE


def outbox_redeliver_pending(*, older_than_seconds: int = 60, limit: int = 500, kinds: Iterable[str] = ()) -> int:
    """Publish again the jobs that are due and were not carried out: pending past their (retry)
    time and older than `older_than_seconds` (their own publish may still be on its way), or
    claimed by a run that never reported back."""
    now = timezone.now()
    in_doubt_since = now - timedelta(seconds=settings.OUTBOX_IN_DOUBT_SECONDS)
    jobs = OutboxJob.objects.filter(kind__in=list(kinds)) if kinds else OutboxJob.objects.all()
    ids = list(
        jobs.filter(
            Q(
                status=OutboxJob.Status.PENDING,
                next_attempt_at__lte=now,
                created_at__lt=now - timedelta(seconds=older_than_seconds),
            )
            | Q(status=OutboxJob.Status.RUNNING, started_at__lt=in_doubt_since)
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    outbox_publish(ids)
    return len(ids)
