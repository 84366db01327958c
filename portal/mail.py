"""Embedded-default email backend: each message is written to var/outbox/ and echoed to the console."""

import os
import re
import uuid
from datetime import datetime

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.console import EmailBackend as ConsoleBackend


def _file_stem(message) -> str:
    """A message with a Message-ID (every notification has a stable one) is one file whatever
    the number of attempts: a repeat overwrites it. Others get a name no other process can take
    (several workers write here at once; a time stamp alone collided)."""
    message_id = (message.extra_headers or {}).get("Message-ID", "")
    key = re.sub(r"[^A-Za-z0-9._-]+", "_", message_id.strip("<>"))[:150]
    return key or f"{datetime.now():%Y%m%d-%H%M%S-%f}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


class OutboxEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        outbox = settings.OUTBOX_DIR / "email"
        outbox.mkdir(parents=True, exist_ok=True)
        console = ConsoleBackend(fail_silently=self.fail_silently)
        sent = 0
        for message in email_messages:
            path = outbox / f"{_file_stem(message)}.eml"
            # Written whole, then renamed: a reader never sees half a message.
            partial = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.part")
            partial.write_bytes(message.message().as_bytes())
            partial.replace(path)
            sent += 1
        console.send_messages(email_messages)
        return sent
