"""Signing up as a newcomer (issue 18): Vietnamese password errors, confirmation emails built
from SITE_URL and the portal's name, `next` kept through the confirmation, the sandbox mailbox."""

import re

import pytest
from django.core import mail

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    from django.core.cache import cache

    cache.clear()  # allauth sends one confirmation per address every 3 minutes


def _signup(client, *, email="moi@example.vn", password="Mat-khau-dai-2026", next_url=""):
    url = "/accounts/signup/" + (f"?next={next_url}" if next_url else "")
    data = {"email": email, "password1": password, "password2": password}
    if next_url:
        data["next"] = next_url
    return client.post(url, data)


def test_signup_password_errors_are_vietnamese(client):
    html = _signup(client, password="123").content.decode()
    errors = re.search(r'<ul class="field-error" id="id_password1_error">(.*?)</ul>', html, re.S).group(1)
    assert "Mật khẩu quá ngắn: cần ít nhất 10 ký tự." in errors
    assert "This password" not in html and "too short" not in html


def test_confirmation_email_uses_site_url_and_the_portal_name(client, settings):
    settings.SITE_URL = "http://127.0.0.1:8001"
    settings.PORTAL_NAME = "Cổng Dịch vụ công tỉnh Vĩnh Long"
    response = _signup(client, next_url="/ho-so/nop/1.0001/")
    assert response.status_code == 302
    (message,) = mail.outbox
    body = message.body
    assert "127.0.0.1:8001 xin chào" not in body and "testserver" not in body
    assert "Cổng Dịch vụ công tỉnh Vĩnh Long" in body
    link = re.search(r"http://127\.0\.0\.1:8001/accounts/confirm-email/\S+", body).group(0)
    assert link.endswith("?next=%2Fho-so%2Fnop%2F1.0001%2F")


def test_confirming_in_the_same_browser_goes_on_to_next(client, settings):
    settings.SITE_URL = "http://testserver"
    _signup(client, next_url="/ho-so/cua-toi/")
    link = re.search(r"http://testserver(/accounts/confirm-email/\S+)", mail.outbox[0].body).group(1)
    page = client.get(link)
    assert page.status_code == 200 and 'name="next" value="/ho-so/cua-toi/"' in page.content.decode()
    confirmed = client.post(link.split("?")[0], {"next": "/ho-so/cua-toi/"})
    assert confirmed.status_code == 302 and confirmed.url == "/ho-so/cua-toi/"
    assert client.get("/ho-so/cua-toi/").status_code == 200  # logged in


def test_a_foreign_next_is_not_carried(client, settings):
    settings.SITE_URL = "http://testserver"
    _signup(client, next_url="https://evil.example/")
    assert "evil" not in mail.outbox[0].body
