"""Filing on a citizen's behalf (issue 16, finding 2): only an official whose agency serves the
citizen's area or handles the procedure may start it; nothing of the citizen is shown before the
citizen proves their consent (a one-time code to their phone or email, or a signed form at the
counter); every look at their data is audited, and the audit trail outlives a deleted draft."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dossiers import services
from dossiers.models import Dossier, DossierFile, OnBehalfConsent
from identity.models import PersonalDocument
from identity.roles import INTAKE, VOLUNTEER
from portal.models import AuditEvent, Notification, Province, Ward
from tests.support.mfa import staff_login

from .conftest import pdf_upload
from .factories import AgencyFactory, CitizenFactory, official, version

pytestmark = pytest.mark.django_db

DOB_SHOWN = ("17/05/1990", "1990-05-17")
SECRET_BITS = ("Nguyễn Thị Hằng", "0912345678", "12 Đường Phạm Thái Bường", *DOB_SHOWN)


@pytest.fixture
def volunteer(agency):
    return official(agency, VOLUNTEER)


@pytest.fixture
def store_document(citizen):
    from identity.services import personal_document_add

    return personal_document_add(
        owner=citizen, doc_type="birth_certificate", title="Giấy khai sinh bí mật", upload=pdf_upload("gks.pdf")
    )


def _start(client, official_user, pv, citizen, channel="mobile_team"):
    staff_login(client, official_user)
    return client.post(
        reverse("dossiers:file_on_behalf", args=[pv.code]),
        {"personal_id": citizen.personal_id, "channel": channel, "consent": "on"},
    )


def _step(draft, name):
    return reverse("dossiers:step", args=[draft.pk, name])


def _sent_code(citizen) -> str:
    """The code as it reached the citizen's phone (the SMS outbox row)."""
    sms = Notification.objects.filter(user=citizen, channel="sms", event="dossier.on_behalf_code").latest("pk")
    return re.search(r"\b(\d{6})\b", sms.body).group(1)


def _consented(client, official_user, pv, citizen) -> Dossier:
    _start(client, official_user, pv, citizen)
    draft = Dossier.objects.get(citizen=citizen)
    client.post(_step(draft, "consent"), {"action": "sms"})
    r = client.post(_step(draft, "consent"), {"action": "verify", "code": _sent_code(citizen)})
    assert r.status_code == 302 and r.url == _step(draft, "applicant")
    draft.refresh_from_db()
    assert draft.consent_recorded
    return draft


def _wards():
    province = Province.objects.create(code=86, name="Vĩnh Long", division_type="tỉnh", codename="vinh_long")
    home = Ward.objects.create(
        code=29000, name="Phường Long Châu", division_type="phường", codename="lc", province=province
    )
    other = Ward.objects.create(
        code=29001, name="Phường Phước Hậu", division_type="phường", codename="ph", province=province
    )
    return province, home, other


# --- Who may start it ---------------------------------------------------------------------------


def test_an_official_of_an_unrelated_agency_is_refused(client, pv, citizen, other_agency):
    stranger = official(other_agency, INTAKE)
    r = _start(client, stranger, pv, citizen)
    assert r.status_code == 200
    assert "không phục vụ địa bàn" in r.content.decode()
    assert not Dossier.objects.exists()
    # The same refusal on every path that reaches the services (API, admin, scripts).
    with pytest.raises(services.DossierActionError, match="không phục vụ địa bàn"):
        services.dossier_draft_create(citizen=citizen, procedure_version=pv, filed_by=stranger, channel="counter")
    with pytest.raises(services.DossierActionError, match="không phục vụ địa bàn"):
        services.dossier_on_behalf_start(
            official=stranger, personal_id=citizen.personal_id, procedure_version=pv, channel="counter"
        )


def test_an_unknown_number_reads_like_a_refusal_to_an_unrelated_official(client, pv, other_agency):
    stranger = official(other_agency, VOLUNTEER)
    with pytest.raises(services.DossierActionError, match="không phục vụ địa bàn"):
        services.dossier_on_behalf_start(
            official=stranger, personal_id="086099999999", procedure_version=pv, channel="counter"
        )


def test_the_agency_serving_the_citizens_commune_may_file_any_procedure(client, pv, citizen):
    _province, home, _other = _wards()
    citizen.ward, citizen.province = home, home.province
    citizen.save()
    commune = AgencyFactory(code="000.00.77.H57", name="UBND phường Long Châu (mới)", ward=home, province=home.province)
    neighbour = CitizenFactory(personal_id="086190000999")
    volunteer = official(commune, VOLUNTEER)
    assert services.on_behalf_allowed(official=volunteer, citizen=citizen, procedure_version=pv)
    assert not services.on_behalf_allowed(official=volunteer, citizen=neighbour, procedure_version=pv)
    r = _start(client, volunteer, pv, citizen)
    assert r.status_code == 302
    assert Dossier.objects.get().filed_by == volunteer


def test_a_commune_agency_does_not_serve_the_whole_province(pv, citizen):
    province, home, other = _wards()
    citizen.ward, citizen.province = other, province
    citizen.save()
    commune = AgencyFactory(code="000.00.78.H57", name="UBND phường Long Châu", ward=home, province=province)
    provincial = AgencyFactory(code="000.00.79.H57", name="Sở Tư pháp", level="province", province=province)
    assert not services.on_behalf_allowed(official=official(commune, INTAKE), citizen=citizen, procedure_version=pv)
    assert services.on_behalf_allowed(official=official(provincial, INTAKE), citizen=citizen, procedure_version=pv)


def test_roles_other_than_filing_ones_and_officials_without_an_agency_are_refused(client, pv, citizen, agency):
    from django.contrib.auth.models import Group

    from identity.models import User

    leader_only = official(agency, "cashier")
    staff_login(client, leader_only)
    assert client.get(reverse("dossiers:file_on_behalf", args=[pv.code])).status_code == 404
    loose = User.objects.create_user("loose.volunteer@example.vn", "pw-for-tests-123", is_staff=True)
    loose.groups.add(Group.objects.get(name=VOLUNTEER))
    assert not services.on_behalf_may_file(loose)
    staff_login(client, loose)
    assert client.get(reverse("dossiers:file_on_behalf", args=[pv.code])).status_code == 404


# --- Before consent: nothing of the citizen -----------------------------------------------------


def test_before_consent_no_personal_data_or_documents_reach_the_official(
    client, pv, citizen, volunteer, store_document
):
    r = _start(client, volunteer, pv, citizen)
    draft = Dossier.objects.get()
    assert r.url == _step(draft, "consent")
    assert draft.applicant == {"personal_id": citizen.personal_id} and not draft.consent_recorded

    pages = [client.get(_step(draft, "consent"))]
    for name in ("applicant", "form", "documents", "review"):
        response = client.get(_step(draft, name))
        assert response.status_code == 302 and response.url == _step(draft, "consent"), name
        pages.append(client.get(_step(draft, name), follow=True))
    for page in pages:
        html = page.content.decode()
        assert page.status_code == 200
        for bit in (*SECRET_BITS, citizen.email, store_document.title):
            assert bit not in html, bit
    assert "…678" not in pages[0].content.decode()  # only the masked number
    assert "•••••••678" in pages[0].content.decode()

    # Attaching from the store, listing it, downloading and submitting are refused by the services.
    with pytest.raises(services.DossierActionError, match="chưa xác nhận đồng ý"):
        services.applicant_store_documents(dossier=draft, by=volunteer)
    with pytest.raises(services.DossierActionError, match="chưa xác nhận đồng ý"):
        services.dossier_file_add(dossier=draft, by=volunteer, doc_key="to-khai", personal_document=store_document)
    scan = services.dossier_file_add(dossier=draft, by=volunteer, doc_key="to-khai", upload=pdf_upload(), kind="scan")
    assert client.get(reverse("dossiers:file_download", args=[draft.pk, scan.pk])).status_code == 404
    with pytest.raises(services.DossierActionError, match="chưa xác nhận đồng ý"):
        services.dossier_submit(dossier=draft, by=volunteer)
    assert not draft.files.filter(personal_document__isnull=False).exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.VIEW).exists()


# --- The one-time code --------------------------------------------------------------------------


def test_the_code_goes_to_the_registered_phone_and_is_hashed_at_rest(client, pv, citizen, volunteer):
    citizen.notify_sms = False  # a code the citizen asked for is sent all the same
    citizen.save()
    _start(client, volunteer, pv, citizen)
    draft = Dossier.objects.get()
    r = client.post(_step(draft, "consent"), {"action": "sms"})
    assert r.status_code == 302
    sms = Notification.objects.get(channel="sms", event="dossier.on_behalf_code")
    assert sms.address == citizen.phone and sms.user == citizen
    code = _sent_code(citizen)
    row = OnBehalfConsent.objects.get()
    assert row.method == "sms" and row.official == volunteer
    assert code not in row.code_hash and len(row.code_hash) > 40
    assert dt.timedelta(minutes=9, seconds=59) < row.expires_at - row.created_at <= dt.timedelta(minutes=10)
    page = client.get(_step(draft, "consent")).content.decode()
    assert 'autocomplete="one-time-code"' in page and code not in page


def test_a_wrong_code_is_refused_and_five_wrong_codes_end_it(client, pv, citizen, volunteer):
    _start(client, volunteer, pv, citizen)
    draft = Dossier.objects.get()
    services.on_behalf_code_send(dossier=draft, by=volunteer, method="sms")
    code = _sent_code(citizen)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    r = client.post(_step(draft, "consent"), {"action": "verify", "code": wrong})
    assert r.status_code == 400 and "Mã chưa đúng" in r.content.decode()
    for left in (3, 2, 1):
        with pytest.raises(services.DossierActionError, match=f"còn {left} lần thử"):
            services.on_behalf_code_verify(dossier=draft, by=volunteer, code=wrong)
    with pytest.raises(services.DossierActionError, match="quá nhiều lần"):
        services.on_behalf_code_verify(dossier=draft, by=volunteer, code=wrong)
    # Even the right code no longer works: a new code is needed.
    with pytest.raises(services.DossierActionError, match="quá nhiều lần"):
        services.on_behalf_code_verify(dossier=draft, by=volunteer, code=code)
    draft.refresh_from_db()
    assert not draft.consent_recorded
    assert (
        AuditEvent.objects.filter(actor=volunteer, subject=citizen, detail__contains="wrong consent code").count() == 5
    )


def test_an_expired_code_is_refused(client, pv, citizen, volunteer):
    _start(client, volunteer, pv, citizen)
    draft = Dossier.objects.get()
    services.on_behalf_code_send(dossier=draft, by=volunteer, method="email")
    mail_row = Notification.objects.get(channel="email", event="dossier.on_behalf_code")
    code = re.search(r"\b(\d{6})\b", mail_row.body).group(1)
    from django.utils import timezone

    OnBehalfConsent.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(services.DossierActionError, match="hết hạn"):
        services.on_behalf_code_verify(dossier=draft, by=volunteer, code=code)
    draft.refresh_from_db()
    assert not draft.consent_recorded


def test_sending_codes_is_rate_limited(client, pv, citizen, volunteer, settings):
    from django.utils import timezone

    _start(client, volunteer, pv, citizen)
    draft = Dossier.objects.get()
    services.on_behalf_code_send(dossier=draft, by=volunteer, method="sms")
    with pytest.raises(services.DossierActionError, match="Vui lòng chờ"):
        services.on_behalf_code_send(dossier=draft, by=volunteer, method="sms")
    for _ in range(settings.ON_BEHALF_CODES_PER_HOUR - 1):
        OnBehalfConsent.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))
        services.on_behalf_code_send(dossier=draft, by=volunteer, method="sms")
    OnBehalfConsent.objects.update(created_at=timezone.now() - dt.timedelta(minutes=5))
    with pytest.raises(services.DossierActionError, match="quá nhiều mã"):
        services.on_behalf_code_send(dossier=draft, by=volunteer, method="sms")
    # Deleting the draft and starting over does not reset the citizen's limit.
    services.dossier_draft_delete(dossier=draft, by=volunteer)
    _start(client, volunteer, pv, citizen)
    with pytest.raises(services.DossierActionError, match="quá nhiều mã"):
        services.on_behalf_code_send(dossier=Dossier.objects.get(), by=volunteer, method="sms")
    # Only the newest code works.
    assert OnBehalfConsent.objects.filter(expires_at__gt=timezone.now()).count() <= 1


def test_only_the_filer_can_send_or_check_codes(client, pv, citizen, volunteer, agency):
    _start(client, volunteer, pv, citizen)
    draft = Dossier.objects.get()
    colleague = official(agency, INTAKE)
    with pytest.raises(services.DossierActionError, match="Chỉ cán bộ đang nộp hồ sơ thay"):
        services.on_behalf_code_send(dossier=draft, by=colleague, method="sms")
    with pytest.raises(services.DossierActionError, match="Chỉ cán bộ đang nộp hồ sơ thay"):
        services.on_behalf_code_verify(dossier=draft, by=colleague, code="123456")


# --- After consent: the data shows, every look is audited ---------------------------------------


def test_after_the_right_code_the_data_shows_and_every_look_is_audited(client, pv, citizen, volunteer, store_document):
    draft = _consented(client, volunteer, pv, citizen)
    assert AuditEvent.objects.filter(actor=volunteer, subject=citizen, detail__contains="consent confirmed").exists()
    assert draft.events.filter(action="consent").exists()  # and the citizen's timeline says so

    applicant = client.get(_step(draft, "applicant")).content.decode()
    assert citizen.full_name in applicant and citizen.phone in applicant
    documents = client.get(_step(draft, "documents")).content.decode()
    assert store_document.title in documents
    views = AuditEvent.objects.filter(actor=volunteer, subject=citizen, action=AuditEvent.Action.VIEW)
    assert {v.detail for v in views} >= {
        f"on behalf, dossier #{draft.pk}: applicant step (GET)",
        f"on behalf, dossier #{draft.pk}: documents step (GET)",
    }

    r = client.post(_step(draft, "documents"), {"store_to-khai": str(store_document.pk), "action": "upload"})
    assert r.status_code == 302
    attached = draft.files.get(personal_document=store_document)
    assert AuditEvent.objects.filter(
        actor=volunteer, subject=citizen, action=AuditEvent.Action.CHANGE, object_id=str(store_document.pk)
    ).exists()
    r = client.get(reverse("dossiers:file_download", args=[draft.pk, attached.pk]))
    assert r.status_code == 200
    assert AuditEvent.objects.filter(
        actor=volunteer, subject=citizen, action=AuditEvent.Action.DOWNLOAD, object_id=str(attached.pk)
    ).exists()


def test_discarding_the_draft_keeps_the_audit_trail(client, pv, citizen, volunteer, store_document):
    draft = _consented(client, volunteer, pv, citizen)
    client.get(_step(draft, "applicant"))
    services.dossier_file_add(dossier=draft, by=volunteer, doc_key="to-khai", personal_document=store_document)
    before = AuditEvent.objects.filter(subject=citizen).count()
    assert before >= 4
    r = client.post(reverse("dossiers:draft_delete", args=[draft.pk]))
    assert r.status_code == 302 and not Dossier.objects.exists()
    trail = AuditEvent.objects.filter(actor=volunteer, subject=citizen)
    assert trail.count() == before + 1
    assert trail.filter(detail=f"on behalf, dossier #{draft.pk}: draft deleted").exists()
    assert OnBehalfConsent.objects.filter(citizen=citizen, dossier__isnull=True).exists()


def test_the_filer_no_longer_allowed_sees_nothing(client, pv, citizen, volunteer):
    draft = _consented(client, volunteer, pv, citizen)
    volunteer.groups.clear()
    r = client.get(_step(draft, "applicant"))
    assert r.status_code == 302 and citizen.full_name not in client.get(r.url).content.decode()


# --- The signed form at the counter -------------------------------------------------------------


def test_a_signed_consent_form_at_the_counter_proves_consent(client, pv, citizen, volunteer):
    _start(client, volunteer, pv, citizen, channel="counter")
    draft = Dossier.objects.get()
    fake = SimpleUploadedFile("dong-y.pdf", b"<html><script>alert(1)</script></html>", content_type="application/pdf")
    r = client.post(_step(draft, "consent"), {"action": "upload", "signed_form": fake})
    assert r.status_code == 400 and "PDF" in r.content.decode()
    draft.refresh_from_db()
    assert not draft.consent_recorded
    r = client.post(_step(draft, "consent"), {"action": "upload", "signed_form": pdf_upload("dong-y.pdf")})
    assert r.status_code == 302 and r.url == _step(draft, "applicant")
    draft.refresh_from_db()
    assert draft.consent_recorded and draft.applicant["full_name"] == citizen.full_name
    form = draft.files.get(kind=DossierFile.Kind.CONSENT)
    with pytest.raises(services.DossierActionError, match="giữ cùng hồ sơ"):
        services.dossier_file_remove(dossier=draft, by=volunteer, file_id=form.pk)
    told = Notification.objects.filter(user=citizen, event="dossier.on_behalf_consent")
    assert told.exists() and "giấy đồng ý" in told.first().body
    assert OnBehalfConsent.objects.get().method == "signed_form"


def test_a_signed_form_does_not_stand_in_for_a_code_by_post(client, pv, citizen, volunteer):
    _start(client, volunteer, pv, citizen, channel="post")
    draft = Dossier.objects.get()
    with pytest.raises(services.DossierActionError, match="chỉ dùng được khi người nộp có mặt"):
        services.on_behalf_consent_form_attach(dossier=draft, by=volunteer, upload=pdf_upload("dong-y.pdf"))


# --- Around it ----------------------------------------------------------------------------------


def test_officials_do_not_open_personal_documents_of_a_draft(client, pv, citizen, intake, store_document):
    """A citizen's own draft is not yet a dossier the agency handles: its intake officials do not
    open the store documents attached to it."""
    draft = services.dossier_draft_create(citizen=citizen, procedure_version=pv)
    services.dossier_file_add(dossier=draft, by=citizen, doc_key="to-khai", personal_document=store_document)
    staff_login(client, intake)
    assert client.get(reverse("identity:document-file", args=[store_document.pk])).status_code in (403, 404)
    assert PersonalDocument.objects.filter(pk=store_document.pk).exists()


def test_the_level_rule_is_checked_after_the_area_rule(agency, other_agency):
    level_one = CitizenFactory(identity_level=1, personal_id="086190000555")
    strict = version(code="1.000002", agencies=[agency], min_eid_level=2)
    with pytest.raises(services.DossierActionError, match="định danh mức 2"):
        services.dossier_on_behalf_start(
            official=official(agency, INTAKE),
            personal_id=level_one.personal_id,
            procedure_version=strict,
            channel="counter",
        )
    stranger = official(other_agency, INTAKE)
    with pytest.raises(services.DossierActionError, match="không phục vụ địa bàn"):
        services.dossier_on_behalf_start(
            official=stranger, personal_id=level_one.personal_id, procedure_version=strict, channel="counter"
        )


def test_the_api_reads_of_the_filer_are_checked_and_audited(client, pv, citizen, volunteer):
    draft = _consented(client, volunteer, pv, citizen)
    services.dossier_draft_update(dossier=draft, by=volunteer, form_data={"reason": "Kết hôn"})
    services.dossier_file_add(dossier=draft, by=volunteer, doc_key="to-khai", upload=pdf_upload(), kind="scan")
    dossier = services.dossier_submit(dossier=draft, by=volunteer)
    url = f"/api/v1/dossiers/{dossier.code}/"
    assert client.get(url).status_code == 200
    assert AuditEvent.objects.filter(actor=volunteer, subject=citizen, detail__endswith=": API").exists()
    assert client.get("/api/v1/dossiers/").json()["results"] == []  # not in a list, unaudited
    volunteer.groups.clear()
    assert client.get(url).status_code == 404
