import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.urls import reverse

from identity import roles
from identity.demo import DEMO_TOTP_SECRET
from portal.audit import audit_record
from portal.models import AuditEvent
from tests.catalog.factories import AgencyFactory

from .conftest import admin_client, with_totp
from .factories import UserFactory, official

pytestmark = pytest.mark.django_db


def test_admin_login_goes_through_allauth(client):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("account_login"))


def test_staff_without_totp_must_set_it_up_first(client):
    clerk = official(AgencyFactory(), roles.INTAKE)
    client.force_login(clerk)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("mfa_activate_totp"))


def test_staff_with_totp_must_pass_it_in_this_session(client):
    clerk = with_totp(official(AgencyFactory(), roles.INTAKE))
    client.force_login(clerk)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("mfa_reauthenticate"))


def test_real_login_with_password_and_totp_code_reaches_admin(client):
    import time

    clerk = with_totp(official(AgencyFactory(), roles.INTAKE, email="clerk@example.test"))
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=clerk, email=clerk.email, verified=True, primary=True)
    response = client.post(reverse("account_login"), {"login": clerk.email, "password": "correct-horse-battery"})
    assert response.status_code == 302 and response["Location"] == reverse("mfa_authenticate")
    code = format_hotp_value(hotp_value(DEMO_TOTP_SECRET, int(time.time()) // 30))
    response = client.post(reverse("mfa_authenticate"), {"code": code})
    assert response.status_code == 302
    assert client.get(reverse("admin:index")).status_code == 200


def test_viewing_a_citizen_in_admin_is_audited_and_events_are_read_only(client):
    agency = AgencyFactory()
    clerk = official(agency, roles.INTAKE)
    citizen = UserFactory()
    # superusers see everyone; the audit row names who looked at whom
    boss = UserFactory(is_staff=True, is_superuser=True)
    admin_client(client, boss)
    assert client.get(reverse("admin:identity_user_change", args=[citizen.pk])).status_code == 200
    event = AuditEvent.objects.get(subject=citizen)
    assert event.actor == boss and event.action == "view"

    audit_record(actor=clerk, subject=citizen, action="view", obj=citizen)
    auditor = official(agency, roles.AUDITOR)
    admin_client(client, auditor)
    listing = client.get(reverse("admin:portal_auditevent_changelist"))
    assert listing.status_code == 200
    row = AuditEvent.objects.filter(actor=clerk).first()
    assert client.post(reverse("admin:portal_auditevent_delete", args=[row.pk]), {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.filter(pk=row.pk).exists()
