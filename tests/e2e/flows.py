"""Steps shared by the browser journeys: logging in (password + TOTP, or the sandbox e-ID),
and preparing a submitted dossier through the dossiers services."""

import io
import re

from playwright.sync_api import expect

from tests.support.world import PASSWORD, PDF_BYTES, pdf_upload, totp_code, verified_user


def password_login(page, user, *, with_totp: bool = False) -> None:
    """The real login form; staff then pass the two-factor step with a TOTP code computed here."""
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(user.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form", has=page.locator("input[name=password]")).locator("button[type=submit]").first.click()
    if with_totp:
        code_box = page.locator("input[name=code]")
        expect(code_box).to_be_visible()
        code_box.fill(totp_code())
        page.locator("form", has=code_box).locator("button[type=submit]").first.click()
        expect(page.locator("input[name=code]")).to_have_count(0)
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def eid_login(page, resident) -> None:
    """From any page: Log in → "Log in with VNeID" → pick the resident in the sandbox issuer."""
    page.locator("header").get_by_role("link", name=re.compile("Đăng nhập|Log in")).click()
    page.locator("a.btn-eid").click()
    expect(page).to_have_url(re.compile(r"/sandbox/eid/authorize/"))
    page.locator("#resident-q").fill(resident.personal_id)
    page.locator("#resident-q").press("Enter")
    page.get_by_label(re.compile(resident.personal_id)).check()
    page.locator("main form[method=post] button.btn:not([name=cancel])").click()
    expect(page).not_to_have_url(re.compile(r"/sandbox/|/vneid/callback/"))


def citizen_create(*, email="binh@example.vn", full_name="Phạm Thị Bình", personal_id="086193007788"):
    import datetime as dt

    return verified_user(
        email,
        full_name=full_name,
        personal_id=personal_id,
        date_of_birth=dt.date(1993, 7, 2),
        sex="F",
        phone="0987654321",
        identity_level=2,
    )


def dossier_submitted(world, citizen, *, pay_at_counter: bool = True):
    """A birth-registration dossier the citizen filed and (by default) paid at the counter."""
    from dossiers import services

    dossier = services.dossier_draft_create(citizen=citizen, procedure_version=world.version)
    services.dossier_draft_update(
        dossier=dossier,
        by=citizen,
        applicant={"phone": citizen.phone, "address": "Số 5 đường Lê Lợi, xã Phú Thuận"},
        form_data={
            "applicant_full_name": citizen.full_name,
            "applicant_id": citizen.personal_id,
            "child_full_name": "Phạm Gia Huy",
            "child_birth_date": "2026-10-20",
            "declaration": True,
        },
    )
    services.dossier_file_add(dossier=dossier, by=citizen, doc_key="giay-chung-sinh", upload=pdf_upload())
    dossier = services.dossier_submit(dossier=dossier, by=citizen)
    if pay_at_counter:
        from payments.services import counter_payment_record

        counter_payment_record(dossier=dossier, cashier=world.officials["cashier"], method="cash", payer_name="Bình")
    return dossier


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


__all__ = ["PDF_BYTES", "citizen_create", "dossier_submitted", "eid_login", "password_login", "pdf_text"]
