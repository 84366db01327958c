import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dossiers import services
from dossiers.models import Dossier, DossierFile, IssuedDocument, Status
from identity.models import PersonalDocument
from portal.models import Notification
from tests.support.mfa import staff_login

from .conftest import pdf_upload
from .factories import PDF_BYTES, CitizenFactory, official, version

pytestmark = pytest.mark.django_db


def test_filing_journey(client, citizen, pv):
    client.force_login(citizen)
    response = client.post(reverse("dossiers:file", args=[pv.code]))
    draft = Dossier.objects.get(citizen=citizen)
    assert response.url == reverse("dossiers:step", args=[draft.pk, "applicant"])
    page = client.get(response.url)
    assert 'class="stepper"' in page.content.decode()
    assert "Nguyễn Thị Hằng" in page.content.decode()  # prefilled from the profile

    # Applicant step (level 2: name, number and birth date are locked).
    r = client.post(response.url, {"sex": "F", "phone": "0912345678", "address": "Vĩnh Long", "action": "next"})
    assert r.status_code == 302, r.content.decode()[:2000]
    # E-form step: the applicant's name is a fact from the applicant step, not an input; a
    # validation error keeps what was typed.
    form_url = reverse("dossiers:step", args=[draft.pk, "form"])
    page = client.get(form_url).content.decode()
    assert 'name="full_name"' not in page and "Nguyễn Thị Hằng" in page
    r = client.post(form_url, {"reason": "  ", "action": "next"})
    assert r.status_code == 400
    assert 'class="error-summary"' in r.content.decode()
    draft.refresh_from_db()
    assert draft.form_data["full_name"] == "Nguyễn Thị Hằng"
    r = client.post(form_url, {"reason": "Kết hôn", "action": "next"})
    assert r.status_code == 302
    # Documents: a fake file is refused with the reason, a PDF is accepted.
    docs_url = reverse("dossiers:step", args=[draft.pk, "documents"])
    fake = SimpleUploadedFile("a.pdf", b"GIF89a....")
    r = client.post(docs_url, {"file_to-khai": fake, "action": "next"})
    assert r.status_code == 400 and "PDF" in r.content.decode()
    r = client.post(docs_url, {"file_to-khai": pdf_upload(), "action": "next"})
    assert r.status_code == 302
    # Review and submit.
    review_url = reverse("dossiers:step", args=[draft.pk, "review"])
    assert client.get(review_url).status_code == 200
    r = client.post(review_url, {"action": "submit"})
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED and r.url == reverse("dossiers:detail", args=[draft.pk])
    detail = client.get(r.url).content.decode()
    assert draft.code in detail and 'class="timeline"' in detail


def test_save_draft_and_resume(client, citizen, pv):
    client.force_login(citizen)
    client.post(reverse("dossiers:file", args=[pv.code]))
    draft = Dossier.objects.get(citizen=citizen)
    client.post(reverse("dossiers:step", args=[draft.pk, "form"]), {"reason": "Đang viết dở", "action": "save"})
    r = client.post(reverse("dossiers:file", args=[pv.code]))
    assert Dossier.objects.filter(citizen=citizen).count() == 1
    page = client.get(reverse("dossiers:step", args=[draft.pk, "form"])).content.decode()
    assert "Đang viết dở" in page
    assert r.url.endswith("/buoc/applicant/")


def test_level_two_required(client, agency):
    pv2 = version(code="1.000002", agencies=[agency], min_eid_level=2)
    user = CitizenFactory(identity_level=1)
    client.force_login(user)
    for send in (client.get, client.post):
        r = send(reverse("dossiers:file", args=[pv2.code]))
        assert r.status_code == 403
        assert "mức 2" in r.content.decode()
    assert not Dossier.objects.filter(citizen=user).exists()


def test_login_required(client, pv):
    r = client.get(reverse("dossiers:file", args=[pv.code]))
    assert r.status_code == 302 and "login" in r.url


def test_pick_from_personal_document_store(client, citizen, pv, settings):
    from django.core.files.base import ContentFile

    doc = PersonalDocument(
        owner=citizen, doc_type="birth_certificate", title="Giấy khai sinh", content_type="application/pdf"
    )
    doc.file.save("ks.pdf", ContentFile(PDF_BYTES), save=True)
    client.force_login(citizen)
    client.post(reverse("dossiers:file", args=[pv.code]))
    draft = Dossier.objects.get(citizen=citizen)
    r = client.post(reverse("dossiers:step", args=[draft.pk, "documents"]), {"store_to-khai": doc.pk, "action": "next"})
    assert r.status_code == 302
    row = DossierFile.objects.get(dossier=draft)
    assert row.personal_document == doc
    # Someone else's document cannot be attached.
    other_doc = PersonalDocument.objects.create(owner=CitizenFactory(), doc_type="x", title="Khác")
    r = client.post(reverse("dossiers:step", args=[draft.pk, "documents"]), {"store_to-khai": other_doc.pk})
    assert r.status_code == 400
    assert DossierFile.objects.filter(dossier=draft).count() == 1


def test_citizen_never_reaches_another_citizens_dossier(
    client, submitted, other_citizen, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        intake = official(submitted.agency, "intake")
        services.dossier_receive(dossier=submitted, by=intake)
    issued = IssuedDocument.objects.get(dossier=submitted)
    own_file = submitted.files.first()
    client.force_login(other_citizen)
    urls = [
        reverse("dossiers:detail", args=[submitted.pk]),
        reverse("dossiers:step", args=[submitted.pk, "applicant"]),
        reverse("dossiers:file_download", args=[submitted.pk, own_file.pk]),
        reverse("dossiers:issued_download", args=[submitted.pk, issued.pk]),
        f"/api/v1/dossiers/{submitted.code}/",
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    for name in ("withdraw", "supplement", "rate"):
        assert client.post(reverse(f"dossiers:{name}", args=[submitted.pk])).status_code == 404
    assert submitted.code not in client.get(reverse("dossiers:mine")).content.decode()
    assert client.get("/api/v1/dossiers/").json()["count"] == 0
    # A file id of another dossier under one's own dossier id does not work either.
    mine = services.dossier_draft_create(citizen=other_citizen, procedure_version=submitted.procedure_version)
    assert client.get(reverse("dossiers:file_download", args=[mine.pk, own_file.pk])).status_code == 404
    # The owner can.
    client.force_login(submitted.citizen)
    r = client.get(reverse("dossiers:issued_download", args=[submitted.pk, issued.pk]))
    assert r.status_code == 200 and b"".join(r.streaming_content).startswith(b"%PDF")
    assert client.get(reverse("dossiers:file_download", args=[submitted.pk, own_file.pk])).status_code == 200


def test_official_of_agency_may_download_files_others_not(client, submitted, other_intake):
    f = submitted.files.first()
    staff_login(client, other_intake)
    assert client.get(reverse("dossiers:file_download", args=[submitted.pk, f.pk])).status_code == 404
    staff_login(client, official(submitted.agency, "processing"))
    assert client.get(reverse("dossiers:file_download", args=[submitted.pk, f.pk])).status_code == 200


def test_supplement_and_resubmit_pages(client, received, citizen):
    processor = official(received.agency, "processing")
    services.dossier_request_supplement(dossier=received, by=processor, missing="Ảnh 4x6")
    client.force_login(citizen)
    page = client.get(reverse("dossiers:detail", args=[received.pk])).content.decode()
    assert "Ảnh 4x6" in page
    r = client.post(
        reverse("dossiers:supplement", args=[received.pk]), {"files": pdf_upload("anh.pdf"), "action": "resubmit"}
    )
    assert r.status_code == 302
    received.refresh_from_db()
    assert received.status == Status.IN_PROCESSING


def test_withdraw_page(client, submitted, citizen):
    client.force_login(citizen)
    client.post(reverse("dossiers:withdraw", args=[submitted.pk]), {"reason": "Không cần nữa", "confirm": "yes"})
    submitted.refresh_from_db()
    assert submitted.status == Status.WITHDRAWN
    # Withdrawing again gives a message, not an error page.
    r = client.post(reverse("dossiers:withdraw", args=[submitted.pk]), {"confirm": "yes"}, follow=True)
    assert r.status_code == 200


def test_withdraw_needs_a_confirmation(client, submitted, citizen):
    """The dossier page has no withdraw form, only a link to a confirmation page; a POST without
    the confirmation (an old form, a stray click) withdraws nothing and asks."""
    client.force_login(citizen)
    page = client.get(reverse("dossiers:detail", args=[submitted.pk])).content.decode()
    assert 'name="reason"' not in page
    assert f'href="{reverse("dossiers:withdraw", args=[submitted.pk])}"' in page
    confirm = client.get(reverse("dossiers:withdraw", args=[submitted.pk]))
    assert confirm.status_code == 200
    assert "Rút hồ sơ này?" in confirm.content.decode()
    asked = client.post(reverse("dossiers:withdraw", args=[submitted.pk]), {"reason": "Không cần nữa"})
    assert asked.status_code == 200 and 'name="confirm" value="yes"' in asked.content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED


def test_rating_page(client, received, citizen):
    processor = official(received.agency, "processing")
    d = services.dossier_approve(dossier=received, by=processor, paper_result=True)
    services.dossier_return_result(dossier=d, by=official(received.agency, "intake"))
    client.force_login(citizen)
    assert "Đánh giá mức độ hài lòng" in client.get(reverse("dossiers:detail", args=[d.pk])).content.decode()
    client.post(reverse("dossiers:rate", args=[d.pk]), {"score": "5", "comment": "Tốt"})
    d.refresh_from_db()
    assert d.rating.score == 5


def test_public_lookup_page_has_no_personal_data(client, received):
    r = client.get(reverse("dossiers:lookup"), {"code": received.code})
    html = r.content.decode()
    assert r.status_code == 200 and received.code in html and received.procedure_version.name in html
    assert received.citizen.full_name not in html and received.applicant["personal_id"] not in html
    assert "Không tìm thấy hồ sơ" in client.get(reverse("dossiers:lookup"), {"code": "nope"}).content.decode()


def test_on_behalf_filing(client, pv, citizen, agency):
    volunteer = official(agency, "volunteer")
    staff_login(client, volunteer)
    url = reverse("dossiers:file_on_behalf", args=[pv.code])
    r = client.post(url, {"personal_id": citizen.personal_id, "channel": "mobile_team"})
    assert r.status_code == 200 and not Dossier.objects.exists()  # consent missing
    r = client.post(url, {"personal_id": citizen.personal_id, "channel": "mobile_team", "consent": "on"})
    draft = Dossier.objects.get()
    assert draft.citizen == citizen and draft.filed_by == volunteer and draft.channel == "mobile_team"
    assert not draft.consent_recorded  # ticking the box is not proof: the citizen confirms next
    assert r.url == reverse("dossiers:step", args=[draft.pk, "consent"])
    services.on_behalf_code_send(dossier=draft, by=volunteer, method="sms")
    sms = Notification.objects.get(user=citizen, channel="sms", event="dossier.on_behalf_code")
    code = re.search(r"\b(\d{6})\b", sms.body).group(1)
    services.on_behalf_code_verify(dossier=draft, by=volunteer, code=code)
    draft.refresh_from_db()
    assert draft.consent_recorded
    services.dossier_draft_update(dossier=draft, by=volunteer, form_data={"reason": "x"})
    r = client.post(reverse("dossiers:step", args=[draft.pk, "documents"]), {"file_to-khai": pdf_upload("scan.pdf")})
    assert draft.files.get().kind == DossierFile.Kind.SCAN
    d = services.dossier_submit(dossier=draft, by=volunteer)
    assert d.status == Status.SUBMITTED
    # The citizen sees it in their list.
    client.force_login(citizen)
    assert d.code in client.get(reverse("dossiers:mine")).content.decode()


def test_on_behalf_needs_a_role(client, pv, citizen):
    client.force_login(CitizenFactory())
    assert client.get(reverse("dossiers:file_on_behalf", args=[pv.code])).status_code == 404


def test_address_answers_are_kept_as_typed_and_cleaned(client, citizen, agency):
    from portal.models import Province, Ward

    province = Province.objects.create(code=86, name="Vĩnh Long", division_type="tỉnh", codename="vinh_long")
    ward = Ward.objects.create(
        code=29000, name="Phường Long Châu", division_type="phường", codename="lc", province=province
    )
    schema = [
        {"name": "home", "type": "address", "label": {"vi": "Nơi cư trú", "en": "Residence"}, "required": True},
        {"name": "reason", "type": "text", "label": {"vi": "Lý do", "en": "Reason"}, "required": True},
    ]
    pv = version(code="1.000055", agencies=[agency], schema=schema, documents=[])
    client.force_login(citizen)
    client.post(reverse("dossiers:file", args=[pv.code]))
    draft = Dossier.objects.get(citizen=citizen)
    url = reverse("dossiers:step", args=[draft.pk, "form"])
    # Invalid (reason missing): the address parts are kept as typed.
    r = client.post(url, {"home_province": "86", "home_ward": "29000", "home_line": "Số 5 Lê Lợi", "action": "next"})
    assert r.status_code == 400
    draft.refresh_from_db()
    assert draft.form_data["home"]["line"] == "Số 5 Lê Lợi"
    r = client.post(
        url, {"home_province": "86", "home_ward": "29000", "home_line": "Số 5 Lê Lợi", "reason": "x", "action": "next"}
    )
    assert r.status_code == 302
    draft.refresh_from_db()
    assert draft.form_data["home"] == {"province": 86, "ward": 29000, "line": "Số 5 Lê Lợi"}
    review = client.get(reverse("dossiers:step", args=[draft.pk, "review"])).content.decode()
    assert "Số 5 Lê Lợi, Phường Long Châu, Vĩnh Long" in review
    assert ward.pk


def test_official_downloading_a_citizens_file_is_audited(client, submitted):
    from portal.models import AuditEvent

    f = submitted.files.first()
    clerk = official(submitted.agency, "intake")
    staff_login(client, clerk)
    assert client.get(reverse("dossiers:file_download", args=[submitted.pk, f.pk])).status_code == 200
    event = AuditEvent.objects.get(actor=clerk)
    assert event.subject == submitted.citizen and event.action == "download"
    # The owner's own downloads are not audited.
    client.force_login(submitted.citizen)
    client.get(reverse("dossiers:file_download", args=[submitted.pk, f.pk]))
    assert AuditEvent.objects.count() == 1


def test_my_dossiers_page_has_a_constant_query_count(client, citizen, pv, django_assert_max_num_queries):
    def make(n):
        for _ in range(n):
            d = services.dossier_draft_create(citizen=citizen, procedure_version=pv)
            services.dossier_draft_update(dossier=d, by=citizen, form_data={"reason": "x"})
            services.dossier_file_add(dossier=d, by=citizen, doc_key="to-khai", upload=pdf_upload())
            services.dossier_submit(dossier=d, by=citizen)

    make(2)
    client.force_login(citizen)
    client.get(reverse("dossiers:mine"))
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("dossiers:mine"))
    make(10)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("dossiers:mine")).status_code == 200
