"""Hộp thư thử nghiệm (mounted at /sandbox/mail/ only when SANDBOX_ENABLED): the emails and SMS
the portal sent on this machine, read from the email file outbox (portal/mail.py), the SMS
outbox files and the sandbox SMS gateway's table, so a newcomer finds the verification email
without digging through the console.

Staff see everything. Anyone else sees only messages to the email addresses this browser
session caused an email to (signing up, a password reset: identity/adapters.py records them),
and to their own account's email and phone: the page never lists other people's messages."""

import json
from email import policy
from email.parser import BytesParser
from email.utils import getaddresses, parsedate_to_datetime

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from .models import SandboxSmsMessage

SANDBOX_MAIL_SESSION_KEY = "sandbox_mail_to"
LIMIT = 50


def sandbox_mail_remember(request, address: str) -> None:
    """Let this browser session read the sandbox messages sent to `address`."""
    if not settings.SANDBOX_ENABLED or not hasattr(request, "session") or not address:
        return
    seen = request.session.get(SANDBOX_MAIL_SESSION_KEY, [])
    if address.lower() not in seen:
        request.session[SANDBOX_MAIL_SESSION_KEY] = [*seen, address.lower()][-10:]


def _body_of(message) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    return part.get_content() if part is not None else ""


def _emails(may_read) -> list[dict]:
    folder = settings.OUTBOX_DIR / "email"
    if not folder.is_dir():
        return []
    files = sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True)
    rows = []
    for file in files[:500]:
        message = BytesParser(policy=policy.default).parsebytes(file.read_bytes())
        to = [addr.lower() for _name, addr in getaddresses(message.get_all("To", []))]
        if not any(may_read(addr) for addr in to):
            continue
        try:
            sent = parsedate_to_datetime(message["Date"]) if message["Date"] else None
        except (TypeError, ValueError):
            sent = None
        subject = str(message["Subject"] or "")
        rows.append({"to": ", ".join(to), "subject": subject, "sent": sent, "body": _body_of(message)})
        if len(rows) >= LIMIT:
            break
    return rows


def _sms(may_read_phone) -> list[dict]:
    rows = []
    folder = settings.OUTBOX_DIR / "sms"
    if folder.is_dir():
        for file in sorted(folder.glob("*.json"), reverse=True)[:500]:
            try:
                record = json.loads(file.read_text())
            except ValueError:
                continue
            if may_read_phone(str(record.get("to", ""))):
                rows.append({"to": record.get("to", ""), "text": record.get("text", ""), "stamp": file.name[:15]})
    for message in SandboxSmsMessage.objects.all()[:200]:
        if may_read_phone(message.to):
            rows.append({"to": message.to, "text": message.text, "sent": message.received_at})
    return rows[:LIMIT]


@require_GET
def mailbox(request):
    if not settings.SANDBOX_ENABLED:  # belt and braces: the URL is only mounted with it
        raise Http404
    user = request.user
    everything = user.is_authenticated and user.is_staff
    addresses = set(request.session.get(SANDBOX_MAIL_SESSION_KEY, []))
    phones = set()
    if user.is_authenticated:
        addresses.add((user.email or "").lower())
        phones.add(getattr(user, "phone", "") or "")
    addresses.discard("")
    phones.discard("")

    def may_read(address: str) -> bool:
        return everything or address in addresses

    def may_read_phone(phone: str) -> bool:
        digits = phone.removeprefix("+84").lstrip("0")
        return everything or any(p.removeprefix("+84").lstrip("0") == digits for p in phones)

    return render(
        request,
        "sandbox/mailbox.html",
        {"emails": _emails(may_read), "sms": _sms(may_read_phone), "everything": everything},
    )


urlpatterns = [path("", mailbox, name="sandbox-mail")]
