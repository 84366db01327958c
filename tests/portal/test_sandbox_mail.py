"""The sandbox mailbox (/sandbox/mail/, SANDBOX_ENABLED only): a newcomer finds the emails and
SMS the portal sent them, without reading the console, and nobody else's."""

import json
import re

import pytest
from django.test import Client

from tests.identity.factories import UserFactory
from tests.support.mfa import staff_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def file_outbox(settings, tmp_path):
    settings.EMAIL_BACKEND = "portal.mail.OutboxEmailBackend"
    settings.OUTBOX_DIR = tmp_path
    settings.SITE_URL = "http://testserver"
    from django.core.cache import cache

    cache.clear()  # allauth sends one confirmation per address every 3 minutes
    return tmp_path


def _signup(client, email, next_url="/ho-so/cua-toi/"):
    data = {"email": email, "password1": "Mat-khau-dai-2026", "password2": "Mat-khau-dai-2026", "next": next_url}
    return client.post(f"/accounts/signup/?next={next_url}", data)


def test_the_check_your_email_page_links_to_the_mailbox_that_shows_the_confirmation(client, file_outbox):
    response = _signup(client, "moi@example.vn")
    sent_page = client.get(response.url).content.decode()
    assert "Xác nhận địa chỉ thư điện tử" in sent_page and 'href="/sandbox/mail/"' in sent_page
    box = client.get("/sandbox/mail/")
    html = box.content.decode()
    assert box.status_code == 200 and "Hộp thư thử nghiệm" in html and "moi@example.vn" in html
    link = re.search(r'href="(http://testserver/accounts/confirm-email/[^"]+)"', html).group(1)
    assert "next=%2Fho-so%2Fcua-toi%2F" in link


def test_a_visitor_sees_only_their_own_messages_staff_see_all(client, file_outbox):
    _signup(client, "moi@example.vn")
    stranger = Client()
    assert "moi@example.vn" not in stranger.get("/sandbox/mail/").content.decode()
    other = UserFactory(email="khac@example.vn")
    stranger.force_login(other)
    assert "moi@example.vn" not in stranger.get("/sandbox/mail/").content.decode()
    admin = UserFactory(email="admin2@example.vn", is_staff=True, is_superuser=True)
    staff = Client()
    staff_login(staff, admin)
    assert "moi@example.vn" in staff.get("/sandbox/mail/").content.decode()


def test_sms_written_to_the_outbox_are_listed_for_their_phone(client, file_outbox):
    (file_outbox / "sms").mkdir()
    record = {"to": "0912345678", "text": "Ho so 000.00.31.H57-261201-0001 da duoc tiep nhan", "segments": 1}
    (file_outbox / "sms" / "20261201-101010-000000-x.json").write_text(json.dumps(record))
    owner = UserFactory(email="sdt@example.vn", phone="0912345678")
    client.force_login(owner)
    assert "da duoc tiep nhan" in client.get("/sandbox/mail/").content.decode()
    client.force_login(UserFactory(email="khac@example.vn", phone="0987654321"))
    assert "da duoc tiep nhan" not in client.get("/sandbox/mail/").content.decode()


def test_no_mailbox_without_sandbox(client, file_outbox, settings):
    settings.SANDBOX_ENABLED = False
    assert client.get("/sandbox/mail/").status_code == 404
