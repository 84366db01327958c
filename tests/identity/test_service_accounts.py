"""Administrators create service accounts and issue scoped tokens in the admin; the secret is
shown once, revoking stops the token at once; an official cannot manage them."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from identity import roles
from identity.models import ServiceAccount, ServiceToken
from tests.catalog.factories import AgencyFactory

from .conftest import admin_client
from .factories import UserFactory, official

pytestmark = pytest.mark.django_db


def test_an_administrator_creates_an_account_issues_a_token_and_revokes_it(client):
    agency = AgencyFactory()
    admin_client(client, UserFactory(is_staff=True, is_superuser=True))
    r = client.post(
        reverse("admin:identity_serviceaccount_add"),
        {
            "name": "Phần mềm hộ tịch",
            "agency": agency.pk,
            "roles": [roles.INTAKE, roles.PROCESSING],
            "is_active": "on",
            "tokens-TOTAL_FORMS": "0",
            "tokens-INITIAL_FORMS": "0",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    account = ServiceAccount.objects.get(name="Phần mềm hộ tịch")
    assert set(account.user.groups.values_list("name", flat=True)) == {roles.INTAKE, roles.PROCESSING}
    assert account.user.official_profile.agency == agency and not account.user.has_usable_password()

    changelist = reverse("admin:identity_serviceaccount_changelist")
    r = client.post(changelist, {"action": "issue_read_token", "_selected_action": [account.pk]})
    shown = [str(m) for m in get_messages(r.wsgi_request)]
    secret = next(word for m in shown for word in m.split() if word.startswith("svc_"))
    token = ServiceToken.objects.get(account=account)
    assert token.scopes == [ServiceToken.Scope.READ_QUEUE] and secret not in token.digest
    assert any("chỉ hiển thị một lần" in m for m in shown)

    client.logout()
    assert client.get("/api/v1/queue/", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 200
    r = client.post(
        "/api/v1/queue/x/actions/receive/", {}, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )
    assert r.status_code == 403 and "dossiers:act" in r.json()["detail"]

    admin_client(client, UserFactory(is_staff=True, is_superuser=True, email="root2@example.vn"))
    client.post(changelist, {"action": "revoke_tokens", "_selected_action": [account.pk]})
    client.logout()
    r = client.get("/api/v1/queue/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert r.status_code == 401 and r["WWW-Authenticate"]


def test_an_official_cannot_manage_service_accounts(client):
    agency = AgencyFactory()
    admin_client(client, official(agency, roles.LEADER))
    assert client.get(reverse("admin:identity_serviceaccount_changelist")).status_code == 403
