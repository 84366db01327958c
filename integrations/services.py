"""Outbound integrations, the rules in one place: the national portal sync (an ordered,
idempotent outbox per dossier, retried with backoff, reconciled daily) and signed webhooks.

Both are recorded in the transaction of the dossier change (receivers.py hooks
dossiers.signals.dossier_transitioned) and sent after commit through the portal outbox
(portal/outbox.py) and Celery; the beat jobs (tasks.py) send again what is due.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dossiers.selectors import dossier_files
from payments.selectors import dossier_fees
from portal.audit import audit_record as audit
from portal.cache import request_cache_forget, request_cache_get, request_cache_key, request_cache_remember
from portal.outbox import outbox_enqueue
from portal.rows import rows_insert

from . import dvcqg_mapping as m
from .adapters import SyncRejected, SyncTemporaryError, adapter
from .models import (
    SyncMessage,
    SyncReconciliation,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)

logger = logging.getLogger(__name__)

SYNC_JOB = "integrations.national_sync"
WEBHOOK_JOB = "integrations.webhook"
SIGNATURE_HEADER = "X-DVC-Signature"
EVENT_ID_HEADER = "X-DVC-Event-Id"
TIMESTAMP_HEADER = "X-DVC-Timestamp"


# --- National portal sync -------------------------------------------------------------------


def _fmt(value) -> str:
    return timezone.localtime(value).strftime(m.DATE_FORMAT) if value else ""


def sync_payload(
    *, dossier, action: str, national: m.NationalStatus, sequence: int, message_id, at, first: bool = False
) -> dict:
    """The message for the national portal, named by the mapping (dvcqg_mapping.FIELDS).
    `first`: the dossier is being filed in this transaction, so no fee is paid and no result
    exists yet (nothing to read)."""
    f = m.FIELDS
    applicant = dossier.applicant or {}
    fees = [] if first else [fee for fee in dossier_fees(dossier=dossier) if fee.status == "paid"]
    results = (
        []
        if first
        else [row for row in dossier_files(dossier) if row.kind == "result" and row.dossier_id == dossier.pk]
    )
    agency = dossier.current_agency or dossier.agency
    return {
        f["message_id"]: str(message_id),
        f["sequence"]: sequence,
        f["dossier_code"]: dossier.code,
        f["procedure_code"]: dossier.snapshot.get("code", ""),
        f["agency_code"]: agency.code if agency else "",
        f["applicant_name"]: applicant.get("full_name", ""),
        f["applicant_id"]: applicant.get("personal_id", ""),
        f["applicant_birth_date"]: applicant.get("date_of_birth", ""),
        f["received_at"]: _fmt(dossier.received_at),
        f["due_at"]: _fmt(dossier.due_at),
        f["completed_at"]: _fmt(dossier.completed_at),
        f["status_code"]: national.code,
        f["step_name"]: national.step,
        f["step_action"]: action,
        f["step_at"]: _fmt(at),
        f["channel"]: m.CHANNELS.get(dossier.channel, ""),
        f["fees"]: [{f["fee_name"]: fee.name, f["fee_amount"]: int(fee.amount)} for fee in fees],
        f["results"]: [
            {f["result_ref"]: f"{dossier.code}/KQ/{row.pk}", f["result_name"]: row.original_name} for row in results
        ],
    }


def sync_record(*, dossier, action: str, to_status: str, first: bool = False) -> SyncMessage | None:
    """Write the change to the sync outbox, in the caller's transaction (the dossier row is locked
    by the transition, so sequence numbers of one dossier never clash). `first`: the dossier is
    filed in this transaction (it had no code before, so no message): sequence 1, nothing to
    supersede, no paid fee or result to report — three reads and an update fewer."""
    if not settings.NATIONAL_SYNC_ENABLED or not dossier.code:
        return None
    national = m.national_status(action=action, to_status=to_status)
    if national is None:
        return None
    if first:
        last = 0
    else:
        last = (
            SyncMessage.objects.filter(dossier_id=dossier.pk)
            .order_by("-sequence")
            .values_list("sequence", flat=True)
            .first()
        )
        SyncMessage.objects.filter(dossier_id=dossier.pk, is_latest=True).update(is_latest=False)
    sequence = (last or 0) + 1
    message_id = uuid.uuid4()
    agency = dossier.current_agency or dossier.agency
    message = SyncMessage(
        message_id=message_id,
        dossier_id=dossier.pk,
        dossier_code=dossier.code,
        sequence=sequence,
        action=action,
        to_status=to_status,
        agency_code=agency.code if agency else "",
        status_code=national.code,
        payload=sync_payload(
            dossier=dossier,
            action=action,
            national=national,
            sequence=sequence,
            message_id=message_id,
            at=timezone.now(),
            first=first,
        ),
    )
    rows_insert([message])  # one INSERT, without save()'s machinery (portal.rows)
    outbox_enqueue(kind=SYNC_JOB, key=f"sync:{message_id}", payload={"dossier_id": dossier.pk})
    return message


def _sync_backoff(attempts: int) -> timedelta:
    base = settings.NATIONAL_SYNC_BACKOFF_SECONDS
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), settings.NATIONAL_SYNC_BACKOFF_MAX_SECONDS))


def sync_next_unsent(dossier_id: int) -> SyncMessage | None:
    return (
        SyncMessage.objects.filter(dossier_id=dossier_id)
        .exclude(state=SyncMessage.State.SENT)
        .order_by("sequence")
        .first()
    )


def sync_dossier_flush(*, dossier_id: int, force: bool = False) -> int:
    """Send a dossier's unsent messages, lowest sequence first, stopping at the first that does
    not go through: a later status never overtakes an earlier one. A message is claimed by a
    compare-and-set (committed at once, no transaction held over the network), so two workers
    never send one dossier at the same time. `force` ignores the backoff (an operator, the
    reconciliation). Returns how many messages were sent."""
    sent = 0
    client = None
    lease = timedelta(seconds=settings.NATIONAL_SYNC_TIMEOUT_SECONDS * 3 + 30)
    while True:
        now = timezone.now()
        message = sync_next_unsent(dossier_id)
        if message is None or message.state == SyncMessage.State.FAILED:
            return sent  # all sent, or blocked until an operator sends the failed one again
        if message.next_attempt_at > now and not force:
            return sent
        rows = SyncMessage.objects.filter(pk=message.pk, state=SyncMessage.State.PENDING)
        claimed = rows.filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)).update(
            claimed_until=now + lease
        )
        if not claimed:
            return sent  # another worker is sending this dossier
        client = client or adapter()
        attempts = message.attempts + 1
        try:
            client.send(message.payload)
        except SyncTemporaryError as exc:
            final = attempts >= settings.NATIONAL_SYNC_MAX_ATTEMPTS
            rows.update(
                attempts=attempts,
                state=SyncMessage.State.FAILED if final else SyncMessage.State.PENDING,
                next_attempt_at=now + _sync_backoff(attempts),
                last_error=str(exc)[:2000],
                claimed_until=None,
            )
            logger.warning(
                "National sync of %s #%s failed (attempt %s): %s", message.dossier_code, message.sequence, attempts, exc
            )
            return sent
        except SyncRejected as exc:
            rows.update(
                attempts=attempts, state=SyncMessage.State.FAILED, last_error=str(exc)[:2000], claimed_until=None
            )
            logger.error("National portal refused %s #%s: %s", message.dossier_code, message.sequence, exc)
            return sent
        rows.update(
            attempts=attempts, state=SyncMessage.State.SENT, sent_at=timezone.now(), last_error="", claimed_until=None
        )
        sent += 1


def sync_job_run(*, dossier_id: int) -> None:
    """Outbox handler: a failure is recorded on the message (its own backoff), never raised."""
    sync_dossier_flush(dossier_id=dossier_id)


def sync_due_dossiers(*, limit: int = 500) -> list[int]:
    """Dossiers whose lowest unsent message is due again."""
    now = timezone.now()
    return list(
        SyncMessage.objects.filter(state=SyncMessage.State.PENDING, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("dossier_id")
        .values_list("dossier_id", flat=True)
        .distinct()[:limit]
    )


def sync_resend(*, messages, by=None) -> int:
    """An operator's "send again": failed (or pending) messages go out now, in order."""
    ids = {msg.dossier_id for msg in messages}
    pks = [msg.pk for msg in messages if msg.state != SyncMessage.State.SENT]
    SyncMessage.objects.filter(pk__in=pks).update(
        state=SyncMessage.State.PENDING, attempts=0, next_attempt_at=timezone.now(), claimed_until=None
    )
    if by is not None:
        audit(actor=by, action="national_sync.resend", detail=f"{len(pks)} messages")
    return sum(sync_dossier_flush(dossier_id=dossier_id, force=True) for dossier_id in sorted(ids))


def sync_local_counts() -> dict[tuple[str, str], int]:
    """Our side of the reconciliation: the latest national status of each synced dossier."""
    rows = SyncMessage.objects.filter(is_latest=True).values("agency_code", "status_code").annotate(n=Count("id"))
    return {(r["agency_code"], r["status_code"]): r["n"] for r in rows}


def sync_reconcile(*, resend: bool = True) -> SyncReconciliation:
    """Compare counts per agency and status with the national portal; for each group that
    differs, ask which sequence it holds for our dossiers and send again, in order, what it lacks."""
    run = SyncReconciliation()
    try:
        client = adapter()
        remote = client.counts()
        local = sync_local_counts()
        different = sorted(g for g in set(local) | set(remote) if local.get(g, 0) != remote.get(g, 0))
        run.groups_compared = len(set(local) | set(remote))
        run.groups_different = len(different)
        run.details = {
            "different": [
                {"agency": a, "status": s, "ours": local.get((a, s), 0), "theirs": remote.get((a, s), 0)}
                for a, s in different
            ]
        }
        if different and resend:
            wanted = Q()
            for agency_code, status_code in different:
                wanted |= Q(agency_code=agency_code, status_code=status_code)
            latest = list(
                SyncMessage.objects.filter(wanted, is_latest=True).values_list("dossier_id", "dossier_code", "sequence")
            )
            held = client.last_sequences([code for _pk, code, _seq in latest])
            for dossier_id, code, sequence in latest:
                have = held.get(code, 0)
                if have >= sequence:
                    continue
                missing = SyncMessage.objects.filter(dossier_id=dossier_id, sequence__gt=have)
                run.messages_resent += missing.count()
                missing.update(
                    state=SyncMessage.State.PENDING,
                    attempts=0,
                    next_attempt_at=timezone.now(),
                    resent_by_reconciliation=F("resent_by_reconciliation") + 1,
                )
                sync_dossier_flush(dossier_id=dossier_id, force=True)
    except (SyncTemporaryError, SyncRejected) as exc:
        run.error = str(exc)[:2000]
        logger.warning("National sync reconciliation could not run: %s", exc)
    run.save()
    return run


# --- Webhooks ---------------------------------------------------------------------------------


class WebhookUrlRefused(ValidationError):
    pass


def _address_private(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def webhook_url_check(url: str) -> None:
    """Refuse URLs the portal must not call (SSRF): not http(s), or a host that resolves to a
    private, loopback, link-local or reserved address. Allowed with WEBHOOK_ALLOW_PRIVATE_URLS
    (sandboxes and tests). Checked when subscribing and again before every delivery."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookUrlRefused(_("The webhook URL must be an http or https address."))
    if settings.WEBHOOK_ALLOW_PRIVATE_URLS:
        return
    if parts.scheme != "https":
        raise WebhookUrlRefused(_("The webhook URL must use https."))
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise WebhookUrlRefused(_("The webhook URL's host name cannot be resolved.")) from exc
    if not infos or any(_address_private(info[4][0]) for info in infos):
        raise WebhookUrlRefused(_("The webhook URL points to a private or local address, which is not allowed."))


def _new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def webhook_subscription_create(*, name: str, url: str, by, agency=None, events=()) -> WebhookSubscription:
    webhook_url_check(url)
    subscription = WebhookSubscription.objects.create(
        name=name, url=url, agency=agency, events=list(events), secret=_new_secret(), created_by=by
    )
    audit(actor=by, action="webhook.subscribe", obj=subscription, detail=url)
    return subscription


def webhook_subscription_save(*, subscription: WebhookSubscription, by) -> WebhookSubscription:
    """Create or change a subscription (the admin): the URL is checked, a new one gets a secret."""
    webhook_url_check(subscription.url)
    if not subscription.secret:
        subscription.secret = _new_secret()
    if subscription.created_by_id is None and by is not None:
        subscription.created_by = by
    subscription.save()
    audit(actor=by, action="webhook.save", obj=subscription, detail=subscription.url)
    return subscription


def webhook_secret_rotate(*, subscription: WebhookSubscription, by) -> str:
    """A new secret; the old one stays valid (both signatures are sent) for WEBHOOK_ROTATION_HOURS."""
    with transaction.atomic():
        sub = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
        sub.previous_secret = sub.secret
        sub.previous_secret_expires_at = timezone.now() + timedelta(hours=settings.WEBHOOK_ROTATION_HOURS)
        sub.secret = _new_secret()
        sub.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at"])
        audit(actor=by, action="webhook.rotate", obj=sub)
    subscription.refresh_from_db()
    return sub.secret


def webhook_secrets_active(subscription: WebhookSubscription, *, now=None) -> list[str]:
    now = now or timezone.now()
    active = [subscription.secret]
    if (
        subscription.previous_secret
        and subscription.previous_secret_expires_at
        and subscription.previous_secret_expires_at > now
    ):
        active.append(subscription.previous_secret)
    return active


def webhook_signature(*, secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def webhook_signature_header(*, secrets_: list[str], timestamp: int, body: bytes) -> str:
    """`t=<unix seconds>,v1=<hex>[,v1=<hex>]`: one v1 per active secret (two during a rotation)."""
    return ",".join(
        [f"t={timestamp}"] + [f"v1={webhook_signature(secret=s, timestamp=timestamp, body=body)}" for s in secrets_]
    )


WEBHOOK_ANY_CACHE_KEY = request_cache_key("integrations:webhook-subscriptions-active:v1")  # once per request


def webhook_subscriptions_changed(**kwargs) -> None:
    """post_save/post_delete of a subscription: forget whether any is active."""
    request_cache_forget(WEBHOOK_ANY_CACHE_KEY)
    with contextlib.suppress(Exception):  # Redis down: the entry expires on its own (300 s)
        cache.delete(WEBHOOK_ANY_CACHE_KEY)


def _webhook_subscriptions_exist() -> bool:
    """Whether any subscription is active, cached: most changes happen with none at all, and a
    transition then costs no extra statement. A miss (or Redis down) asks the database: a cache
    outage never fails the dossier change this runs inside."""
    try:
        found = request_cache_get(WEBHOOK_ANY_CACHE_KEY)
    except Exception:
        found = None
    if found is None:
        found = WebhookSubscription.objects.filter(is_active=True).exists()
        request_cache_remember(WEBHOOK_ANY_CACHE_KEY, found)
        with contextlib.suppress(Exception):
            cache.set(WEBHOOK_ANY_CACHE_KEY, found, 300)
    return found


def webhook_events_record(*, dossier, action: str, from_status: str, to_status: str) -> list[WebhookDelivery]:
    """One event per change, one delivery per matching subscription, in the caller's transaction."""
    if not dossier.code or not _webhook_subscriptions_exist():
        return []
    agencies = {dossier.agency_id, dossier.current_agency_id} - {None}
    subscriptions = WebhookSubscription.objects.filter(is_active=True).filter(
        Q(agency__isnull=True) | Q(agency_id__in=agencies)
    )
    event_type = f"dossier.{action}"
    wanted = [s for s in subscriptions if not s.events or event_type in s.events or "dossier.*" in s.events]
    if not wanted or not dossier.code:
        return []
    event_id = uuid.uuid4()
    national = m.national_status(action=action, to_status=to_status)
    agency = dossier.current_agency or dossier.agency
    body = {
        "id": str(event_id),
        "type": event_type,
        "created_at": timezone.now().isoformat(),
        "data": {
            "dossier_code": dossier.code,
            "procedure_code": dossier.snapshot.get("code", ""),
            "agency_code": agency.code if agency else "",
            "action": action,
            "from_status": from_status,
            "to_status": to_status,
            "national_status_code": national.code if national else "",
            "received_at": dossier.received_at.isoformat() if dossier.received_at else None,
            "due_at": dossier.due_at.isoformat() if dossier.due_at else None,
            "completed_at": dossier.completed_at.isoformat() if dossier.completed_at else None,
        },
    }
    deliveries = []
    for subscription in wanted:
        delivery = WebhookDelivery.objects.create(
            subscription=subscription, event_id=event_id, event_type=event_type, payload=body
        )
        outbox_enqueue(kind=WEBHOOK_JOB, key=f"webhook:{delivery.pk}", payload={"delivery_id": delivery.pk})
        deliveries.append(delivery)
    return deliveries


def _webhook_backoff(attempts: int) -> timedelta:
    base = settings.WEBHOOK_BACKOFF_SECONDS
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), settings.WEBHOOK_BACKOFF_MAX_SECONDS))


def webhook_delivery_attempt(*, delivery_id: int, force: bool = False) -> str:
    """Deliver one event once more (if still pending and due). Every try is an attempt row."""
    now = timezone.now()
    rows = WebhookDelivery.objects.filter(pk=delivery_id, state=WebhookDelivery.State.PENDING)
    if not force:
        rows = rows.filter(next_attempt_at__lte=now)
    lease = now + timedelta(seconds=settings.WEBHOOK_TIMEOUT_SECONDS * 3 + 30)
    if not rows.filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)).update(claimed_until=lease):
        return "skipped"
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    subscription = delivery.subscription
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    started = time.monotonic()
    status, error, refused = None, "", False
    try:
        if not subscription.is_active:
            raise WebhookUrlRefused(_("The subscription is disabled."))
        webhook_url_check(subscription.url)
        timestamp = int(time.time())
        response = requests.post(
            subscription.url,
            data=body,
            timeout=settings.WEBHOOK_TIMEOUT_SECONDS,
            allow_redirects=False,
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "dvc-portal-webhooks/1",
                EVENT_ID_HEADER: str(delivery.event_id),
                TIMESTAMP_HEADER: str(timestamp),
                SIGNATURE_HEADER: webhook_signature_header(
                    secrets_=webhook_secrets_active(subscription), timestamp=timestamp, body=body
                ),
            },
        )
        status = response.status_code
        if not 200 <= status < 300:
            error = f"HTTP {status}: {response.text[:300]}"
    except WebhookUrlRefused as exc:
        error = " ".join(exc.messages)
        refused = True  # never worth retrying: give up now
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: {exc}"[:2000]
    WebhookAttempt.objects.create(
        delivery_id=delivery_id, http_status=status, error=error, duration_ms=int((time.monotonic() - started) * 1000)
    )
    mine = WebhookDelivery.objects.filter(pk=delivery_id)
    if not error:
        mine.update(
            state=WebhookDelivery.State.DELIVERED,
            attempts=F("attempts") + 1,
            delivered_at=timezone.now(),
            last_error="",
            claimed_until=None,
        )
        return WebhookDelivery.State.DELIVERED
    next_at = timezone.now() + _webhook_backoff(delivery.attempts + 1)
    give_up = refused or next_at > delivery.created_at + timedelta(hours=settings.WEBHOOK_RETRY_HOURS)
    mine.update(
        state=WebhookDelivery.State.FAILED if give_up else WebhookDelivery.State.PENDING,
        attempts=F("attempts") + 1,
        next_attempt_at=next_at,
        last_error=error[:2000],
        claimed_until=None,
    )
    return WebhookDelivery.State.FAILED if give_up else "retry"


def webhook_job_run(*, delivery_id: int) -> None:
    """Outbox handler: failures are recorded on the delivery (its own 72-hour backoff)."""
    webhook_delivery_attempt(delivery_id=delivery_id)


def webhook_due_deliveries(*, limit: int = 500) -> list[int]:
    now = timezone.now()
    return list(
        WebhookDelivery.objects.filter(state=WebhookDelivery.State.PENDING, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def webhook_redeliver(*, deliveries, by) -> int:
    """An operator's "deliver again" (also of a delivery given up)."""
    pks = [d.pk for d in deliveries if d.state != WebhookDelivery.State.DELIVERED]
    WebhookDelivery.objects.filter(pk__in=pks).update(
        state=WebhookDelivery.State.PENDING, next_attempt_at=timezone.now(), claimed_until=None
    )
    audit(actor=by, action="webhook.redeliver", detail=f"{len(pks)} deliveries")
    return sum(webhook_delivery_attempt(delivery_id=pk, force=True) == WebhookDelivery.State.DELIVERED for pk in pks)
