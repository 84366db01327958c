"""Journey (c): officials log into the admin with two-factor (TOTP computed from the seeded
secret), take the dossier from the queue, receive it, ask for a supplement; the citizen uploads it
and resubmits; a leader approves with a result file and returns the result; the citizen sees the
dossier completed, downloads the result and rates the service."""

import pytest
from playwright.sync_api import expect

from tests.support.world import PDF_BYTES, journey_world

from .a11y import assert_accessible
from .flows import citizen_create, dossier_submitted, password_login, pdf_text

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(transactional_db, site_url):
    return journey_world()


def _run_action(page, name: str, fill=None) -> None:
    form = page.locator(f"form#action-{name}")
    expect(form).to_be_visible()
    if fill:
        fill(form)
    form.locator("button[type=submit]").click()
    expect(page.locator(".messagelist .error, .errornote")).to_have_count(0)


def test_officials_process_the_dossier_and_the_citizen_gets_the_result(browser_session, world):
    from dossiers.models import Dossier, DossierRating, Status

    citizen = citizen_create()
    dossier = dossier_submitted(world, citizen)

    # Intake official: password + TOTP, then the queue of new dossiers.
    intake = browser_session.new_page()
    password_login(intake, world.officials["intake"], with_totp=True)
    intake.goto("/admin/dossiers/dossier/?queue=new")
    row = intake.locator("#result_list tr", has_text=dossier.code)
    expect(row).to_be_visible()
    row.locator("input[name=_selected_action]").check()
    intake.locator("select[name=action]").select_option("claim_selected")
    intake.locator("button[name=index]").click()
    expect(intake.locator(".messagelist .success")).to_be_visible()
    dossier.refresh_from_db()
    assert dossier.assigned_to == world.officials["intake"]

    # Receive, then ask for a supplement.
    intake.goto(f"/admin/dossiers/dossier/{dossier.pk}/change/")
    _run_action(intake, "receive")
    dossier.refresh_from_db()
    assert dossier.status == Status.IN_PROCESSING and dossier.due_at
    _run_action(
        intake,
        "request_supplement",
        lambda form: form.locator("textarea[name$=missing]").fill("Bản sao giấy chứng nhận kết hôn của cha mẹ"),
    )
    dossier.refresh_from_db()
    assert dossier.status == Status.SUPPLEMENT_REQUESTED

    # The citizen, on a phone, sees what is missing, uploads it and resubmits.
    phone = browser_session.new_page(phone=True)
    browser_session.login(phone, citizen)
    phone.goto(f"/ho-so/{dossier.pk}/")
    expect(phone.locator("main")).to_contain_text("Bản sao giấy chứng nhận kết hôn của cha mẹ")
    assert_accessible(phone)
    phone.locator("#supplement-files").set_input_files(
        {"name": "giay-ket-hon.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
    )
    phone.locator("button[name=action][value=resubmit]").click()
    expect(phone.locator(".alert-success").first).to_be_visible()
    dossier.refresh_from_db()
    assert dossier.status == Status.IN_PROCESSING

    # The leader (also with two-factor) approves with a result file and returns the result.
    leader = browser_session.new_page()
    password_login(leader, world.officials["leader"], with_totp=True)
    leader.goto(f"/admin/dossiers/dossier/{dossier.pk}/change/")
    _run_action(
        leader,
        "approve",
        lambda form: form.locator("input[type=file]").set_input_files(
            {"name": "giay-khai-sinh.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
        ),
    )
    dossier.refresh_from_db()
    assert dossier.status == Status.RESULT_READY
    leader.goto(f"/admin/dossiers/dossier/{dossier.pk}/change/")
    _run_action(leader, "return_result")
    dossier.refresh_from_db()
    assert dossier.status == Status.COMPLETED

    # The citizen sees it completed, downloads the result and rates the service.
    phone.goto(f"/ho-so/{dossier.pk}/")
    assert_accessible(phone)
    result = dossier.issued_documents.filter(kind="result").first() or dossier.issued_documents.last()
    # The result is the next step, first on the page (and listed with the documents issued).
    link = phone.locator(".next-step").get_by_role("link", name="Tải kết quả")
    expect(link).to_have_attribute("href", f"/ho-so/{dossier.pk}/giay-to/{result.pk}/")
    download = phone.request.get(link.get_attribute("href"))
    assert download.status == 200 and download.body().startswith(b"%PDF")
    result_files = Dossier.objects.get(pk=dossier.pk).files.filter(kind="result")
    assert result_files.exists() or dossier.code in pdf_text(download.body())
    phone.locator("input[name=score][value='5']").check()
    phone.locator("textarea[name=comment]").fill("Cán bộ hướng dẫn tận tình, trả kết quả đúng hẹn.")
    phone.locator(f"form[action='/ho-so/{dossier.pk}/danh-gia/'] button[type=submit]").click()
    expect(phone.locator("main")).to_contain_text("5/5")
    rating = DossierRating.objects.get(dossier=dossier)
    assert rating.score == 5
