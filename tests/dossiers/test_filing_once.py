"""Issue 18, filing: one applicant entered once, identity documents, the e-form as the
declaration, addresses and agencies, fees as the catalog says. Each test fails on the code
before it (see docs/filing.md)."""

import pytest
from django.urls import reverse

from dossiers import services
from dossiers.forms import ApplicantForm, OnBehalfForm
from dossiers.models import Dossier, Status
from payments.models import Fee
from tests.catalog.factories import AgencyFactory
from tests.portal.factories import ProvinceFactory, WardFactory

from .factories import CitizenFactory, version

pytestmark = pytest.mark.django_db

ID_DOC = {
    "key": "giay-to-tuy-than",
    "name": "Giấy tờ tùy thân",
    "description": "",
    "form": "original",
    "copies": 1,
    "mandatory": True,
    "template_url": "",
    "reusable_kinds": ["eid:identity"],
}
TO_KHAI = {**ID_DOC, "key": "to-khai", "name": "Tờ khai (theo mẫu)", "reusable_kinds": ["eform:declaration"]}
SCHEMA = [
    {"name": "reason", "type": "text", "label": {"vi": "Lý do", "en": "Reason"}, "required": True},
    {"name": "applicant_full_name", "type": "text", "label": {"vi": "Họ tên", "en": "Name"},
     "prefill": "identity.full_name", "required": True},
    {"name": "applicant_id", "type": "cccd", "label": {"vi": "Số định danh", "en": "ID"},
     "prefill": "identity.personal_id", "required": True},
    {"name": "applicant_birth_date", "type": "date", "label": {"vi": "Ngày sinh", "en": "Birth"},
     "prefill": "identity.date_of_birth"},
    {"name": "copies", "type": "number", "label": {"vi": "Số bản sao", "en": "Copies"},
     "validation": {"min": 1, "max": 10}},
]  # fmt: skip
FEE_PER_COPY = [{"name": "Phí cấp bản sao", "kind": "charge", "amount": "8000", "note": "8.000 đồng/bản sao",
                 "per_unit_field": "copies"}]  # fmt: skip


def _pv(agencies, **kwargs):
    return version(agencies=agencies, documents=[TO_KHAI, ID_DOC], schema=SCHEMA, **kwargs)


def _level1(**fields):
    return CitizenFactory(identity_level=1, verified_via="", personal_id_source="typed", **fields)


# --- Personal ID numbers --------------------------------------------------------------------------


@pytest.mark.parametrize("form_class", [ApplicantForm, OnBehalfForm])
def test_a_typed_number_is_checked_by_its_structure(form_class):
    for bad in ("000000000000", "999190012345", "07919001234"):
        form = form_class(data={"personal_id": bad})
        assert not form.is_valid() and "personal_id" in form.errors, bad
    form = form_class(data={"personal_id": "０７９１９００１２３４５"})  # full-width digits
    form.is_valid()
    assert "personal_id" not in form.errors
    assert form.cleaned_data["personal_id"] == "079190012345"


def test_a_dossier_with_an_impossible_number_is_not_submitted(agency):
    citizen = _level1(personal_id=None)
    draft = services.dossier_draft_create(citizen=citizen, procedure_version=_pv([agency]))
    Dossier.objects.filter(pk=draft.pk).update(applicant={**draft.applicant, "personal_id": "000000000000"})
    draft.refresh_from_db()
    errors = services.dossier_validation_errors(draft)
    assert any("000000000000" in m for m in errors["applicant"])


# --- Identity documents ---------------------------------------------------------------------------


def test_the_id_copy_is_waived_only_for_a_verified_identity(agency):
    pv = _pv([agency])
    verified = CitizenFactory()
    self_registered = _level1()
    for citizen, waived in ((verified, True), (self_registered, False)):
        draft = services.dossier_draft_create(citizen=citizen, procedure_version=pv)
        errors = services.dossier_validation_errors(draft)
        assert ("documents:giay-to-tuy-than" not in errors) is waived, citizen
    with pytest.raises(services.DossierIncomplete, match="Giấy tờ tùy thân"):
        services.dossier_file_and_submit(
            citizen=self_registered, procedure_version=pv, form_data={"reason": "x", "copies": 1}
        )


def test_the_eform_is_the_declaration_and_its_pdf_is_made_from_it(client, agency, real_pdf):
    citizen = CitizenFactory()
    pv = _pv([agency])
    dossier = services.dossier_file_and_submit(
        citizen=citizen, procedure_version=pv, form_data={"reason": "Kết hôn", "copies": 1}
    )
    assert dossier.status == Status.SUBMITTED and not dossier.files.exists()  # no "Tờ khai" upload
    assert dossier.form_data["applicant_full_name"] == citizen.full_name  # filled from the applicant
    from identity.roles import INTAKE
    from tests.support.mfa import staff_login

    from .factories import official

    staff_login(client, official(agency, INTAKE))
    page = client.get(reverse("admin:dossiers_dossier_change", args=[dossier.pk])).content.decode()
    assert "Mức 2" in page and "VNeID" in page  # the identity level and how it was verified
    response = client.get(reverse("dossiers:declaration_pdf", args=[dossier.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    import io

    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Kết hôn" in text and citizen.full_name in text


def test_the_official_sees_an_unverified_identity(client, agency):
    citizen = _level1()
    pv = version(agencies=[agency], documents=[], schema=[SCHEMA[0]])
    dossier = services.dossier_file_and_submit(citizen=citizen, procedure_version=pv, form_data={"reason": "x"})
    from identity.roles import INTAKE
    from tests.support.mfa import staff_login

    from .factories import official

    staff_login(client, official(agency, INTAKE))
    page = client.get(reverse("admin:dossiers_dossier_change", args=[dossier.pk])).content.decode()
    assert "Mức 1" in page and "số do công dân tự nhập (chưa xác thực)" in page


# --- One applicant, entered once -----------------------------------------------------------------


def test_a_verified_identity_cannot_be_changed_in_the_eform_page(client, agency):
    citizen = CitizenFactory()
    pv = _pv([agency])
    client.force_login(citizen)
    client.post(reverse("dossiers:file", args=[pv.code]))
    draft = Dossier.objects.get(citizen=citizen)
    url = reverse("dossiers:step", args=[draft.pk, "form"])
    page = client.get(url).content.decode()
    assert 'name="applicant_full_name"' not in page and citizen.full_name in page  # a fact, not an input
    response = client.post(
        url, {"reason": "x", "copies": "1", "applicant_full_name": "Nguyễn Văn Giả", "action": "next"}
    )
    assert response.status_code == 400
    assert "không thể thay đổi" in response.content.decode()
    draft.refresh_from_db()
    assert draft.form_data.get("applicant_full_name") != "Nguyễn Văn Giả"


@pytest.mark.parametrize(
    "payload",
    [
        {"applicant": {"full_name": "Nguyễn Văn Giả"}},
        {"applicant": {"personal_id": "079190012345"}},
        {"applicant": {"sex": "M"}},
        {"form_data": {"reason": "x", "applicant_full_name": "Nguyễn Văn Giả"}},
        {"form_data": {"reason": "x", "applicant_id": "079190012345"}},
    ],
)
def test_the_api_refuses_to_change_a_verified_identity(client, agency, payload):
    citizen = CitizenFactory()
    pv = _pv([agency])
    client.force_login(citizen)
    body = {"procedure": pv.code, "form_data": {"reason": "x"}, **payload}
    response = client.post("/api/v1/dossiers/", body, content_type="application/json")
    assert response.status_code == 400, response.content
    assert "không thể thay đổi" in response.content.decode()
    assert not Dossier.objects.exists()


def test_what_the_citizen_confirms_is_saved_to_the_profile_with_consent(client, agency):
    citizen = _level1(full_name="", phone="", address_line="12 Đường Số 1", personal_id=None, date_of_birth=None)
    pv = _pv([agency])
    client.force_login(citizen)
    client.post(reverse("dossiers:file", args=[pv.code]))
    draft = Dossier.objects.get(citizen=citizen)
    url = reverse("dossiers:step", args=[draft.pk, "applicant"])
    page = client.get(url).content.decode()
    assert "Lưu các thông tin này vào hồ sơ cá nhân" in page
    data = {
        "full_name": "Trần Thị Bình",
        "personal_id": "086190001234",
        "date_of_birth": "1990-02-03",
        "sex": "F",
        "phone": "0912345678",
        "address": "12 Đường Số 1",
        "action": "next",
    }
    assert client.post(url, data).status_code == 302
    citizen.refresh_from_db()
    assert citizen.full_name == ""  # no consent: the profile is untouched
    assert client.post(url, {**data, "save_to_profile": "on"}).status_code == 302
    citizen.refresh_from_db()
    assert (citizen.full_name, citizen.personal_id, citizen.phone) == ("Trần Thị Bình", "086190001234", "0912345678")
    assert citizen.personal_id_source == "typed" and citizen.identity_level == 1


def test_the_applicant_is_prefilled_from_the_last_dossier(agency):
    citizen = _level1(phone="")
    pv = version(agencies=[agency], documents=[], schema=[SCHEMA[0]])
    first = services.dossier_draft_create(citizen=citizen, procedure_version=pv)
    services.dossier_draft_update(
        dossier=first, by=citizen, applicant={"phone": "0987654321"}, form_data={"reason": "x"}
    )
    services.dossier_submit(dossier=first, by=citizen)
    second = services.dossier_draft_create(citizen=citizen, procedure_version=pv)
    assert second.applicant["phone"] == "0987654321"


def test_an_account_without_email_has_an_empty_contact_email_that_is_asked(client, agency):
    import re

    citizen = CitizenFactory(email=None)  # an e-ID login that gave no email
    pv = _pv([agency])
    client.force_login(citizen)
    client.post(reverse("dossiers:file", args=[pv.code]))
    draft = Dossier.objects.get(citizen=citizen)
    assert draft.applicant["email"] == ""
    page = client.get(reverse("dossiers:step", args=[draft.pk, "applicant"])).content.decode()
    field = re.search(r'<input[^>]*name="email"[^>]*>', page).group(0)
    assert 'type="email"' in field and "value=" not in field  # asked, empty, not faked
    assert "None" not in page


# --- Agencies ------------------------------------------------------------------------------------


def test_the_receiving_agency_is_the_one_serving_the_citizens_ward():
    province = ProvinceFactory()
    home, other = (
        WardFactory(code=100, name="Xã Nhà", province=province),
        WardFactory(code=101, name="Xã Khác", province=province),
    )
    first = AgencyFactory(code="000.00.01.H62", name="UBND Xã Khác", ward=other)
    mine = AgencyFactory(code="000.00.02.H62", name="UBND Xã Nhà", ward=home)
    pv = version(agencies=[first, mine], documents=[], schema=[SCHEMA[0]])
    citizen = CitizenFactory(province=province, ward=home)
    assert services.dossier_draft_create(citizen=citizen, procedure_version=pv).agency_id == mine.pk
    elsewhere = CitizenFactory(province=province, ward=None)
    assert services.dossier_draft_create(citizen=elsewhere, procedure_version=pv).agency_id == first.pk


# --- Fees ----------------------------------------------------------------------------------------


def test_a_two_copy_fee_is_charged_twice_the_unit_amount_through_to_the_payment(client, agency, settings):
    from payments.services import _create_payment

    citizen = CitizenFactory()
    pv = _pv([agency], fees=FEE_PER_COPY, fee_timing="before_intake")
    client.force_login(citizen)
    client.post(reverse("dossiers:file", args=[pv.code]))
    draft = Dossier.objects.get(citizen=citizen)
    services.dossier_draft_update(dossier=draft, by=citizen, form_data={"reason": "x", "copies": 2})
    review = client.get(reverse("dossiers:step", args=[draft.pk, "review"])).content.decode()
    assert "2 × 8.000 đ" in review and "16.000 đ" in review  # the amount to pay, before submission
    dossier = services.dossier_submit(dossier=draft, by=citizen)
    assert [f.amount for f in Fee.objects.filter(dossier=dossier)] == [16000]
    from django.db import transaction

    with transaction.atomic():
        payment = _create_payment(dossier=dossier, provider_id="vnpay", payer=citizen, client_ip="127.0.0.1")
    assert payment.amount == 16000


def test_a_free_procedure_says_mien_phi(client, agency):
    citizen = CitizenFactory()
    pv = _pv([agency], fees=[{"name": "Lệ phí", "kind": "fee", "amount": "0", "note": ""}])
    client.force_login(citizen)
    client.post(reverse("dossiers:file", args=[pv.code]))
    draft = Dossier.objects.get(citizen=citizen)
    review = client.get(reverse("dossiers:step", args=[draft.pk, "review"])).content.decode()
    assert "Miễn phí" in review and "0 đ" not in review and "thanh toán trực tuyến" not in review


CERTIFY_SCHEMA = [
    {"name": "pages", "type": "number", "label": {"vi": "Số trang", "en": "Pages"}, "validation": {"min": 1}},
    {"name": "copies", "type": "number", "label": {"vi": "Số bản", "en": "Copies"}, "validation": {"min": 1}},
]
FEE_TIERED = [{"name": "Phí chứng thực bản sao", "kind": "charge", "amount": "2000", "note": "",
               "per_unit_field": "copies", "tier_field": "pages", "tier_unit": "trang", "tier_first_units": 2,
               "tier_further_amount": "1000", "cap": "200000"}]  # fmt: skip


def test_a_tiered_fee_shows_its_breakdown_before_submission_and_on_the_fee_rows(client, agency, rf):
    citizen = CitizenFactory()
    pv = version(agencies=[agency], documents=[], schema=CERTIFY_SCHEMA, fees=FEE_TIERED, fee_timing="before_intake")
    client.force_login(citizen)
    client.post(reverse("dossiers:file", args=[pv.code]))
    draft = Dossier.objects.get(citizen=citizen)
    services.dossier_draft_update(dossier=draft, by=citizen, form_data={"pages": 5, "copies": 1})
    review = client.get(reverse("dossiers:step", args=[draft.pk, "review"])).content.decode()
    line = '<span class="fee-breakdown">{}</span> = <strong>{}</strong>'
    assert line.format("2 trang × 2.000 đ + 3 trang × 1.000 đ", "7.000 đ") in review
    services.dossier_draft_update(dossier=draft, by=citizen, form_data={"pages": 5, "copies": 2})
    review = client.get(reverse("dossiers:step", args=[draft.pk, "review"])).content.decode()
    assert line.format("2 × (2 trang × 2.000 đ + 3 trang × 1.000 đ)", "14.000 đ") in review
    assert '<strong data-testid="fee-total">14.000 đ</strong>' in review
    dossier = services.dossier_submit(dossier=draft, by=citizen)
    (fee,) = Fee.objects.filter(dossier=dossier)
    assert fee.amount == 14000 and fee.note == "2 × (2 trang × 2.000 đ + 3 trang × 1.000 đ)"
    page = client.get(reverse("dossiers:detail", args=[dossier.pk])).content.decode()
    assert "2 × (2 trang × 2.000 đ + 3 trang × 1.000 đ)" in page  # the citizen's fee panel
    from types import SimpleNamespace

    from django.template.loader import render_to_string

    from payments.models import Payment

    context = {
        "fees": [fee],
        "dossier": dossier,
        "payment": Payment(dossier=dossier, amount=14000, provider="vnpay", reference="P1", payer_name="x"),
        "receipt": SimpleNamespace(number="1", sequence=1, serial="", template_symbol=""),
        "agency": dossier.agency,
    }
    receipt = render_to_string("payments/receipt_pdf.html", context, request=rf.get("/"))
    assert "2 × (2 trang × 2.000 đ + 3 trang × 1.000 đ)" in receipt and "14.000" in receipt  # the e-receipt's lines


# --- Residence, asked once (structured) ------------------------------------------------------------

ADDRESS_SCHEMA = [
    *SCHEMA[:2],
    {"name": "applicant_residence", "type": "address", "label": {"vi": "Nơi cư trú", "en": "Residence"},
     "prefill": "identity.address", "required": True},
]  # fmt: skip


def test_a_new_account_without_address_gives_its_residence_once_structured(client, agency):
    province = ProvinceFactory(code=86, name="Vĩnh Long")
    ward = WardFactory(code=29800, name="Phường Trà Vinh", province=province)
    citizen = CitizenFactory(email=None, phone="", address_line="", province=None, ward=None)
    pv = version(agencies=[agency], documents=[], schema=ADDRESS_SCHEMA)
    client.force_login(citizen)
    client.post(reverse("dossiers:file", args=[pv.code]))
    draft = Dossier.objects.get(citizen=citizen)
    url = reverse("dossiers:step", args=[draft.pk, "applicant"])
    page = client.get(url).content.decode()
    assert 'name="residence_province"' in page and 'name="residence_ward"' in page
    assert 'name="address"' not in page  # not asked twice on the page either
    data = {
        "phone": "0912345678",
        "residence_province": "86",
        "residence_ward": "29800",
        "residence_line": "Số 12 đường Nguyễn Huệ",
        "save_to_profile": "on",
        "action": "next",
    }
    assert client.post(url, data).status_code == 302
    citizen.refresh_from_db()
    assert (citizen.province_id, citizen.ward_id, citizen.address_line) == (86, ward.pk, "Số 12 đường Nguyễn Huệ")
    draft.refresh_from_db()
    assert draft.applicant["address"] == "Số 12 đường Nguyễn Huệ, Phường Trà Vinh, Vĩnh Long"
    residence = {"province": 86, "ward": 29800, "line": "Số 12 đường Nguyễn Huệ"}
    assert draft.form_data["applicant_residence"] == residence
    form = client.get(reverse("dossiers:step", args=[draft.pk, "form"])).content.decode()
    assert "Số 12 đường Nguyễn Huệ, Phường Trà Vinh, Vĩnh Long" in form  # a fact, not an input
    assert 'name="applicant_residence_province"' not in form


def test_the_residence_fills_the_eform_without_consent_and_a_wrong_ward_is_refused(client, agency):
    province = ProvinceFactory(code=86, name="Vĩnh Long")
    WardFactory(code=29800, name="Phường Trà Vinh", province=province)
    elsewhere = WardFactory(code=100, name="Xã Khác", province=ProvinceFactory(code=1, name="Hà Nội"))
    citizen = CitizenFactory(address_line="", province=None, ward=None)
    pv = version(agencies=[agency], documents=[], schema=ADDRESS_SCHEMA)
    client.force_login(citizen)
    client.post(reverse("dossiers:file", args=[pv.code]))
    draft = Dossier.objects.get(citizen=citizen)
    url = reverse("dossiers:step", args=[draft.pk, "applicant"])
    bad = {"phone": "0912345678", "residence_province": "86", "residence_ward": str(elsewhere.pk), "action": "next"}
    assert client.post(url, bad).status_code == 400
    good = {**bad, "residence_ward": "29800", "residence_line": "Ấp 3"}
    assert client.post(url, good).status_code == 302
    citizen.refresh_from_db()
    assert citizen.ward_id is None  # no consent: the profile is untouched
    draft.refresh_from_db()
    assert draft.form_data["applicant_residence"] == {"province": 86, "ward": 29800, "line": "Ấp 3"}
    # without JavaScript, "show the communes" saves and stays on the step
    response = client.post(url, {**good, "action": "refresh"})
    assert response.status_code == 302 and response["Location"].endswith(url)
