"""Exactly once where the outside world cannot de-duplicate: the intent ("sending", with an
attempt id) is committed before the channel is called, so a "sent" that fails to commit leaves
the row in doubt, and its redelivery asks the channel before sending again."""

import pytest
from django.core import mail
from django.db import DatabaseError, connection, transaction

from portal.channels import SmsOutboxChannel, channel_plugins
from portal.models import Notification
from portal.notifications import notification_enqueue, notification_send, notifications_redeliver_pending
from tests.support.broker import broker_down

from .factories import UserFactory


def _sms_files(settings):
    folder = settings.OUTBOX_DIR / "sms"
    return sorted(folder.glob("*.json")) if folder.exists() else []


def _sms_row() -> Notification:
    user = UserFactory()
    with broker_down(), transaction.atomic():  # recorded, not yet delivered
        rows = notification_enqueue(
            user=user,
            event="dossier.receive",
            subject="Hồ sơ đã được tiếp nhận",
            body="Hồ sơ của bà Nguyễn Thị Hường đã được tiếp nhận.",
            sms_text="Ho so cua ba da duoc tiep nhan.",
            channels=["sms"],
        )
    return rows[0]


def _deliver_in_doubt_rows(settings) -> int:
    settings.NOTIFICATION_IN_DOUBT_SECONDS = 0  # the attempt's time has run out
    return notifications_redeliver_pending(older_than_seconds=0)


@pytest.mark.django_db(transaction=True)
def test_sms_whose_sent_record_fails_to_commit_is_not_sent_again(settings):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite trigger; the PostgreSQL run drops the real connection (next test)")
    note = _sms_row()
    # The database refuses to record "sent" (as a commit lost with the connection would).
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TRIGGER sent_lost BEFORE UPDATE OF status ON portal_notification "
            "WHEN NEW.status = 'sent' BEGIN SELECT RAISE(ABORT, 'connection lost before commit'); END"
        )
    try:
        with pytest.raises(DatabaseError, match="connection lost before commit"):
            notification_send(notification_id=note.pk)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER sent_lost")
    assert len(_sms_files(settings)) == 1
    note.refresh_from_db()
    assert note.status == Notification.Status.SENDING and note.attempts == 1  # visibly in doubt

    # Within the attempt's time the row is left alone; after it, the channel is asked first.
    assert notifications_redeliver_pending(older_than_seconds=0) == 0
    assert _deliver_in_doubt_rows(settings) == 1
    note.refresh_from_db()
    assert note.status == Notification.Status.SENT and note.attempts == 1
    assert len(_sms_files(settings)) == 1, "the SMS was sent twice"


class SmsThenDatabaseDrop(SmsOutboxChannel):
    """The real file channel; right after it has sent, the database server terminates our
    connection (pg_terminate_backend from a second connection), before "sent" is recorded."""

    id = "sms-outbox-then-db-drop"

    def send(self, notification) -> None:
        import psycopg2

        super().send(notification)
        pid = connection.connection.info.backend_pid
        params = connection.get_connection_params()
        killer = psycopg2.connect(
            **{k: v for k, v in params.items() if k in ("dbname", "user", "password", "host", "port")}
        )
        try:
            killer.autocommit = True
            with killer.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        finally:
            killer.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sms_sent_just_before_the_database_connection_dropped_is_delivered_once(settings, monkeypatch):
    note = _sms_row()
    monkeypatch.setitem(channel_plugins._plugins, SmsThenDatabaseDrop.id, SmsThenDatabaseDrop)
    settings.NOTIFICATION_CHANNEL_PLUGINS = {**settings.NOTIFICATION_CHANNEL_PLUGINS, "sms": SmsThenDatabaseDrop.id}
    with pytest.raises(DatabaseError, match=r"terminat|closed"):
        notification_send(notification_id=note.pk)
    connection.close()  # the next task starts on a fresh connection

    settings.NOTIFICATION_CHANNEL_PLUGINS = {**settings.NOTIFICATION_CHANNEL_PLUGINS, "sms": "sms-outbox"}
    note.refresh_from_db()
    assert note.status == Notification.Status.SENDING
    assert _deliver_in_doubt_rows(settings) == 1
    note.refresh_from_db()
    assert note.status == Notification.Status.SENT and note.attempts == 1
    assert len(_sms_files(settings)) == 1, "the SMS was sent twice"


@pytest.mark.django_db
def test_the_file_outbox_channel_overwrites_a_repeated_message(settings):
    note = _sms_row()
    channel = SmsOutboxChannel()
    assert not channel.delivered(note)
    channel.send(note)
    channel.send(note)
    assert [p.name for p in _sms_files(settings)] == [SmsOutboxChannel.path_for(note).name]
    assert note.dedupe_key in SmsOutboxChannel.path_for(note).name
    assert channel.delivered(note)


@pytest.mark.django_db
def test_an_email_in_doubt_is_sent_again_with_the_same_message_id(settings):
    user = UserFactory()
    with broker_down(), transaction.atomic():
        [email] = notification_enqueue(
            user=user,
            event="dossier.receive",
            subject="Hồ sơ đã được tiếp nhận",
            body="Đã tiếp nhận.",
            channels=["email"],
        )
    mail.outbox.clear()
    assert notification_send(notification_id=email.pk) == "sent"
    # As if the "sent" had not been committed: SMTP cannot be asked, so the mail goes again,
    # as the same message for servers and clients that de-duplicate on the Message-ID.
    Notification.objects.filter(pk=email.pk).update(status=Notification.Status.SENDING)
    assert _deliver_in_doubt_rows(settings) == 1
    assert len(mail.outbox) == 2
    ids = {m.extra_headers["Message-ID"] for m in mail.outbox}
    assert ids == {f"<{email.dedupe_key}@{settings.EMAIL_MESSAGE_ID_DOMAIN}>"}
