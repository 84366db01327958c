"""Which account an e-ID sign-in lands on (finding 1 of issue 16: account takeover through a
typed or card-read personal ID) and the (issuer, subject) link key."""

import importlib
import io
import re
from urllib.parse import urlparse

import pytest
import requests
from django.urls import reverse
from django.utils.translation import override

from identity.models import User
from identity.sandbox_eid import subject_for
from identity.services import EidIdentity, EidLoginError, user_from_eid
from identity.views import QR_SESSION_KEY
from portal.models import AuditEvent

from .factories import SandboxResidentFactory, UserFactory
from .test_eid import _authorize_page, _pick

pytestmark = pytest.mark.django_db(transaction=True)


def _claim_by_typing(client, resident):
    return client.post(
        reverse("identity:profile"),
        {
            "full_name": "Kẻ Mạo Danh",
            "personal_id": resident.personal_id,
            "date_of_birth": resident.date_of_birth.isoformat(),
            "sex": resident.sex,
            "notify_email": "on",
        },
    )


def _claim_from_qr_photo(client, resident):
    session = client.session
    session[QR_SESSION_KEY] = {
        "number": resident.personal_id,
        "full_name": resident.full_name,
        "date_of_birth": resident.date_of_birth.isoformat(),
        "sex": resident.sex,
        "address": "",
    }
    session.save()
    return client.post(reverse("identity:cccd-qr"), {"apply": "1"})


@pytest.mark.parametrize("claim", [_claim_by_typing, _claim_from_qr_photo], ids=["typed", "cccd-qr"])
def test_a_claimed_personal_id_does_not_capture_the_owners_eid(sandbox_urls, client, claim):
    victim = SandboxResidentFactory(full_name="Đặng Thị Nạn Nhân", eid_level=2)
    attacker = UserFactory(email="attacker@example.test")
    client.force_login(attacker)
    assert claim(client, victim).status_code == 302
    attacker.refresh_from_db()
    assert attacker.personal_id == victim.personal_id and not attacker.personal_id_verified

    browser = requests.Session()
    landed = _pick(browser, _authorize_page(browser, sandbox_urls), victim)

    # The victim lands on an account of their own, at level 2, and is told about the clash.
    assert urlparse(landed.url).path == "/tai-khoan/" and "Định danh mức 2" in landed.text
    assert "Một tài khoản khác đã khai số định danh cá nhân của bạn" in landed.text
    owner = User.objects.get(personal_id=victim.personal_id)
    assert owner.pk != attacker.pk and owner.identity_level == 2 and owner.personal_id_source == "eid"
    # The attacker keeps a level-1 account without the number, and intake sees what happened.
    attacker.refresh_from_db()
    assert attacker.identity_level == 1 and attacker.personal_id is None and attacker.eid_subject is None
    clash = AuditEvent.objects.filter(subject=attacker, detail__contains="e-ID clash").get()
    assert victim.personal_id in clash.detail and AuditEvent.objects.filter(subject=owner).exists()

    # What the victim keeps in the portal stays out of the attacker's sight.
    csrf = re.search(
        r'name="csrfmiddlewaretoken" value="([^"]+)"', browser.get(f"{sandbox_urls}/tai-khoan/giay-to/").text
    )
    pdf = io.BytesIO(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    pdf.name = "giay-khai-sinh.pdf"
    browser.post(
        f"{sandbox_urls}/tai-khoan/giay-to/",
        data={
            "csrfmiddlewaretoken": csrf.group(1),
            "doc_type": "birth_certificate",
            "title": "Giấy khai sinh của Nạn Nhân",
        },
        files={"upload": pdf},
    )
    assert owner.documents.filter(title="Giấy khai sinh của Nạn Nhân").exists()
    seen_by_attacker = client.get(reverse("identity:documents")).content.decode()
    seen_by_attacker += client.get(reverse("identity:profile")).content.decode()
    assert "Giấy khai sinh của Nạn Nhân" not in seen_by_attacker and victim.personal_id not in seen_by_attacker
    assert "Định danh mức 1" in seen_by_attacker


def test_the_profile_refuses_a_number_another_account_claims(client):
    resident = SandboxResidentFactory()
    UserFactory(personal_id=resident.personal_id, personal_id_source="typed")
    client.force_login(UserFactory())
    response = _claim_by_typing(client, resident)
    assert response.status_code == 200
    assert "Số định danh cá nhân này đã được dùng cho một tài khoản khác." in response.content.decode()


def test_a_signed_in_citizen_links_the_eid_from_the_profile(sandbox_urls, client):
    resident = SandboxResidentFactory(eid_level=2)
    citizen = UserFactory(email="an@example.test")
    client.force_login(citizen)
    browser = requests.Session()
    browser.cookies.set("sessionid", client.cookies["sessionid"].value, domain="localhost.local")
    profile = browser.get(f"{sandbox_urls}/tai-khoan/")
    assert "Định danh mức 1" in profile.text
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', profile.text).group(1)
    page = browser.post(f"{sandbox_urls}/tai-khoan/vneid/", data={"csrfmiddlewaretoken": csrf})
    assert urlparse(page.url).path == "/sandbox/eid/authorize/"

    landed = _pick(browser, page, resident)

    assert "Định danh mức 2" in landed.text
    citizen.refresh_from_db()
    assert citizen.identity_level == 2 and citizen.personal_id == resident.personal_id
    assert citizen.eid_subject == subject_for(resident) and citizen.personal_id_source == "eid"
    assert User.objects.count() == 1


def test_a_plain_eid_login_by_someone_signed_in_does_not_link(sandbox_urls, client):
    """A GET (a link anyone can send) is a sign-in, not a link: it never changes the signed-in account."""
    resident = SandboxResidentFactory(eid_level=2)
    citizen = UserFactory(email="an@example.test")
    client.force_login(citizen)
    browser = requests.Session()
    browser.cookies.set("sessionid", client.cookies["sessionid"].value, domain="localhost.local")
    _pick(browser, _authorize_page(browser, sandbox_urls), resident)
    citizen.refresh_from_db()
    assert citizen.identity_level == 1 and citizen.eid_subject is None
    assert User.objects.get(personal_id=resident.personal_id).pk != citizen.pk


def test_a_renamed_issuer_listed_as_alias_keeps_the_link(sandbox_urls, settings):
    # A level-1 e-ID: nothing but the link itself can find the account.
    resident = SandboxResidentFactory(eid_level=1)
    citizen = UserFactory(eid_issuer="https://sso.old.example/eid", eid_subject=subject_for(resident))
    settings.EID_ISSUER_ALIASES = ["https://sso.old.example/eid/"]
    browser = requests.Session()
    landed = _pick(browser, _authorize_page(browser, sandbox_urls), resident)
    assert "mức 1" in landed.text
    citizen.refresh_from_db()
    assert citizen.eid_issuer == f"{sandbox_urls}/sandbox/eid" and User.objects.count() == 1


def test_the_same_subject_from_another_issuer_is_another_person(sandbox_urls):
    resident = SandboxResidentFactory(eid_level=1)
    stranger = UserFactory(eid_issuer="https://other-sso.example", eid_subject=subject_for(resident))
    browser = requests.Session()
    _pick(browser, _authorize_page(browser, sandbox_urls), resident)
    stranger.refresh_from_db()
    assert stranger.eid_issuer == "https://other-sso.example"
    assert User.objects.filter(eid_subject=subject_for(resident)).count() == 2


def test_migration_moves_links_to_issuer_and_subject(settings):
    migration = importlib.import_module("identity.migrations.0005_eid_link_issuer_and_personal_id_source")
    settings.EID_ISSUER = "https://sso.example.gov.vn/"
    linked = UserFactory(eid_subject="oidc:abc-123", personal_id="086190000001", identity_level=2, verified_via="eid")
    typed = UserFactory(personal_id="086190000002")
    desk = UserFactory(personal_id="086190000003", identity_level=2, verified_via="in_person")
    from django.apps import apps

    migration.links_to_issuer_and_subject(apps, None)

    for user in (linked, typed, desk):
        user.refresh_from_db()
    assert (linked.eid_issuer, linked.eid_subject) == ("https://sso.example.gov.vn", "abc-123")
    assert [linked.personal_id_source, typed.personal_id_source, desk.personal_id_source] == [
        "eid",
        "typed",
        "in_person",
    ]
    migration.links_back(apps, None)
    linked.refresh_from_db()
    assert linked.eid_subject == "oidc:abc-123"


def _identity(resident, *, level=2, subject="s-1"):
    return EidIdentity(
        provider="oidc",
        issuer="https://sso.example.gov.vn",
        subject=subject,
        personal_id=resident.personal_id,
        full_name=resident.full_name,
        date_of_birth=resident.date_of_birth,
        level=level,
    )


def test_a_level1_eid_takes_no_number_from_a_claimant():
    resident = SandboxResidentFactory()
    claimant = UserFactory(personal_id=resident.personal_id, personal_id_source="typed")
    result = user_from_eid(identity=_identity(resident, level=1))
    claimant.refresh_from_db()
    assert result.user.pk != claimant.pk and result.user.personal_id is None and result.user.identity_level == 1
    assert claimant.personal_id == resident.personal_id and not result.clash


def test_linking_refuses_an_eid_of_another_number_than_the_desk_verified_one():
    resident = SandboxResidentFactory()
    desk_verified = UserFactory(
        personal_id="086190009999", personal_id_source="in_person", identity_level=2, verified_via="in_person"
    )
    with override("vi"), pytest.raises(EidLoginError, match="khác với số đã được xác thực"):
        user_from_eid(identity=_identity(resident), link_to=desk_verified)
    desk_verified.refresh_from_db()
    assert desk_verified.personal_id == "086190009999" and desk_verified.eid_subject is None


def test_a_number_verified_on_another_account_is_not_taken():
    resident = SandboxResidentFactory()
    UserFactory(personal_id=resident.personal_id, personal_id_source="in_person", identity_level=2)
    citizen = UserFactory()
    with override("vi"), pytest.raises(EidLoginError, match="đã được xác thực cho một tài khoản khác"):
        user_from_eid(identity=_identity(resident), link_to=citizen)
