"""Notification email through a real SMTP server we did not write (aiosmtpd): the message
arrives in Vietnamese, and a repeat after an attempt in doubt carries the same Message-ID."""

import socket
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from aiosmtpd.controller import Controller
from django.db import transaction

from portal.models import Notification
from portal.notifications import notification_enqueue, notification_send
from tests.support.broker import broker_down

from .factories import UserFactory
from .test_notifications_once import _deliver_in_doubt_rows


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(settings):
    with socket.socket() as probe:  # a free port for the server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST = "127.0.0.1"
        settings.EMAIL_PORT = port
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        yield inbox
    finally:
        controller.stop()


@pytest.mark.django_db
def test_a_notification_email_reaches_a_real_smtp_server_once_per_message_id(settings, smtp_server):
    user = UserFactory(email="dan@example.vn")
    with broker_down(), transaction.atomic():
        [email] = notification_enqueue(
            user=user,
            event="dossier.receive",
            subject="Hồ sơ đã được tiếp nhận",
            body="Đã tiếp nhận.",
            channels=["email"],
        )
    assert notification_send(notification_id=email.pk) == "sent"
    # As if the "sent" had not been committed: SMTP cannot be asked whether it went, so it goes again.
    Notification.objects.filter(pk=email.pk).update(status=Notification.Status.SENDING)
    assert _deliver_in_doubt_rows(settings) == 1

    assert [rcpt for rcpt, _ in smtp_server.messages] == [["dan@example.vn"], ["dan@example.vn"]]
    first, repeat = (message for _, message in smtp_server.messages)
    assert str(make_header(decode_header(first["Subject"]))) == "Hồ sơ đã được tiếp nhận"
    expected_id = f"<{email.dedupe_key}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"
    # A long Message-ID may arrive folded over two lines (RFC 5322); unfolded it is the same id.
    assert {"".join(first["Message-ID"].split()), "".join(repeat["Message-ID"].split())} == {expected_id}
    email.refresh_from_db()
    assert email.status == Notification.Status.SENT
