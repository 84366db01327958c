"""Celery tasks of the site shell: delivering outbox notifications and side-effect jobs, and
re-publishing stuck ones. They import the services inside the task, as the services import the
tasks. Every task retries on database errors (portal.kernel.tasks)."""

import logging

from celery import shared_task

from .kernel.tasks import task_options

logger = logging.getLogger(__name__)


@shared_task(
    name="portal.tasks.notification_deliver",
    bind=True,
    **task_options(
        acks_late=True, reject_on_worker_lost=True, max_retries=5, soft_time_limit=60, time_limit=90, ignore_result=True
    ),
)
def notification_deliver_task(self, notification_id: int) -> str:
    """Deliver one notification row; safe to run any number of times (the row is sent once)."""
    from .notifications import DeliveryResult, notification_send

    result = notification_send(notification_id=notification_id)
    # Eager mode (embedded default) has no broker to wait on: the row stays pending instead.
    # Once the retries are spent the row also stays pending and the beat job picks it up.
    if result == DeliveryResult.RETRY and not self.request.is_eager and self.request.retries < self.max_retries:
        # Exponential backoff: 30 s, 60 s, 120 s, ... capped at 15 minutes.
        countdown = min(30 * 2**self.request.retries, 900)
        raise self.retry(countdown=countdown)
    return result


@shared_task(
    name="portal.tasks.notifications_deliver",
    bind=True,
    **task_options(acks_late=True, reject_on_worker_lost=True, soft_time_limit=150, time_limit=180, ignore_result=True),
)
def notifications_deliver_task(self, notification_ids: list[int]) -> dict[int, str]:
    """Deliver the rows one change wrote (published together: one message instead of one per
    row). Each row is sent at most once, as in `notification_deliver_task`; a row whose channel is
    down for now is retried on its own, with backoff."""
    from .notifications import DeliveryResult, notification_send

    results = {}
    for notification_id in notification_ids:
        results[notification_id] = result = notification_send(notification_id=notification_id)
        if result == DeliveryResult.RETRY and not self.request.is_eager:
            try:
                notification_deliver_task.apply_async(args=[notification_id], countdown=30)
            except Exception as exc:  # the row stays pending: the beat job publishes it again
                logger.warning("Could not schedule a retry of notification %s: %s", notification_id, exc)
    return results


@shared_task(
    name="portal.tasks.notifications_redeliver",
    **task_options(acks_late=True, ignore_result=True, soft_time_limit=50, time_limit=60),
)
def notifications_redeliver_task(older_than_seconds: int = 60) -> int:
    """Beat job: publish again the rows a broker outage or a lost task left pending."""
    from .notifications import notifications_redeliver_pending

    return notifications_redeliver_pending(older_than_seconds=older_than_seconds)


@shared_task(
    name="portal.tasks.outbox_deliver",
    **task_options(acks_late=True, reject_on_worker_lost=True, soft_time_limit=240, time_limit=300, ignore_result=True),
)
def outbox_deliver_task(job_id: int) -> str:
    """Carry out one outbox job (a receipt, a refund, a PDF); safe to run any number of times.
    A failure of the effect itself is recorded on the row and retried by the beat job."""
    from .outbox import outbox_job_run

    return outbox_job_run(job_id=job_id)


@shared_task(
    name="portal.tasks.outbox_deliver_many",
    **task_options(acks_late=True, reject_on_worker_lost=True, soft_time_limit=240, time_limit=300, ignore_result=True),
)
def outbox_deliver_many_task(job_ids: list[int]) -> dict[int, str]:
    """Carry out several outbox jobs one after the other (the relay publishes what it found due
    in one message instead of one per job). Same time limits as `outbox_deliver`, so no job of the
    batch runs longer than OUTBOX_IN_DOUBT_SECONDS allows; a job the limit cuts short, or one not
    yet started when the worker is lost, stays pending and the beat job publishes it again."""
    from .outbox import outbox_job_run

    return {job_id: outbox_job_run(job_id=job_id) for job_id in job_ids}


@shared_task(
    name="portal.tasks.outbox_redeliver",
    **task_options(acks_late=True, ignore_result=True, soft_time_limit=50, time_limit=60),
)
def outbox_redeliver_task(older_than_seconds: int = 60) -> int:
    """Beat job: publish again the outbox jobs a broker outage, a failure or a dead worker left."""
    from .outbox import outbox_redeliver_pending

    return outbox_redeliver_pending(older_than_seconds=older_than_seconds)
