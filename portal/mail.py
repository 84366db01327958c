"""Embedded-default email backend: each message is written to var/outbox/ and echoed to the console."""

import threading
from datetime import datetime

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.console import EmailBackend as ConsoleBackend

_lock = threading.Lock()


class OutboxEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        outbox = settings.OUTBOX_DIR / "email"
        outbox.mkdir(parents=True, exist_ok=True)
        console = ConsoleBackend(fail_silently=self.fail_silently)
        sent = 0
        for message in email_messages:
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")
            with _lock:
                (outbox / f"{stamp}.eml").write_bytes(message.message().as_bytes())
            sent += 1
        console.send_messages(email_messages)
        return sent
