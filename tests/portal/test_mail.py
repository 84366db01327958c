"""The embedded email outbox: one file per message, even with several workers writing at once."""

from concurrent.futures import ThreadPoolExecutor
from email import message_from_bytes
from email.header import decode_header, make_header

from django.core.mail import EmailMessage

from portal.mail import OutboxEmailBackend


def _message(n: int, message_id: str = "") -> EmailMessage:
    headers = {"Message-ID": message_id} if message_id else {}
    return EmailMessage(subject=f"Hồ sơ {n}", body="Đã tiếp nhận", to=["dan@example.vn"], headers=headers)


def _files(settings):
    return sorted((settings.OUTBOX_DIR / "email").glob("*.eml"))


def test_messages_sent_at_once_are_each_one_file(settings):
    backend = OutboxEmailBackend()
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda n: backend.send_messages([_message(n)]), range(40)))
    subjects = [
        str(make_header(decode_header(message_from_bytes(f.read_bytes())["Subject"]))) for f in _files(settings)
    ]
    assert sorted(subjects) == sorted(f"Hồ sơ {n}" for n in range(40))


def test_a_repeat_of_a_notification_overwrites_its_file(settings):
    backend = OutboxEmailBackend()
    backend.send_messages([_message(1, "<notif-7-email@dichvucong.example.vn>")])
    backend.send_messages([_message(1, "<notif-7-email@dichvucong.example.vn>")])
    backend.send_messages([_message(2, "<notif-8-email@dichvucong.example.vn>")])
    assert [f.name for f in _files(settings)] == [
        "notif-7-email_dichvucong.example.vn.eml",
        "notif-8-email_dichvucong.example.vn.eml",
    ]
    assert not list((settings.OUTBOX_DIR / "email").glob("*.part"))
