import io

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator

from catalog.models import Agency
from identity import demo
from identity.models import OfficialProfile, SandboxResident, User
from portal.kernel.cccd import cccd_validate
from portal.models import Province, Ward
from tests.catalog.factories import AgencyFactory

pytestmark = pytest.mark.django_db


def test_seed_is_complete_and_idempotent():
    vl = Province.objects.create(code=86, name="Vĩnh Long", division_type="tỉnh", codename="vinh_long")
    for i in range(5):
        Ward.objects.create(code=29500 + i, name=f"Xã Mẫu {i}", division_type="xã", codename=f"x{i}", province=vl)
    AgencyFactory(name="Trung tâm Phục vụ hành chính công tỉnh Vĩnh Long", level=Agency.Level.PROVINCE)
    AgencyFactory(name="Ủy ban nhân dân xã Mẫu", level=Agency.Level.COMMUNE)

    out = io.StringIO()
    rows = demo.seed(password="demo-portal-2026", stdout=out)
    demo.seed(password="demo-portal-2026", stdout=out)

    emails = [email for email, _ in rows]
    assert {"citizen1@example.vn", "citizen2@example.vn", "intake@example.vn", "auditor2@example.vn"} <= set(emails)
    assert len(emails) == 2 + 12
    residents = SandboxResident.objects.all()
    assert residents.count() >= 50
    for r in residents:
        cccd_validate(r.personal_id, date_of_birth=r.date_of_birth, sex=r.sex)  # raises if invalid
        assert r.ward.province == vl
    assert any("ữ" in r.full_name or "ễ" in r.full_name or "ầ" in r.full_name or "ạ" in r.full_name for r in residents)
    c2 = User.objects.get(email="citizen2@example.vn")
    assert c2.identity_level == 2 and SandboxResident.objects.filter(personal_id=c2.personal_id).exists()
    assert c2.documents.count() == 3 and c2.documents.filter(verified=True).count() == 2
    assert User.objects.get(email="citizen1@example.vn").identity_level == 1
    assert EmailAddress.objects.filter(email__in=emails, verified=True).count() == len(emails)
    assert OfficialProfile.objects.values("agency").distinct().count() == 2
    intake = User.objects.get(email="intake@example.vn")
    assert (
        intake.is_staff and intake.groups.filter(name="intake").exists() and intake.check_password("demo-portal-2026")
    )
    assert Authenticator.objects.filter(user=intake, type="totp").count() == 1


def test_the_catalog_demo_staff_are_made_first_with_their_roles(monkeypatch):
    from catalog import demo as catalog_demo
    from portal.admin_units import admin_units_load

    monkeypatch.setattr(catalog_demo, "_blank_forms", lambda data: 0)  # PDF rendering is tested by portal
    admin_units_load()
    out = io.StringIO()
    assert catalog_demo.seed(password="demo-portal-2026", stdout=out) == []
    rows = demo.seed(password="demo-portal-2026", stdout=out)
    assert demo.seed(password="demo-portal-2026", stdout=out) == rows

    emails = [email for email, _ in rows]
    assert emails[:3] == ["editor@example.vn", "publisher@example.vn", "admin@example.vn"]
    editor = User.objects.get(email="editor@example.vn")
    publisher = User.objects.get(email="publisher@example.vn")
    assert editor.is_staff and editor.official_profile.agency.code == "000.00.02.H62"
    assert editor.has_perm("services.change_procedure") and not editor.has_perm("services.publish_procedure")
    assert publisher.has_perm("services.publish_procedure")
    assert User.objects.get(email="admin@example.vn").is_superuser
    assert editor.check_password("demo-portal-2026")
    assert Authenticator.objects.filter(user=editor, type="totp").count() == 1
