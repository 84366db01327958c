import io

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator

from catalog.models import Agency
from identity import demo
from identity.models import OfficialProfile, SandboxResident, User
from portal.kernel.cccd import cccd_validate
from portal.models import Province, Ward

from .factories import AgencyFactory

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
