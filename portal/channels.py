"""Notification channel plugins (email, SMS, portal inbox) behind one small interface, a
registry keyed by id, and the SMS text rules (no diacritics, GSM-7, at most 3 segments).

settings.NOTIFICATION_CHANNEL_PLUGINS maps each channel of a Notification ("email", "sms",
"inbox") to the id of the plugin that delivers it ("email", "sms-outbox", "sms-http", "inbox").
"""

import json
import logging
from datetime import datetime
from pathlib import Path

import requests
from django.conf import settings
from django.core.mail import EmailMessage

from portal.kernel.plugins import PluginNotFound, PluginRegistry
from portal.kernel.text import text_fold

logger = logging.getLogger(__name__)


class ChannelError(Exception):
    """Delivery failed; the message may be retried."""


class PermanentChannelError(ChannelError):
    """Delivery can never succeed (no address, refused by the gateway): do not retry."""


# --- SMS text ---------------------------------------------------------------------------------

SMS_SINGLE = 160  # GSM-7 characters in one SMS
SMS_PART = 153  # per part of a concatenated SMS (7 characters go to the UDH header)
SMS_MAX_SEGMENTS = 3

# GSM 03.38 basic character set (the ASCII-compatible part we produce) and the extension
# table, whose characters cost two septets.
_GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENSION = set("^{}\\[~]|€")
_REPLACEMENTS = {
    "“": '"',
    "”": '"',
    "‘": "'",
    "’": "'",
    "–": "-",
    "—": "-",
    "…": "...",
    "₫": "d",
    "\t": " ",
    "`": "'",
}


def sms_plain(text: str) -> str:
    """Vietnamese text without diacritics, restricted to GSM-7 (đ→d, ư→u, ồ→o, …)."""
    for source, target in _REPLACEMENTS.items():
        text = text.replace(source, target)
    out = []
    for ch in text_fold(text):
        if ch in _GSM_BASIC or ch in _GSM_EXTENSION:
            out.append(ch)
        elif ch.isspace():
            out.append(" ")
        else:
            out.append("?")
    return " ".join("".join(out).split())


def sms_length(text: str) -> int:
    """Length in GSM-7 septets (extension characters count twice)."""
    return sum(2 if ch in _GSM_EXTENSION else 1 for ch in text)


def _cut(text: str, limit: int) -> str:
    """The longest prefix of `text` that fits in `limit` septets."""
    total = 0
    for index, ch in enumerate(text):
        total += 2 if ch in _GSM_EXTENSION else 1
        if total > limit:
            return text[:index]
    return text


def sms_compose(text: str, url: str = "") -> str:
    """The SMS to send: plain GSM-7 text, the URL kept whole at the end, at most 3 segments.

    Longer texts are shortened (ending in "...") so that the link always survives.
    """
    body = sms_plain(text)
    url = sms_plain(url).replace(" ", "")
    suffix = f" {url}" if url else ""
    full = body + suffix
    if sms_length(full) <= SMS_SINGLE or sms_length(full) <= SMS_PART * SMS_MAX_SEGMENTS:
        return full
    room = SMS_PART * SMS_MAX_SEGMENTS - sms_length(suffix) - 3
    shortened = _cut(body, max(room, 0))
    # Prefer to cut at a word boundary when one is close.
    space = shortened.rfind(" ")
    if space > len(shortened) - 20:
        shortened = shortened[:space]
    return (shortened.rstrip(" ,.;:") + "..." + suffix).strip()


def sms_segments(message: str) -> list[str]:
    """Split a composed SMS as a handset would receive it (1 × 160 or n × 153 septets)."""
    if sms_length(message) <= SMS_SINGLE:
        return [message]
    parts, rest = [], message
    while rest:
        part = _cut(rest, SMS_PART)
        parts.append(part)
        rest = rest[len(part) :]
    return parts


# --- Plugins ----------------------------------------------------------------------------------


class NotificationChannel:
    """Delivers one Notification row. `send` raises ChannelError on failure; it must not touch
    the row's status (the service does that)."""

    id: str = ""

    def address_for(self, user) -> str:
        """The address to deliver to, or "" when this user cannot be reached on this channel."""
        return ""

    def send(self, notification) -> None:
        raise ChannelError(f"channel {self.id} cannot send")


channel_plugins: PluginRegistry[type[NotificationChannel]] = PluginRegistry(
    "notification channel plugin", setting="NOTIFICATION_CHANNEL_PLUGINS"
)


@channel_plugins.register
class EmailChannel(NotificationChannel):
    id = "email"

    def address_for(self, user) -> str:
        return user.email or ""

    def send(self, notification) -> None:
        if not notification.address:
            raise PermanentChannelError("no email address")
        body = notification.body + (f"\n\n{notification.url}" if notification.url else "")
        message = EmailMessage(
            subject=notification.subject,
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[notification.address],
            headers={"X-Portal-Notification": str(notification.pk)},
        )
        try:
            message.send(fail_silently=False)
        except Exception as exc:  # SMTP errors of every kind are worth a retry
            raise ChannelError(f"email: {exc}") from exc


@channel_plugins.register
class InboxChannel(NotificationChannel):
    """The portal's own inbox: the row itself is the message, delivered when it is written."""

    id = "inbox"

    def address_for(self, user) -> str:
        return str(user.pk)

    def send(self, notification) -> None:
        return None


class SmsChannelBase(NotificationChannel):
    def address_for(self, user) -> str:
        return "".join(ch for ch in (getattr(user, "phone", "") or "") if ch.isdigit() or ch == "+")

    def message_for(self, notification) -> str:
        # The SMS row's body is the caller's short sms_text (see notification_enqueue).
        return sms_compose(notification.body, notification.url)

    def record_for(self, notification) -> dict:
        """What every SMS gateway is given: {"to", "brandname", "text", "segments", "reference"}."""
        if not notification.address:
            raise PermanentChannelError("no phone number")
        message = self.message_for(notification)
        return {
            "to": notification.address,
            "brandname": settings.SMS_BRANDNAME,
            "text": message,
            "segments": len(sms_segments(message)),
            "reference": notification.dedupe_key,
        }


@channel_plugins.register
class SmsOutboxChannel(SmsChannelBase):
    """Embedded default: each SMS is written to var/outbox/sms/ and logged, nothing leaves the machine."""

    id = "sms-outbox"

    def send(self, notification) -> None:
        record = self.record_for(notification)
        folder = Path(settings.OUTBOX_DIR) / "sms"
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        (folder / f"{stamp}-{notification.pk}.json").write_text(json.dumps(record, ensure_ascii=False, indent=1))
        logger.info("SMS to %s (%d segment(s)): %s", notification.address, record["segments"], record["text"])


@channel_plugins.register
class SmsHttpChannel(SmsChannelBase):
    """A brandname SMS gateway over HTTPS (JSON POST with a bearer token).

    Request: {"to", "brandname", "text", "segments", "reference"}; the gateway answers 2xx
    with {"status": "accepted", "id": ...}. `reference` is the notification's dedupe key, so a
    gateway that deduplicates on it never sends twice even if we retry after a timeout.
    """

    id = "sms-http"

    def send(self, notification) -> None:
        try:
            response = requests.post(
                settings.SMS_GATEWAY_URL,
                json=self.record_for(notification),
                headers={"Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}"},
                timeout=settings.SMS_GATEWAY_TIMEOUT,
            )
        except requests.RequestException as exc:
            raise ChannelError(f"SMS gateway unreachable: {exc}") from exc
        if response.status_code in (400, 401, 403, 422):
            detail = f"{response.status_code} {response.text[:200]}"
            raise PermanentChannelError(f"SMS gateway refused the message: {detail}")
        if response.status_code >= 300:
            raise ChannelError(f"SMS gateway error: {response.status_code} {response.text[:200]}")


def channel_get(channel: str) -> NotificationChannel:
    """The plugin instance delivering a Notification channel ("email", "sms", "inbox")."""
    plugin_id = settings.NOTIFICATION_CHANNEL_PLUGINS.get(channel, channel)
    try:
        return channel_plugins.get(plugin_id)()
    except PluginNotFound as exc:
        raise PermanentChannelError(str(exc)) from exc
