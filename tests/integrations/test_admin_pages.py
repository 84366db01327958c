"""What an administrator sees: the sync messages pending or failed and why, webhook
subscriptions (a private URL refused in production), deliveries with their attempts, and the
sandbox national portal's page. All in Vietnamese by default."""

import pytest
from django.test import Client

from dossiers import services as dossier_services
from integrations.models import SandboxNationalRecord, SyncMessage, WebhookSubscription
from tests.support.mfa import staff_login
from tests.support.world import verified_user

from .test_national_sync import _file

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def admin_client(db):
    root = verified_user("root@example.vn", full_name="Quản trị", is_staff=True, is_superuser=True)
    return staff_login(Client(), root)


def test_the_admin_lists_pending_messages_with_why_in_vietnamese(national, admin_client, pv, citizen, intake):
    national.control(fail_next=1000)
    d = _file(pv, citizen)
    dossier_services.dossier_receive(dossier=d, by=intake)

    page = admin_client.get("/admin/integrations/syncmessage/?state__exact=pending").content.decode()
    assert "Chờ gửi" in page
    assert "HTTP 503" in page
    assert "Chờ thông điệp số 1 của hồ sơ này được gửi trước." in page
    assert d.code in page

    national.control(fail_next=0)
    first = SyncMessage.objects.get(dossier=d, sequence=1)
    response = admin_client.post(
        "/admin/integrations/syncmessage/", {"action": "send_again", "_selected_action": [first.pk]}, follow=True
    )
    assert "Đã gửi 2 thông điệp." in response.content.decode()
    assert [r.sequence for r in SandboxNationalRecord.objects.filter(dossier_code=d.code)] == [1, 2]


def test_a_private_webhook_url_is_refused_in_the_admin_in_production(admin_client, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_URLS = False
    response = admin_client.post(
        "/admin/integrations/webhooksubscription/add/",
        {"name": "Nội bộ", "url": "https://127.0.0.1:8080/hook", "events": "[]", "is_active": "on"},
    )
    assert response.status_code == 200
    assert "trỏ tới một địa chỉ mạng riêng hoặc nội bộ" in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_an_administrator_subscribes_and_the_subscription_gets_a_secret(admin_client, receiver, agency):
    response = admin_client.post(
        "/admin/integrations/webhooksubscription/add/",
        {
            "name": "Hộ tịch",
            "url": receiver.url,
            "agency": agency.pk,
            "events": '["dossier.submit"]',
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    subscription = WebhookSubscription.objects.get()
    assert subscription.secret.startswith("whsec_")
    page = admin_client.get(f"/admin/integrations/webhooksubscription/{subscription.pk}/change/").content.decode()
    assert subscription.secret in page
    assert "Đổi khóa ký" in admin_client.get("/admin/integrations/webhooksubscription/").content.decode()


def test_the_sandbox_page_shows_received_dossiers_and_sets_the_error_switch(national, admin_client, pv, citizen):
    d = _file(pv, citizen)
    page = admin_client.get("/sandbox/dvcqg/").content.decode()
    assert "Cổng Dịch vụ công quốc gia thử nghiệm" in page
    assert d.code in page
    assert "Mới đăng ký" in page

    response = admin_client.post("/sandbox/dvcqg/", {"fail_next": "3"}, follow=True)
    assert "Cổng thử nghiệm sẽ báo lỗi 3 yêu cầu tiếp theo." in response.content.decode()
    assert national.control()["fail_next"] == 3


def test_the_sandbox_refuses_a_request_without_the_token(national, live_server):
    import requests

    response = requests.post(live_server.url + "/sandbox/dvcqg/api/hoso/dongbo", json={}, timeout=10)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
