import pytest

from portal.models import Notification

from .factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_inbox_requires_login(client):
    response = client.get("/hop-thu/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_inbox_lists_only_my_messages_and_shows_the_unread_badge(client):
    me, other = UserFactory(), UserFactory()
    NotificationFactory(user=me, subject="Hồ sơ đã được tiếp nhận")
    NotificationFactory(user=me, subject="Kết quả đã sẵn sàng", read_at="2026-11-20T10:00:00+07:00")
    NotificationFactory(user=me, channel=Notification.Channel.EMAIL, subject="Thư điện tử")
    NotificationFactory(user=other, subject="Của người khác")
    client.force_login(me)
    html = client.get("/hop-thu/").content.decode()
    assert "Hồ sơ đã được tiếp nhận" in html
    assert "Kết quả đã sẵn sàng" in html
    assert "Thư điện tử" not in html
    assert "Của người khác" not in html
    assert 'class="count-badge">1<' in html


def test_mark_read_and_open(client):
    me = UserFactory()
    mine = NotificationFactory(user=me, url="/ho-so/1/")
    client.force_login(me)
    response = client.post(f"/hop-thu/{mine.pk}/da-doc/", {"open": "1"})
    assert response.status_code == 302 and response["Location"] == "/ho-so/1/"
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_open_never_redirects_off_site(client):
    me = UserFactory()
    mine = NotificationFactory(user=me, url="https://evil.example.com/")
    client.force_login(me)
    response = client.post(f"/hop-thu/{mine.pk}/da-doc/", {"open": "1"})
    assert response["Location"] == "/hop-thu/"


def test_cannot_mark_someone_elses_message(client):
    me, other = UserFactory(), UserFactory()
    theirs = NotificationFactory(user=other)
    client.force_login(me)
    assert client.post(f"/hop-thu/{theirs.pk}/da-doc/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read(client):
    me = UserFactory()
    NotificationFactory.create_batch(3, user=me)
    client.force_login(me)
    assert client.post("/hop-thu/da-doc-tat-ca/").status_code == 302
    assert not Notification.objects.filter(user=me, read_at__isnull=True).exists()
    assert client.get("/hop-thu/da-doc-tat-ca/").status_code == 405
