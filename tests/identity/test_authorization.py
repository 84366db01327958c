"""Each role × agency × object: an official sees nothing outside their scope."""

import pytest
from django.urls import reverse

from catalog.models import Agency
from identity import hooks, roles
from identity.selectors import audit_events_visible_to, citizens_visible_to, personal_document_accessible
from portal.audit import audit_record
from portal.models import Province, Ward
from tests.catalog.factories import AgencyFactory

from .conftest import admin_client
from .factories import PersonalDocumentFactory, UserFactory, official

pytestmark = pytest.mark.django_db

ROLES = [roles.INTAKE, roles.PROCESSING, roles.LEADER, roles.CASHIER, roles.AUDITOR, roles.VOLUNTEER]
SEES_CITIZENS = {roles.INTAKE, roles.PROCESSING, roles.LEADER, roles.VOLUNTEER}


@pytest.fixture
def world():
    vl = Province.objects.create(code=86, name="Vĩnh Long", division_type="tỉnh", codename="vinh_long")
    ct = Province.objects.create(code=92, name="Cần Thơ", division_type="thành phố", codename="can_tho")
    w_vl = Ward.objects.create(code=29500, name="Phường Long Châu", division_type="phường", codename="lc", province=vl)
    w_ct = Ward.objects.create(code=31000, name="Phường Ninh Kiều", division_type="phường", codename="nk", province=ct)
    # A: a provincial centre in Vĩnh Long; B: a commune People's Committee in Cần Thơ.
    a = AgencyFactory(name="Trung tâm Phục vụ hành chính công tỉnh Vĩnh Long", level=Agency.Level.PROVINCE, province=vl)
    b = AgencyFactory(name="UBND phường Ninh Kiều", level=Agency.Level.COMMUNE, province=ct, ward=w_ct)
    citizen_a = UserFactory(email="dan-a@example.test", province=vl, ward=w_vl)
    citizen_b = UserFactory(email="dan-b@example.test", province=ct, ward=w_ct)
    doc_a = PersonalDocumentFactory(owner=citizen_a, title="Giấy tờ A")
    doc_b = PersonalDocumentFactory(owner=citizen_b, title="Giấy tờ B")
    officials = {(role, key): official(agency, role) for role in ROLES for key, agency in (("A", a), ("B", b))}
    # the dossiers app would say: an official may open a document used by a dossier of their agency
    owner_agency = {doc_a.pk: a.pk, doc_b.pk: b.pk}
    hooks.document_access_checker_register(
        lambda user, document: (
            owner_agency.get(document.pk) == user.official_profile.agency_id
            and roles.PROCESSING in {g.name for g in user.groups.all()}
        )
    )
    audit_record(actor=officials[(roles.PROCESSING, "A")], subject=citizen_a, action="view", obj=citizen_a)
    audit_record(actor=officials[(roles.PROCESSING, "B")], subject=citizen_b, action="view", obj=citizen_b)
    return {
        "citizens": {"A": citizen_a, "B": citizen_b},
        "docs": {"A": doc_a, "B": doc_b},
        "officials": officials,
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", ["A", "B"])
def test_scope_matrix(world, role, key, client):
    other = "B" if key == "A" else "A"
    me = world["officials"][(role, key)]

    citizens = set(citizens_visible_to(me))
    assert world["citizens"][other] not in citizens
    assert citizens == ({world["citizens"][key]} if role in SEES_CITIZENS else set())
    assert not any(o in citizens for o in world["officials"].values())

    assert not personal_document_accessible(me, world["docs"][other])
    assert personal_document_accessible(me, world["docs"][key]) == (role == roles.PROCESSING)

    events = set(audit_events_visible_to(me))
    if role == roles.AUDITOR:
        assert {e.actor for e in events} == {world["officials"][(roles.PROCESSING, key)]}
    else:
        assert events == set()

    # the same through the admin
    admin_client(client, me)
    users = client.get(reverse("admin:identity_user_changelist"))
    other_citizen = world["citizens"][other]
    if role in SEES_CITIZENS:
        assert users.status_code == 200
        assert world["citizens"][key].email in users.content.decode()
        assert other_citizen.email not in users.content.decode()
    else:
        assert users.status_code == 403
    assert client.get(reverse("admin:identity_user_change", args=[other_citizen.pk])).status_code in (302, 403, 404)
    docs = client.get(reverse("admin:identity_personaldocument_changelist"))
    if docs.status_code == 200:
        assert "Giấy tờ " + other not in docs.content.decode()
    file_url = reverse("identity:document-file", args=[world["docs"][other].pk])
    assert client.get(file_url).status_code == 404
    audit = client.get(reverse("admin:portal_auditevent_changelist"))
    if role == roles.AUDITOR:
        assert audit.status_code == 200
    else:
        assert audit.status_code == 403


def test_intake_finds_citizens_waiting_for_in_person_verification(world):
    from identity.services import user_request_in_person_verification

    waiting = world["citizens"]["B"]
    user_request_in_person_verification(user=waiting)
    assert waiting in set(citizens_visible_to(world["officials"][(roles.INTAKE, "A")]))
    assert waiting not in set(citizens_visible_to(world["officials"][(roles.PROCESSING, "A")]))
