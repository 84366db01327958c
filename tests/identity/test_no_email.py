"""e-ID accounts without an email have none (email NULL): issue 18. Nothing breaks or shows
"None", the contact email is asked for, notifications go by SMS and the inbox."""

import datetime as dt
import importlib
import re

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.db import IntegrityError, transaction
from django.urls import reverse

from identity.models import User
from identity.services import EidIdentity, account_export, user_from_eid
from portal.models import Notification
from portal.notifications import notification_send, notifications_enqueue_for

from .conftest import admin_client
from .factories import UserFactory

pytestmark = pytest.mark.django_db


def _eid(subject: str, personal_id: str, name: str = "Lê Văn Không Thư") -> EidIdentity:
    return EidIdentity(
        provider="oidc",
        issuer="https://eid.example.vn",
        subject=subject,
        personal_id=personal_id,
        full_name=name,
        date_of_birth=dt.date(1990, 1, 15),
        level=2,
    )


def test_an_eid_login_without_email_creates_an_account_with_no_email():
    user = user_from_eid(identity=_eid("sub-1", "086090000001")).user
    user.refresh_from_db()
    assert user.email is None
    assert user.identity_level == 2 and not user.has_usable_password()
    assert not EmailAddress.objects.filter(user=user).exists()


def test_two_accounts_without_email_coexist():
    first = user_from_eid(identity=_eid("sub-1", "086090000001")).user
    second = user_from_eid(identity=_eid("sub-2", "086090000002", "Trần Thị Hai")).user
    assert first.pk != second.pk
    assert User.objects.filter(email__isnull=True).count() == 2
    UserFactory(email="same@example.vn")
    with pytest.raises(IntegrityError), transaction.atomic():  # unique among those that have one
        UserFactory(email="same@example.vn")


def test_no_name_and_no_email_is_named_by_the_account_number_not_none():
    user = User.objects.create(email=None, full_name="")
    assert "None" not in str(user) and str(user.pk) in str(user)
    assert user.get_short_name() and user.get_full_name() and "None" not in user.get_short_name()


def test_the_profile_asks_for_an_email_and_never_shows_none(client):
    user = user_from_eid(identity=_eid("sub-1", "086090000001")).user
    client.force_login(user)
    page = client.get(reverse("identity:profile")).content.decode()
    assert "chưa có địa chỉ email" in page and reverse("account_email") in page
    assert "None" not in page
    header = re.search(r'<span class="user-name">([^<]*)</span>', page).group(1)
    assert header == "Thư"


def test_adding_and_confirming_an_email_makes_it_the_account_email(client, mailoutbox):
    user = user_from_eid(identity=_eid("sub-1", "086090000001")).user
    client.force_login(user)
    response = client.post(reverse("account_email"), {"action_add": "", "email": "thu@example.vn"})
    assert response.status_code in (200, 302)
    assert len(mailoutbox) == 1
    key = re.search(r"/tai-khoan/[^\s]*confirm-email/([^/\s]+)/", mailoutbox[0].body) or re.search(
        r"confirm-email/([^/\s?]+)", mailoutbox[0].body
    )
    client.post(reverse("account_confirm_email", args=[key.group(1)]))
    user.refresh_from_db()
    assert user.email == "thu@example.vn"


def test_password_reset_and_login_by_email_find_no_account_without_email(client, mailoutbox):
    user_from_eid(identity=_eid("sub-1", "086090000001"))
    client.post(reverse("account_reset_password"), {"email": "None"})
    client.post(reverse("account_reset_password"), {"email": "ai@example.vn"})
    assert all("Email đặt lại mật khẩu" not in m.subject for m in mailoutbox)


def test_notifications_fall_back_to_sms_and_inbox_without_error():
    user = user_from_eid(identity=_eid("sub-1", "086090000001")).user
    user.phone = "0912345678"
    user.save(update_fields=["phone"])
    rows = notifications_enqueue_for(users=[user], event="test", subject="Hồ sơ", body="Đã tiếp nhận")
    assert sorted(r.channel for r in rows) == sorted([Notification.Channel.SMS, Notification.Channel.INBOX])
    for row in rows:
        notification_send(notification_id=row.pk)
    assert set(Notification.objects.filter(user=user).values_list("status", flat=True)) <= {"sent", "read"}
    # a code asked by email cannot go anywhere: no row, no error
    assert (
        notifications_enqueue_for(
            users=[user], event="code", subject="Mã", body="123456", channels=["email"], ignore_preferences=True
        )
        == []
    )


def test_admin_lists_searches_and_opens_an_account_without_email(client):
    user = user_from_eid(identity=_eid("sub-1", "086090000001")).user
    admin_client(client, UserFactory(is_staff=True, is_superuser=True))
    listing = client.get(reverse("admin:identity_user_changelist"), {"q": "Không Thư"})
    assert listing.status_code == 200 and "Lê Văn Không Thư" in listing.content.decode()
    assert ">None<" not in listing.content.decode()
    change = client.get(reverse("admin:identity_user_change", args=[user.pk]))
    assert change.status_code == 200


def test_the_data_export_has_no_email():
    import io
    import json
    import zipfile

    user = user_from_eid(identity=_eid("sub-1", "086090000001")).user
    with zipfile.ZipFile(io.BytesIO(account_export(user=user))) as archive:
        data = json.loads(archive.read("data.json"))
    assert data["profile"]["email"] is None


def test_the_migration_turns_placeholder_emails_into_none():
    migration = importlib.import_module("identity.migrations.0009_user_email_nullable")
    placeholder = UserFactory(email="eid-0123456789abcdef@eid.invalid")
    closed = UserFactory(email="closed-7-0123abcd@closed.invalid", is_active=False)
    real = UserFactory(email="that@example.vn")
    migration.placeholders_to_null(apps, None)
    for user in (placeholder, closed, real):
        user.refresh_from_db()
    assert (placeholder.email, closed.email, real.email) == (None, None, "that@example.vn")
