"""Issue 18, filing (docs/filing.md): birth registration and a per-copy extract from the demo
catalog, on a phone (390×844) and a desktop (1280×800).

- a level-2 citizen files birth registration typing nothing about themselves;
- a level-1 citizen must upload the ID copy;
- changing the verified identity in the page or through the API is refused;
- a 2-copy fee is charged twice the unit amount, through to the payment;
- a tiered fee (per page, cheaper from the third page, × copies) shows its breakdown on review.

The journeys also measure what the citizen has to type (FILING_MEASURE=1 prints it) and, with
FILING_SHOTS=<folder>, save a screenshot of every step."""

import datetime as dt
import json
import math
import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.world import PDF_BYTES, verified_user

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}
SHOTS = os.environ.get("FILING_SHOTS", "")
# The controls a person can type in or choose (not buttons, hidden inputs or file pickers).
CONTROLS = (
    "main form input:not([type=hidden]):not([type=submit]):not([type=button]):not([type=file]):not([disabled]),"
    " main form select:not([disabled]), main form textarea:not([disabled])"
)


@pytest.fixture
def demo_catalog(transactional_db):
    from catalog.demo_catalog import catalog
    from catalog.transfer import catalog_import
    from identity.roles import roles_sync
    from portal.admin_units import admin_units_load

    roles_sync()
    admin_units_load()
    catalog_import(data=catalog(), publish=True)


def _citizen(level: int):
    """A citizen living in Phường Trà Vinh (served by the third commune agency of the catalog)."""
    from portal.admin_units import ward_get

    ward = ward_get(code=29242)
    fields = {
        "full_name": "Lê Thị Hoa",
        "personal_id": "086192004321",
        "date_of_birth": dt.date(1992, 4, 18),
        "sex": "F",
        "phone": "0912345678",
        "province": ward.province,
        "ward": ward,
        "address_line": "Số 12 đường Nguyễn Huệ",
    }
    if level == 2:
        fields.update(identity_level=2, verified_via="eid", personal_id_source="eid")
    else:
        fields.update(identity_level=1, personal_id_source="typed")
    return verified_user(f"level{level}@example.vn", **fields)


def _page(browser_session, size: str):
    return browser_session.new_page(phone=size == "phone")


class Measure:
    """Per step: the controls the citizen must still fill (empty and required), the controls
    about the citizen themselves, and the phone screens the step takes."""

    SELF = re.compile(r"^(full_name|personal_id|date_of_birth|sex|phone|email|address|residence|applicant_.*)")

    def __init__(self, page, size, name):
        self.page, self.size, self.name, self.rows = page, size, name, []

    def step(self, label: str):
        page = self.page
        controls = page.locator(CONTROLS)
        names = [n for n in controls.evaluate_all("els => els.map(e => e.name)") if n]
        empty_required = controls.evaluate_all(
            "els => els.filter(e => e.required || e.closest('.form-row')?.querySelector('.required-mark'))"
            ".filter(e => e.type === 'checkbox' ? !e.checked : !e.value).map(e => e.name)"
        )
        height = page.evaluate("document.documentElement.scrollHeight")
        self.rows.append(
            {
                "step": label,
                "controls": len(names),
                "to_type": len(empty_required),
                "about_self_inputs": len(
                    {
                        _field_of(n) if n.startswith(("address_", "residence_")) else n
                        for n in names
                        if self.SELF.match(n)
                    }
                ),
                "screens": math.ceil(height / SIZES[self.size]["height"]),
            }
        )
        if SHOTS:
            folder = Path(SHOTS)
            folder.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(folder / f"{self.name}-{label}-{self.size}.png"), full_page=True)

    def report(self):
        if os.environ.get("FILING_MEASURE"):
            print(f"\nMEASURE {self.name} {self.size}: {json.dumps(self.rows, ensure_ascii=False)}")
        return self.rows


def _field_of(name: str) -> str:
    """An address is one field made of three controls (address_province, _ward, _line)."""
    return re.sub(r"_(province|ward|line)$", "", name)


def _start(page, code: str):
    page.goto(f"/ho-so/nop/{code}/")
    page.get_by_role("button", name="Bắt đầu nộp hồ sơ").click()
    expect(page).to_have_url(re.compile(r"/buoc/applicant/$"))


def _next(page, step: str):
    page.locator("button[name=action][value=next]").click()
    expect(page).to_have_url(re.compile(rf"/buoc/{step}/$"))


def _child(page):
    """What only the citizen knows about the child: the e-form's own questions."""
    page.locator("#id_child_full_name").fill("Nguyễn Lê Minh An")
    page.locator("#id_child_sex").select_option("M")
    page.locator("#id_child_birth_date").fill("2026-11-01")
    page.locator("#id_child_birth_place").fill("Bệnh viện Đa khoa tỉnh Vĩnh Long")
    page.locator("#id_child_ethnicity").fill("Kinh")
    page.locator("#id_mother_full_name").fill("Lê Thị Hoa")
    page.locator("#id_mother_id").fill("086192004321")
    page.locator("#id_relationship").select_option("mother")
    page.locator("#id_declaration").check()


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_level_two_citizen_files_birth_registration_typing_nothing_about_themselves(
    browser_session, demo_catalog, size
):
    from dossiers.models import Dossier, Status

    citizen = _citizen(2)
    page = _page(browser_session, size)
    browser_session.login(page, citizen)
    measure = Measure(page, size, "level2-birth")
    _start(page, "1.001193")

    # The applicant: the verified identity as facts, the rest prefilled from the profile.
    facts = page.get_by_test_id("verified-facts")
    expect(facts).to_contain_text("Lê Thị Hoa")
    expect(facts).to_contain_text("086192004321")
    expect(facts).to_contain_text("18/04/1992")
    expect(page.locator("#id_full_name")).to_have_count(0)
    expect(page.locator("#id_personal_id")).to_have_count(0)
    expect(page.locator("#id_phone")).to_have_value("0912345678")
    # The agency serving the citizen's ward is chosen (not the first of the list).
    expect(page.locator("#id_agency option:checked")).to_contain_text("Trà Vinh")
    measure.step("1-applicant")
    assert measure.rows[-1]["to_type"] == 0
    _next(page, "form")

    # The e-form: the applicant's fields are facts from the applicant step, not inputs.
    expect(page.get_by_test_id("identity-facts")).to_contain_text("086192004321")
    expect(page.get_by_test_id("identity-facts")).to_contain_text("Trà Vinh")
    for name in ("applicant_full_name", "applicant_id", "applicant_birth_date", "applicant_phone"):
        expect(page.locator(f"[name={name}]")).to_have_count(0)
    measure.step("2-form")
    assert measure.rows[-1]["about_self_inputs"] == 0
    _child(page)
    _next(page, "documents")

    # Documents: the declaration is the e-form, the ID copy comes from the verified e-ID.
    expect(page.locator("main")).to_contain_text("Đây là tờ khai bạn đã điền ở bước trước")
    expect(page.locator("main")).to_contain_text("Lấy từ dữ liệu định danh điện tử: không cần tải lên")
    measure.step("3-documents")
    page.locator("#file_giay-chung-sinh").set_input_files(
        {"name": "giay-chung-sinh.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
    )
    _next(page, "review")

    # Review: nothing to pay, said plainly.
    expect(page.get_by_test_id("fee-total")).to_have_text("Miễn phí")
    expect(page.locator(".error-summary")).to_have_count(0)
    measure.step("4-review")
    page.locator("button[name=action][value=submit]").click()
    expect(page).to_have_url(re.compile(r"/ho-so/\d+/$"))

    dossier = Dossier.objects.get(citizen=citizen)
    assert dossier.status == Status.SUBMITTED
    assert dossier.applicant["full_name"] == "Lê Thị Hoa" and dossier.applicant["personal_id"] == "086192004321"
    assert dossier.form_data["applicant_id"] == "086192004321"
    assert dossier.form_data["applicant_address"]["ward"] == 29242
    assert dossier.agency.code == "000.03.31.H62"
    assert sum(row["about_self_inputs"] for row in measure.report()) <= 3  # phone, email, address: prefilled


def _residence(page):
    """The residence, structured: the province, then one of its communes, then the street."""
    page.locator("[name=residence_province]").select_option("86")
    expect(page.locator("[name=residence_ward] option[value='29242']")).to_have_count(1)  # fetched for 86
    page.locator("[name=residence_ward]").select_option("29242")
    page.locator("[name=residence_line]").fill("Số 12 đường Nguyễn Huệ")


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_new_eid_account_without_address_types_its_residence_once(browser_session, demo_catalog, size):
    """The first VNeID login leaves an account with no email, phone or address: the applicant
    step asks for the residence structured, keeps it on the profile (with consent) and the
    e-form shows it as a fact instead of asking again."""
    from dossiers.models import Dossier
    from identity.models import User

    citizen = _citizen(2)
    User.objects.filter(pk=citizen.pk).update(email=None, phone="", province=None, ward=None, address_line="")
    citizen.refresh_from_db()
    page = _page(browser_session, size)
    browser_session.login(page, citizen)
    measure = Measure(page, size, "new-eid-birth")
    _start(page, "1.001193")

    expect(page.locator("#id_address")).to_have_count(0)
    expect(page.locator("#id_email")).to_have_value("")  # no email: asked, never a placeholder
    expect(page.locator("main")).not_to_contain_text("invalid")
    measure.step("1-applicant")
    page.locator("#id_phone").fill("0912345678")
    _residence(page)
    page.locator("#id_save_to_profile").check()
    _next(page, "form")

    facts = page.get_by_test_id("identity-facts")
    expect(facts).to_contain_text("Số 12 đường Nguyễn Huệ")
    expect(facts).to_contain_text("Trà Vinh")
    expect(page.locator("[name=applicant_address_province]")).to_have_count(0)
    measure.step("2-form")
    assert measure.rows[-1]["about_self_inputs"] == 0
    _child(page)
    _next(page, "documents")

    citizen.refresh_from_db()
    assert (citizen.province_id, citizen.ward_id, citizen.address_line) == (86, 29242, "Số 12 đường Nguyễn Huệ")
    assert citizen.phone == "0912345678" and citizen.email is None
    dossier = Dossier.objects.get(citizen=citizen)
    assert dossier.form_data["applicant_address"] == {"province": 86, "ward": 29242, "line": "Số 12 đường Nguyễn Huệ"}
    # About themselves this citizen typed the phone and the residence, once each.
    assert sum(row["about_self_inputs"] for row in measure.report()) == 3  # phone, email (empty), residence


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_level_one_citizen_must_upload_the_id_copy(browser_session, demo_catalog, size):
    citizen = _citizen(1)
    page = _page(browser_session, size)
    browser_session.login(page, citizen)
    _start(page, "1.001193")
    # Nothing verified: the identity is the citizen's to check (inputs, prefilled from the profile).
    expect(page.locator("#id_full_name")).to_have_value("Lê Thị Hoa")
    _next(page, "form")
    _child(page)
    _next(page, "documents")
    id_row = page.locator("fieldset.doc-item", has_text="Giấy tờ tùy thân")
    expect(id_row).not_to_contain_text("không cần tải lên")
    page.locator("#file_giay-chung-sinh").set_input_files(
        {"name": "giay-chung-sinh.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
    )
    _next(page, "review")
    expect(page.locator(".error-summary")).to_contain_text("Giấy tờ tùy thân")
    expect(page.locator("button[name=action][value=submit]")).to_be_disabled()
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"level1-review-{size}.png"), full_page=True)
    page.locator(".error-summary a", has_text="Giấy tờ tùy thân").click()
    page.locator("#file_giay-to-tuy-than").set_input_files(
        {"name": "cccd.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
    )
    _next(page, "review")
    expect(page.locator(".error-summary")).to_have_count(0)
    page.locator("button[name=action][value=submit]").click()
    expect(page).to_have_url(re.compile(r"/ho-so/\d+/$"))


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_changing_the_verified_identity_is_refused_in_the_page_and_the_api(browser_session, demo_catalog, size):
    from dossiers.models import Dossier

    citizen = _citizen(2)
    page = _page(browser_session, size)
    browser_session.login(page, citizen)
    _start(page, "1.001193")
    # The page: a field added by hand to the applicant step is refused, in Vietnamese.
    page.evaluate(
        """() => { const i = document.createElement('input'); i.type = 'hidden'; i.name = 'full_name';
        i.value = 'Nguyễn Văn Giả'; document.querySelector('main form').appendChild(i); }"""
    )
    page.locator("button[name=action][value=next]").click()
    expect(page.locator("main")).to_contain_text("không thể thay đổi")
    _next(page, "form")
    # The e-form: the same for its applicant fields.
    page.evaluate(
        """() => { const i = document.createElement('input'); i.type = 'hidden'; i.name = 'applicant_id';
        i.value = '079190012345'; document.querySelector('main form').appendChild(i); }"""
    )
    _child(page)
    page.locator("button[name=action][value=next]").click()
    expect(page.locator("main")).to_contain_text("không thể thay đổi")
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"refused-form-{size}.png"), full_page=True)
    draft = Dossier.objects.get(citizen=citizen)
    assert draft.applicant["full_name"] == "Lê Thị Hoa"
    assert draft.form_data.get("applicant_id") in (None, "086192004321")

    # The API, with the browser's session: the same refusal.
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    for payload in (
        {"applicant": {"full_name": "Nguyễn Văn Giả", "phone": "0912345678"}},
        {"form_data": {"applicant_full_name": "Nguyễn Văn Giả"}},
    ):
        response = page.request.post(
            "/api/v1/dossiers/",
            data=json.dumps({"procedure": "1.001193", **payload}),
            headers={"Content-Type": "application/json", "X-CSRFToken": csrf, "Referer": page.url},
        )
        assert response.status == 400, response.text()
        assert "không thể thay đổi" in response.text()
    assert Dossier.objects.filter(citizen=citizen).count() == 1  # only the draft


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_a_two_copy_fee_is_charged_twice_the_unit_amount(browser_session, demo_catalog, size):
    from dossiers.models import Dossier
    from payments.models import Payment

    citizen = _citizen(2)
    page = _page(browser_session, size)
    browser_session.login(page, citizen)
    _start(page, "2.000635")
    _next(page, "form")
    page.locator("#id_record_kind").select_option("birth")
    page.locator("#id_copies").fill("2")
    page.locator("#id_declaration").check()
    _next(page, "documents")
    _next(page, "review")
    fees = page.locator("#fees")
    expect(fees).to_contain_text("2 × 8.000 đ")
    expect(page.get_by_test_id("fee-total")).to_have_text("16.000 đ")
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"fee-review-{size}.png"), full_page=True)
    page.locator("button[name=action][value=submit]").click()
    expect(page).to_have_url(re.compile(r"/ho-so/\d+/$"))
    page.locator(".btn-pay-vnpay").click()
    expect(page).to_have_url(re.compile(r"/sandbox/vnpay/"))
    expect(page.locator("body")).to_contain_text("16.000")
    page.locator("button[name=action][value=confirm]").click()
    # The citizen comes back to the dossier page, which shows the payment and the next step.
    expect(page).to_have_url(re.compile(r"/ho-so/\d+/$"))
    dossier = Dossier.objects.get(citizen=citizen)
    payment = Payment.objects.get(dossier=dossier)
    assert payment.amount == 16000 and payment.status == Payment.Status.PAID


def test_a_tiered_fee_shows_its_breakdown_on_the_review_page_on_a_phone(browser_session, demo_catalog):
    """Certification of copies (demo 2.000815): 2.000 đ per page, 1.000 đ from the third page,
    at most 200.000 đ per copy, × copies; the review page says how the amount is made, and the
    line fits the phone's width."""
    citizen = _citizen(2)
    page = _page(browser_session, "phone")
    browser_session.login(page, citizen)
    _start(page, "2.000815")
    _next(page, "form")
    page.locator("#id_document_title").fill("Bằng tốt nghiệp trung học phổ thông")
    page.locator("#id_pages").fill("5")
    page.locator("#id_copies").fill("2")
    _next(page, "documents")
    page.locator("#file_ban-chinh").set_input_files(
        {"name": "ban-chinh.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
    )
    _next(page, "review")
    line = page.get_by_test_id("fee-line")
    expect(line).to_contain_text("2 × (2 trang × 2.000 đ + 3 trang × 1.000 đ) = 14.000 đ")
    expect(page.get_by_test_id("fee-total")).to_have_text("14.000 đ")
    assert line.evaluate("el => el.getBoundingClientRect().right <= document.documentElement.clientWidth")
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / "fee-tiered-review-phone.png"), full_page=True)


@pytest.mark.skipif(not os.environ.get("FILING_MEASURE"), reason="a measurement, run with FILING_MEASURE=1")
@pytest.mark.parametrize("profile", ["full", "eid-only"])
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_measure_what_a_level_two_citizen_types_for_birth_registration(browser_session, demo_catalog, size, profile):
    """The figures of docs/filing.md: the same walk on any version of the code (it asserts
    nothing about the new pages), printing per step the controls shown, those still empty and
    required, those about the citizen themselves, and the phone screens. "eid-only": the
    account as the first VNeID login leaves it (no phone, no address)."""
    from identity.models import User

    citizen = _citizen(2)
    if profile == "eid-only":
        User.objects.filter(pk=citizen.pk).update(phone="", province=None, ward=None, address_line="")
    page = _page(browser_session, size)
    browser_session.login(page, citizen)
    measure = Measure(page, size, f"measure-{profile}")
    _start(page, "1.001193")
    measure.step("1-applicant")
    if profile == "eid-only":
        page.locator("#id_phone").fill("0912345678")
        if page.locator("#id_address").count():  # the code before: free text
            page.locator("#id_address").fill("Số 12 đường Nguyễn Huệ, Phường Trà Vinh, Vĩnh Long")
        else:
            _residence(page)
    _next(page, "form")
    measure.step("2-form")
    if profile == "eid-only":
        for name, value in (("applicant_phone", "0912345678"),):
            if page.locator(f"[name={name}]").count() and not page.locator(f"[name={name}]").input_value():
                page.locator(f"[name={name}]").fill(value)
        if page.locator("[name=applicant_address_province]").count():
            page.locator("[name=applicant_address_province]").select_option("86")
            expect(page.locator("[name=applicant_address_ward] option[value='29242']")).to_have_count(1)
            page.locator("[name=applicant_address_ward]").select_option("29242")
            page.locator("[name=applicant_address_line]").fill("Số 12 đường Nguyễn Huệ")
    _child(page)
    _next(page, "documents")
    measure.step("3-documents")
    page.locator("#file_giay-chung-sinh").set_input_files(
        {"name": "giay-chung-sinh.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
    )
    for key in ("to-khai", "giay-to-tuy-than"):
        if page.locator(f"#file_{key}").count():
            page.locator(f"#file_{key}").set_input_files(
                {"name": f"{key}.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
            )
    _next(page, "review")
    measure.step("4-review")
    rows = measure.report()
    print(
        f"TOTAL {profile} {size}: controls={sum(r['controls'] for r in rows)} to_type={sum(r['to_type'] for r in rows)}"
        f" about_self_inputs={sum(r['about_self_inputs'] for r in rows)} screens={sum(r['screens'] for r in rows)}"
    )


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_the_official_sees_the_identity_level_and_downloads_the_declaration(browser_session, demo_catalog, size):
    from catalog.selectors import procedure_version_current
    from dossiers import services
    from identity.models import PersonalDocument
    from tests.support.world import official_user, totp_activate

    from .flows import password_login, pdf_text

    citizen = _citizen(2)
    certificate = PersonalDocument.objects.create(owner=citizen, doc_type="birth", title="Giấy chứng sinh")
    dossier = services.dossier_file_and_submit(
        citizen=citizen,
        procedure_version=procedure_version_current("1.001193"),
        form_data={
            "child_full_name": "Nguyễn Lê Minh An",
            "child_sex": "M",
            "child_birth_date": "2026-11-01",
            "child_birth_place": "Bệnh viện Đa khoa tỉnh Vĩnh Long",
            "child_ethnicity": "Kinh",
            "mother_full_name": "Lê Thị Hoa",
            "mother_id": "086192004321",
            "relationship": "mother",
            "declaration": True,
        },
        documents=[("giay-chung-sinh", certificate)],
    )
    intake = official_user(role="intake", agency=dossier.agency, email="intake@example.vn")
    totp_activate(intake)
    page = _page(browser_session, size)
    password_login(page, intake, with_totp=True)
    page.goto(f"/admin/dossiers/dossier/{dossier.pk}/change/")
    identity = page.locator("tr.dp-identity")
    expect(identity).to_contain_text("Mức 2")
    expect(identity).to_contain_text("đã xác thực qua định danh điện tử (VNeID)")
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"official-dossier-{size}.png"), full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải tờ khai (PDF)").click()
    data = Path(download.value.path()).read_bytes()
    text = pdf_text(data)
    assert "Nguyễn Lê Minh An" in text and "086192004321" in text and dossier.code in text
    if SHOTS:
        (Path(SHOTS) / f"declaration-{size}.pdf").write_bytes(data)
