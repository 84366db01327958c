"""Journey (b): a citizen on a phone logs in through the sandbox e-ID, finds "khai sinh", files
the dossier (prefilled identity, e-form, a PDF upload, review), pays in the VNPay sandbox, sees
the dossier paid and submitted, and downloads the intake receipt once the agency received it.
axe-core checks every page of the way."""

import re

import pytest
from playwright.sync_api import expect

from tests.support.world import PDF_BYTES, journey_world

from .a11y import assert_accessible
from .flows import eid_login, pdf_text

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(transactional_db, site_url):
    return journey_world()


def test_citizen_files_pays_and_gets_the_intake_receipt_on_a_phone(phone_page, world):
    from django.contrib.auth import get_user_model

    from dossiers.models import Dossier, Status
    from dossiers.services import dossier_receive

    page = phone_page
    resident = world.resident

    # Log in with the sandbox VNeID: the first e-ID login creates a level-2 account.
    page.goto("/accounts/login/")
    assert_accessible(page)
    eid_login(page, resident)
    citizen = get_user_model().objects.get(personal_id=resident.personal_id)
    assert citizen.identity_level == 2
    assert citizen.full_name == resident.full_name

    # Search without thinking about diacritics, open the procedure.
    page.goto("/")
    assert_accessible(page)
    page.locator("#hero-q").fill("khai sinh")
    page.locator("#hero-q").press("Enter")
    expect(page).to_have_url(re.compile(r"q=khai\+sinh"))
    assert_accessible(page)
    page.locator("main").get_by_role("link", name="Đăng ký khai sinh").first.click()
    expect(page.locator("h1")).to_have_text("Đăng ký khai sinh")
    assert_accessible(page)
    page.locator("a.btn-file").first.click()
    # The start page: the draft is made by its button (a POST), not by following a link.
    assert_accessible(page)
    page.get_by_role("button", name="Bắt đầu nộp hồ sơ").click()

    # Step 1: the applicant, prefilled from the e-ID identity (not re-typed).
    expect(page).to_have_url(re.compile(r"/buoc/applicant/$"))
    assert_accessible(page)
    expect(page.get_by_test_id("verified-facts")).to_contain_text(resident.full_name)
    expect(page.get_by_test_id("verified-facts")).to_contain_text(resident.personal_id)
    # The e-ID carries no phone or address: the citizen adds them once, the residence structured
    # (province, then one of its communes, then the street), which the e-form then shows as a fact.
    page.locator("#id_phone").fill(resident.phone)
    page.locator("[name=residence_province]").select_option("86")
    expect(page.locator("[name=residence_ward] option[value='29218']")).to_have_count(1)
    page.locator("[name=residence_ward]").select_option("29218")
    page.locator("[name=residence_line]").fill("Số 12 đường Nguyễn Huệ")
    page.locator("button[name=action][value=next]").click()

    # Step 2: the e-form, its identity fields prefilled.
    expect(page).to_have_url(re.compile(r"/buoc/form/$"))
    assert_accessible(page)
    expect(page.get_by_test_id("identity-facts")).to_contain_text(resident.full_name)
    expect(page.get_by_test_id("identity-facts")).to_contain_text(resident.personal_id)
    page.locator("#id_child_full_name").fill("Nguyễn Lê Minh An")
    page.locator("#id_child_birth_date").fill("2026-11-01")
    page.locator("#id_declaration").check()
    page.locator("button[name=action][value=next]").click()

    # Step 3: documents — upload the birth certificate (giấy chứng sinh) as a PDF.
    expect(page).to_have_url(re.compile(r"/buoc/documents/$"))
    assert_accessible(page)
    page.locator("#file_giay-chung-sinh").set_input_files(
        {"name": "giay-chung-sinh.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
    )
    page.locator("button[name=action][value=next]").click()

    # Step 4: review, then submit.
    expect(page).to_have_url(re.compile(r"/buoc/review/$"))
    assert_accessible(page)
    expect(page.locator("main")).to_contain_text("Nguyễn Lê Minh An")
    expect(page.locator("main")).to_contain_text("giay-chung-sinh.pdf")
    page.locator("button[name=action][value=submit]").click()

    # The dossier page: submitted, with its code, and the fee to pay before intake.
    expect(page).to_have_url(re.compile(r"/ho-so/\d+/$"))
    dossier = Dossier.objects.get(citizen=citizen)
    assert dossier.status == Status.SUBMITTED and dossier.code
    expect(page.locator("main")).to_contain_text(dossier.code)
    assert_accessible(page)

    # Pay in the VNPay sandbox.
    page.locator(".btn-pay-vnpay").click()
    expect(page).to_have_url(re.compile(r"/sandbox/vnpay/"))
    expect(page.locator("body")).to_contain_text("8.000")
    page.locator("button[name=action][value=confirm]").click()
    # The gateway's return brings the citizen back to the dossier page: paid and submitted.
    expect(page).to_have_url(re.compile(rf"/ho-so/{dossier.pk}/$"))
    expect(page.locator(".messages")).to_contain_text("Thanh toán thành công")
    assert_accessible(page)
    expect(page.locator(".payment-panel .alert-success")).to_be_visible()
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED
    from payments.models import Payment

    assert Payment.objects.get(dossier=dossier, provider="vnpay").status == Payment.Status.PAID

    # The agency receives it; the citizen downloads the intake receipt (form 01).
    dossier_receive(dossier=dossier, by=world.officials["intake"])
    page.reload()
    receipt_link = page.locator(f"a[href^='/ho-so/{dossier.pk}/giay-to/']").first
    expect(receipt_link).to_be_visible()
    assert_accessible(page)
    response = page.request.get(receipt_link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    text = pdf_text(response.body())
    assert dossier.code in text
    assert resident.full_name in text
