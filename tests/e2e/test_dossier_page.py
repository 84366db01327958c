"""The dossier page and the newcomer's sign-up in a real browser (issue 18): the summary fits its
card from 320 to 1440 px, the next step comes first after submission, withdrawing needs a
confirmation, a sent form cannot be sent twice, the public lookup ignores case, the sandbox
mailbox holds the confirmation email whose link returns to `next`, and the sign-up's password
errors are Vietnamese.

With DPAGE_SHOTS=<folder> the tests also save screenshots of the pages they visit."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.world import journey_world

from .a11y import assert_accessible
from .flows import citizen_create, dossier_submitted

pytestmark = pytest.mark.e2e

LONG_AGENCY = "Ủy ban nhân dân xã Phú Thuận, huyện Bình Đại (Bộ phận tiếp nhận và trả kết quả một cửa)"
# Every box inside a card must stay inside it; a scrolling container (a wide table) clips its
# content on purpose and is measured itself, not its content.
OUTSIDE_JS = """() => {
  const out = [];
  for (const card of document.querySelectorAll('main .card')) {
    const c = card.getBoundingClientRect();
    for (const el of card.querySelectorAll('*')) {
      let p = el.parentElement, clipped = false;
      while (p && p !== card) {
        const o = getComputedStyle(p).overflowX;
        if (o === 'auto' || o === 'scroll' || o === 'hidden') { clipped = true; break; }
        p = p.parentElement;
      }
      if (clipped || el.classList.contains('visually-hidden')) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      if (r.left < c.left - 0.5 || r.right > c.right + 0.5) {
        out.push(`${el.tagName.toLowerCase()}.${el.className} [${Math.round(r.left)}–${Math.round(r.right)}] `
          + `outside card [${Math.round(c.left)}–${Math.round(c.right)}]: ${el.textContent.trim().slice(0, 40)}`);
      }
    }
  }
  return out;
}"""


def shot(page, name: str) -> None:
    folder = os.environ.get("DPAGE_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        size = page.viewport_size
        for width, height in ((size["width"], size["height"]), (390, 844), (1280, 800)):
            page.set_viewport_size({"width": width, "height": height})
            page.screenshot(path=str(Path(folder) / f"{name}-{width}.png"), full_page=True)
        page.set_viewport_size(size)


@pytest.fixture
def world(transactional_db, site_url):
    return journey_world()


def _draft_ready(world, citizen):
    from dossiers import services
    from tests.support.world import pdf_upload

    draft = services.dossier_draft_create(citizen=citizen, procedure_version=world.version)
    services.dossier_draft_update(
        dossier=draft,
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
    services.dossier_file_add(dossier=draft, by=citizen, doc_key="giay-chung-sinh", upload=pdf_upload())
    return draft


def test_summary_fits_its_card_from_320_to_1440_px(browser_session, world):
    world.agency.name = LONG_AGENCY
    world.agency.save(update_fields=["name"])
    citizen = citizen_create()
    dossier = dossier_submitted(world, citizen, pay_at_counter=False)
    page = browser_session.new_page()
    browser_session.login(page, citizen)
    page.goto(f"/ho-so/{dossier.pk}/")
    for width, height in ((320, 800), (390, 844), (1024, 800), (1280, 800), (1440, 900)):
        page.set_viewport_size({"width": width, "height": height})
        expect(page.locator("dl.facts")).to_contain_text(LONG_AGENCY)
        assert page.evaluate(OUTSIDE_JS) == [], f"at {width} px"
        card = page.locator("section.card", has=page.locator("dl.facts")).bounding_box()
        assert card["x"] + card["width"] <= width
        shot(page, "dossier-due")


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
def test_after_submission_the_next_step_comes_first_and_pay_cannot_be_sent_twice(browser_session, world, phone):
    citizen = citizen_create()
    draft = _draft_ready(world, citizen)
    page = browser_session.new_page(phone=phone)
    browser_session.login(page, citizen)
    page.goto(f"/ho-so/{draft.pk}/buoc/review/")
    shot(page, "review")
    # "Đổi" links sit beside the headings, big enough to tap (44 px on a phone); breadcrumb and
    # footer links are at least 24 px tall.
    expect(page.locator("main h2 a")).to_have_count(0)
    heights = page.evaluate(
        "() => [...document.querySelectorAll('.change-link')].map(a => a.getBoundingClientRect().height)"
    )
    assert heights and min(heights) >= (44 if phone else 24)
    small = page.evaluate(
        """() => [...document.querySelectorAll('.breadcrumbs a, .site-footer a')]
             .map(a => a.getBoundingClientRect().height).filter(h => h < 24)"""
    )
    assert small == []
    page.locator("button[name=action][value=submit]").click()
    expect(page).to_have_url(re.compile(rf"/ho-so/{draft.pk}/$"))
    draft.refresh_from_db()
    banner = page.locator(".submitted-banner")
    expect(banner).to_contain_text("Hồ sơ của bạn đã được nộp.")
    expect(banner).to_contain_text(draft.code)
    next_step = page.locator(".next-step")
    expect(next_step).to_contain_text("Nộp phí, lệ phí")
    # First on the page: the greeting, then the next step, above the summary and everything else.
    tops = page.evaluate(
        """() => ['.submitted-banner', '.next-step', 'dl.facts', '#thanh-toan']
             .map(s => document.querySelector(s).getBoundingClientRect().top)"""
    )
    assert tops[0] < tops[1] < min(tops[2], tops[3])
    assert tops[1] < page.viewport_size["height"], "the next step is on the first screen"
    assert_accessible(page)
    shot(page, "dossier-submitted")

    # "Pay now" leads to the payment panel; a double tap on the gateway button sends one request.
    next_step.get_by_role("link", name="Thanh toán ngay").click()
    expect(page).to_have_url(re.compile(r"#thanh-toan$"))
    # Three taps in a row on the gateway button, before the browser leaves the page: the first
    # sends the form and marks the button busy, the others are refused.
    taps = page.evaluate(
        """() => {
          const sent = [];
          window.addEventListener('submit', e => sent.push(!e.defaultPrevented));
          const b = document.querySelector('.btn-pay-vnpay');
          b.click();
          const busy = [b.getAttribute('aria-disabled'), b.textContent];
          b.click();
          b.click();
          return {sent, busy};
        }"""
    )
    assert taps == {"sent": [True, False, False], "busy": ["true", "Đang xử lý…"]}
    expect(page).to_have_url(re.compile(r"/sandbox/vnpay/"))
    from payments.models import Payment

    assert Payment.objects.filter(dossier=draft).count() == 1
    page.locator("button[name=action][value=confirm]").click()
    # The gateway's return lands on the dossier page: the outcome, then the next step.
    expect(page).to_have_url(re.compile(rf"/ho-so/{draft.pk}/$"))
    expect(page.locator(".messages")).to_contain_text("Thanh toán thành công")
    expect(page.locator(".next-step")).to_contain_text("Chờ cơ quan tiếp nhận hồ sơ")
    shot(page, "dossier-paid")


def test_withdrawing_needs_a_confirmation_that_works_without_javascript(browser, browser_session, world):
    from dossiers.models import Status

    citizen = citizen_create()
    dossier = dossier_submitted(world, citizen)
    context = browser.new_context(base_url=browser_session.base_url, java_script_enabled=False, locale="vi-VN")
    browser_session.contexts.append(context)
    page = context.new_page()
    browser_session.login(page, citizen)
    page.goto(f"/ho-so/{dossier.pk}/")
    expect(page.locator("main form textarea[name=reason]")).to_have_count(0)
    expect(page.locator("main .btn-danger")).to_have_count(0)
    page.get_by_role("link", name="Rút hồ sơ…").click()
    expect(page.locator("h1")).to_have_text("Rút hồ sơ này?")
    shot(page, "withdraw-confirm")
    page.get_by_role("link", name="Không, giữ hồ sơ").click()
    dossier.refresh_from_db()
    assert dossier.status == Status.SUBMITTED
    page.get_by_role("link", name="Rút hồ sơ…").click()
    page.locator("#withdraw-reason").fill("Đã nộp nhầm thủ tục")
    page.get_by_role("button", name="Có, rút hồ sơ").click()
    expect(page).to_have_url(re.compile(rf"/ho-so/{dossier.pk}/$"))
    dossier.refresh_from_db()
    assert dossier.status == Status.WITHDRAWN


def test_public_lookup_ignores_case_and_spaces(phone_page, world):
    dossier = dossier_submitted(world, citizen_create())
    phone_page.goto("/ho-so/tra-cuu/")
    phone_page.locator("#id_code").fill(f"  {dossier.code.lower()} ")
    phone_page.locator("main form button[type=submit]").click()
    expect(phone_page.locator("main")).to_contain_text("Đăng ký khai sinh")
    expect(phone_page.locator("main")).not_to_contain_text("Không tìm thấy hồ sơ")
    shot(phone_page, "lookup")


def test_sign_up_in_vietnamese_then_the_mailbox_link_returns_to_next(browser_session, world, settings, tmp_path):
    settings.EMAIL_BACKEND = "portal.mail.OutboxEmailBackend"
    settings.OUTBOX_DIR = tmp_path
    target = "/ho-so/cua-toi/"
    page = browser_session.new_page(phone=True)
    page.goto(f"/accounts/signup/?next={target}")
    page.locator("#id_email").fill("nguoimoi@example.vn")
    page.locator("#id_password1").fill("12345")
    page.locator("#id_password2").fill("12345")
    page.locator("form.account-form button[type=submit]").click()
    errors = page.locator("#id_password1_error")
    expect(errors).to_contain_text("Mật khẩu quá ngắn: cần ít nhất 10 ký tự.")
    expect(page.locator("main")).not_to_contain_text("This password")
    shot(page, "signup-errors")
    page.locator("#id_password1").fill("Mat-khau-moi-2026")
    page.locator("#id_password2").fill("Mat-khau-moi-2026")
    page.locator("form.account-form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Xác nhận địa chỉ thư điện tử")
    shot(page, "verification-sent")
    page.get_by_role("link", name="Mở hộp thư thử nghiệm").click()
    expect(page.locator("h1")).to_have_text("Hộp thư thử nghiệm")
    expect(page.locator("main")).to_contain_text("nguoimoi@example.vn")
    shot(page, "sandbox-mailbox")
    page.locator("main a[href*='/accounts/confirm-email/']").first.click()
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(re.escape(target) + "$"))
    expect(page.locator("h1")).to_contain_text("Hồ sơ của tôi")
