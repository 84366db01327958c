"""Notifications through an outbox: rows are written in the caller's transaction and delivered
by Celery after commit, exactly once per row; a beat job re-publishes rows a broker outage left
pending. Channels are plugins (portal/channels.py).

Public interface: notification_enqueue, notifications_enqueue_for, notifications_batch, notifications_publish,
notification_send,
notifications_redeliver_pending, notification_mark_read, notifications_mark_all_read,
inbox_for, inbox_unread_count.
"""

import contextvars
import hashlib
import logging
import uuid
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .channels import ChannelError, PermanentChannelError, channel_get
from .models import Notification
from .relay import relay_active, relay_wake_on_commit, relay_wake_sql
from .rows import batched, rows_insert
from .tasks import notifications_deliver_task

logger = logging.getLogger(__name__)

ALL_CHANNELS = (Notification.Channel.EMAIL, Notification.Channel.SMS, Notification.Channel.INBOX)


def _related_ref(related) -> tuple[str, str]:
    if related is None:
        return "", ""
    if isinstance(related, tuple):
        return str(related[0]), str(related[1])
    return related._meta.label_lower, str(related.pk)


def _dedupe_key(*parts) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()


def _user_wants(user, channel: str, *, ignore_preferences: bool = False) -> bool:
    if ignore_preferences:  # a one-time code the person asked for: only an address is needed
        return bool(channel_get(channel).address_for(user))
    if channel == Notification.Channel.EMAIL:
        return bool(getattr(user, "notify_email", True) and user.email)
    if channel == Notification.Channel.SMS:
        return bool(getattr(user, "notify_sms", False) and getattr(user, "phone", ""))
    return True


PUBLISH_BATCH = 10  # rows per Celery message: one change's notifications, a bounded task time


def notifications_publish(ids: list[int]) -> list[int]:
    """Hand rows to Celery, a few rows per message. Runs after commit; a broker outage is
    logged, never raised: the rows stay pending and the beat job publishes them again later.
    Returns the ids that were published."""
    done: list[int] = []
    for start in range(0, len(ids), PUBLISH_BATCH):
        batch = list(ids[start : start + PUBLISH_BATCH])
        try:
            notifications_deliver_task.delay(batch)
        except Exception as exc:  # kombu/redis raise many types when the broker is down
            logger.warning("Could not publish notifications %s (will be redelivered): %s", batch, exc)
        else:
            done += batch
    return done


def notification_enqueue(
    *,
    user,
    event: str,
    subject: str,
    body: str,
    sms_text: str = "",
    url: str = "",
    related=None,
    channels: Iterable[str] | None = None,
    dedupe_key: str | None = None,
    ignore_preferences: bool = False,
) -> list[Notification]:
    """Write one outbox row per channel the user accepts (inbox always) and deliver on commit.

    Call it inside the transaction of the change it reports: if that rolls back, nothing is
    sent. `related` is a model instance or a (type, id) pair. The same event (same user,
    channel, related object and text, or the same explicit `dedupe_key`) never makes two rows;
    callers whose events repeat with identical text should pass a key of their own (e.g. the
    id of their timeline event). Returns the rows of this event, the earlier ones included.
    """
    return notifications_enqueue_for(
        users=[user],
        event=event,
        subject=subject,
        body=body,
        sms_text=sms_text,
        url=url,
        related=related,
        channels=channels,
        dedupe_key=dedupe_key,
        ignore_preferences=ignore_preferences,
    )


def notifications_enqueue_for(
    *,
    users: Iterable,
    event: str,
    subject: str,
    body: str,
    sms_text: str = "",
    url: str = "",
    related=None,
    channels: Iterable[str] | None = None,
    dedupe_key: str | None = None,
    ignore_preferences: bool = False,
) -> list[Notification]:
    """`notification_enqueue` for several users at once, in one INSERT. `ignore_preferences`
    sends on the given channels even to someone who turned them off (a code they asked for)."""
    related_type, related_id = _related_ref(related)
    now = timezone.now()
    rows, keys = [], set()
    for user in users:
        for channel in channels or ALL_CHANNELS:
            if not _user_wants(user, channel, ignore_preferences=ignore_preferences):
                continue
            plugin = channel_get(channel)
            text = (sms_text or body) if channel == Notification.Channel.SMS else body
            key = (
                _dedupe_key(dedupe_key, user.pk, channel)
                if dedupe_key
                else _dedupe_key(event, user.pk, channel, related_type, related_id, subject, text, url)
            )
            if key in keys:  # the same user twice
                continue
            keys.add(key)
            inbox = channel == Notification.Channel.INBOX
            rows.append(
                Notification(
                    user=user,
                    channel=channel,
                    event=event[:100],
                    subject=subject[:255],
                    body=text,
                    url=url[:500],
                    address=plugin.address_for(user)[:255],
                    status=Notification.Status.SENT if inbox else Notification.Status.PENDING,
                    created_at=now,
                    sent_at=now if inbox else None,
                    related_type=related_type,
                    related_id=related_id,
                    dedupe_key=key,
                )
            )
    if not rows:
        return []
    batch = _BATCH.get()
    if batch is not None:  # written at the end of `notifications_batch`, with the others
        batch += rows
        return rows
    return _rows_save_and_publish(rows)


def _rows_save_and_publish(rows: list[Notification]) -> list[Notification]:
    # The relay's NOTIFY goes with the INSERT (no statement of its own); a spare wake-up when
    # every row was a repeat costs the relay one empty pass.
    wake = relay_wake_sql() if relay_active() else ""
    saved = _rows_save(rows, prefix=wake)
    to_send = [n.pk for n in saved if n.status == Notification.Status.PENDING]
    if to_send and relay_active():
        relay_wake_on_commit()  # the relay publishes them (portal/relay.py)
    elif to_send:
        transaction.on_commit(lambda: notifications_publish(to_send))
    return saved


_BATCH: contextvars.ContextVar[list | None] = contextvars.ContextVar("notifications_batch", default=None)


def notifications_batch():
    """Write the rows of every `notifications_enqueue_for` inside the block in one INSERT at its
    end (one change telling several people different things: the citizen and the officials).
    Inside the block the calls return their rows unsaved. Nothing is written if the block
    raises (the caller's transaction is rolled back anyway)."""
    return batched(_BATCH, _batch_write)


def _batch_write(rows: list[Notification]) -> None:
    unique = list({row.dedupe_key: row for row in reversed(rows)}.values())[::-1]  # first of each key
    _rows_save_and_publish(unique)


def _rows_save(rows: list[Notification], *, prefix: str = "") -> list[Notification]:
    """Insert the rows whose key is new and return the rows of all these keys, by id.

    A repeat is ignored (ON CONFLICT DO NOTHING) without breaking the caller's transaction: one
    statement, and a second only for repeats."""
    ids = rows_insert(rows, unique="dedupe_key", prefix=prefix)
    saved = [row for row in rows if row.dedupe_key in ids]
    repeats = [row.dedupe_key for row in rows if row.dedupe_key not in ids]
    if repeats:
        saved += Notification.objects.filter(dedupe_key__in=repeats)
    return sorted(saved, key=lambda n: n.pk)


class DeliveryResult:
    SENT = "sent"
    ALREADY_SENT = "already_sent"
    IN_PROGRESS = "in_progress"
    RETRY = "retry"
    FAILED = "failed"
    MISSING = "missing"


def notification_send(*, notification_id: int) -> str:
    """Deliver one row through its channel plugin, once.

    The intent ("sending", with an attempt id) is committed before the channel is called and
    the result recorded after, so a crash or a lost database connection in between leaves the
    row "sending": once that is older than NOTIFICATION_IN_DOUBT_SECONDS a redelivery asks the
    channel whether the message went out (or relies on its idempotency key) before sending
    again. Returns a DeliveryResult value; RETRY means the caller may try again later.
    """
    now = timezone.now()
    attempt = uuid.uuid4().hex
    with transaction.atomic():
        notification = Notification.objects.select_for_update().filter(pk=notification_id).first()
        if notification is None:
            return DeliveryResult.MISSING
        if notification.status == Notification.Status.SENT:
            return DeliveryResult.ALREADY_SENT
        if notification.status == Notification.Status.FAILED:
            return DeliveryResult.FAILED
        in_doubt = notification.status == Notification.Status.SENDING
        if in_doubt and notification.sending_at > now - timedelta(seconds=settings.NOTIFICATION_IN_DOUBT_SECONDS):
            return DeliveryResult.IN_PROGRESS  # another worker is sending it right now
        plugin = channel_get(notification.channel)
        if in_doubt and plugin.delivered(notification):
            notification.status = Notification.Status.SENT
            notification.sent_at = now
            notification.last_error = ""
            notification.save(update_fields=["status", "sent_at", "last_error"])
            logger.info("Notification %s was delivered by an attempt that did not report back", notification_id)
            return DeliveryResult.SENT
        notification.status = Notification.Status.SENDING
        notification.attempt_id = attempt
        notification.sending_at = now
        notification.attempts += 1
        notification.save(update_fields=["status", "attempt_id", "sending_at", "attempts"])

    mine = Notification.objects.filter(pk=notification_id, attempt_id=attempt, status=Notification.Status.SENDING)
    try:
        plugin.send(notification)
    except PermanentChannelError as exc:
        mine.update(status=Notification.Status.FAILED, last_error=str(exc)[:2000])
        logger.warning("Notification %s failed permanently: %s", notification_id, exc)
        return DeliveryResult.FAILED
    except ChannelError as exc:
        final = notification.attempts >= settings.NOTIFICATION_MAX_ATTEMPTS
        status = Notification.Status.FAILED if final else Notification.Status.PENDING
        mine.update(status=status, last_error=str(exc)[:2000])
        logger.warning("Notification %s attempt %s failed: %s", notification_id, notification.attempts, exc)
        return DeliveryResult.FAILED if final else DeliveryResult.RETRY
    mine.update(status=Notification.Status.SENT, sent_at=timezone.now(), last_error="")
    return DeliveryResult.SENT


def notifications_redeliver_pending(*, older_than_seconds: int = 60, limit: int = 500) -> int:
    """Publish again the rows still pending after a while (broker outage, lost task), and the
    rows whose sending never reported back (in doubt: the channel is asked first)."""
    now = timezone.now()
    cutoff = now - timedelta(seconds=older_than_seconds)
    in_doubt_since = now - timedelta(seconds=settings.NOTIFICATION_IN_DOUBT_SECONDS)
    ids = list(
        Notification.objects.filter(
            Q(status=Notification.Status.PENDING, created_at__lt=cutoff)
            | Q(status=Notification.Status.SENDING, sending_at__lt=in_doubt_since)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    notifications_publish(ids)
    return len(ids)


# --- Inbox ------------------------------------------------------------------------------------


def inbox_for(user):
    """The signed-in user's inbox, newest first."""
    return Notification.objects.filter(user=user, channel=Notification.Channel.INBOX).order_by("-created_at", "-pk")


def inbox_unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return inbox_for(user).filter(read_at__isnull=True).count()


def notification_mark_read(*, user, notification_id: int) -> Notification | None:
    """Mark one of the user's own inbox messages read (someone else's: None)."""
    notification = inbox_for(user).filter(pk=notification_id).first()
    if notification is not None and notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notifications_mark_all_read(*, user) -> int:
    return inbox_for(user).filter(read_at__isnull=True).update(read_at=timezone.now())
