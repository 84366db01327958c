"""Accessibility: axe-core finds no serious or critical violation on the public and the
citizen's pages, on a phone and on a desktop (the filing steps and the dossier page are checked
along the journeys); form errors are announced next to their field and summarised at the top;
the keyboard reaches search and the skip link works."""

import re

import pytest
from playwright.sync_api import expect

from tests.support.world import journey_world

from .a11y import assert_accessible, blocking_violations, describe
from .flows import citizen_create

pytestmark = pytest.mark.e2e

PUBLIC_PAGES = [
    "/",
    "/thu-tuc/",
    "/thu-tuc/?q=khai+sinh",
    "/thu-tuc/1.001193/",
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/ho-so/tra-cuu/",
]
CITIZEN_PAGES = ["/tai-khoan/", "/tai-khoan/giay-to/", "/tai-khoan/quyen-rieng-tu/", "/hop-thu/", "/ho-so/cua-toi/"]


@pytest.fixture
def catalog(transactional_db, site_url):
    return journey_world()


def _violations_on(page, paths) -> list[str]:
    problems = []
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, f"{path}: {response.status}"
        violations = blocking_violations(page)
        if violations:
            problems.append(f"{path}:\n{describe(violations)}")
    return problems


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_public_pages_have_no_serious_accessibility_violations(browser_session, catalog, device):
    page = browser_session.new_page(phone=device == "phone")
    problems = _violations_on(page, PUBLIC_PAGES)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_citizen_pages_have_no_serious_accessibility_violations(browser_session, catalog, device):
    page = browser_session.new_page(phone=device == "phone")
    browser_session.login(page, citizen_create())
    problems = _violations_on(page, CITIZEN_PAGES)
    assert not problems, "\n".join(problems)


def _citizen_with_address():
    """A citizen whose profile has an address: the applicant step asks it as free text (an
    account without one is asked the structured residence, tests/e2e/test_journey_filing.py)."""
    citizen = citizen_create()
    citizen.address_line = "Số 5 đường Lê Lợi"
    citizen.save(update_fields=["address_line"])
    return citizen


def test_form_errors_are_next_to_their_field_and_summarised_at_the_top(browser_session, catalog):
    page = browser_session.new_page(phone=True)
    browser_session.login(page, _citizen_with_address())
    page.goto(f"/ho-so/nop/{catalog.version.code}/")
    page.get_by_role("button", name="Bắt đầu nộp hồ sơ").click()
    page.locator("#id_phone").fill("")
    page.locator("#id_address").fill("")
    page.locator("button[name=action][value=next]").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()  # announced: portal.js moves focus to it
    for field_id in ("id_phone", "id_address"):
        field = page.locator(f"#{field_id}")
        expect(field).to_have_attribute("aria-invalid", "true")
        described_by = field.get_attribute("aria-describedby")
        assert described_by, f"{field_id} is not linked to its error"
        error = page.locator(f"#{described_by.split()[0]}")
        expect(error).not_to_be_empty()
        expect(summary.locator(f"a[href='#{field_id}']")).to_have_count(1)
    # Nothing is lost: the other fields kept their values, the verified identity stays shown.
    expect(page.locator("#id_email")).to_have_value("binh@example.vn")
    expect(page.get_by_test_id("verified-facts")).to_contain_text("086193007788")
    assert_accessible(page)


def test_axe_is_injected_without_weakening_the_csp(page):
    """The check runs with the real Content-Security-Policy in force (no bypass_csp)."""
    response = page.goto("/")
    csp = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]
    assert_accessible(page)
    assert page.evaluate("() => typeof window.axe.run") == "function"


def _tab_until(page, predicate_js: str, limit: int = 40) -> bool:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(predicate_js):
            return True
    return False


def test_skip_link_is_first_and_moves_focus_to_the_main_content(page):
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # visible while focused, hidden otherwise
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    expect(page.locator("#main")).to_be_focused()


@pytest.mark.parametrize(
    ("path", "box"),
    [pytest.param("/", "hero-q", id="home-search"), pytest.param("/accounts/login/", "header-q", id="header-search")],
)
def test_keyboard_reaches_the_search_box_and_submits_a_search(page, path, box):
    page.goto(path)
    assert _tab_until(page, f"() => document.activeElement.id === '{box}'"), "Tab never reached the search box"
    page.keyboard.type("khai sinh")
    is_search_button = (
        "() => document.activeElement.type === 'submit'"
        " && document.activeElement.closest('form').getAttribute('role') === 'search'"
    )
    assert _tab_until(page, is_search_button, 3), "the search button does not follow the search box in tab order"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "q=khai+sinh" in page.url or "q=khai%20sinh" in page.url


def _tab_to(page, selector: str, limit: int = 60) -> None:
    """Press Tab until the element matching `selector` has the focus (bounded)."""
    predicate = f"() => document.activeElement && document.activeElement.matches({selector!r})"
    assert _tab_until(page, predicate, limit), f"Tab never reached {selector}"


def _file_chooser_by_keyboard(page):
    """Space on the focused file field opens the chooser. On a loaded 2-core machine Chromium now
    and then drops that first key press before the page is ready for it; a person would press
    Space again, and so does this (still the keyboard alone)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    for attempt in (1, 2, 3):
        try:
            with page.expect_file_chooser(timeout=8_000) as chooser:
                page.keyboard.press("Space")
            return chooser.value
        except PlaywrightTimeoutError:
            if attempt == 3:
                raise


def _date_keys(page, iso: str) -> str:
    """The keys that type `iso` into a native date field, in the segment order this Chromium
    uses (it follows the browser's own locale, not the page's). Found with a throw-away probe
    field, typed into with the keyboard too."""
    page.evaluate(
        "() => { const i = document.createElement('input'); i.type = 'date'; i.id = 'date-probe';"
        " document.body.prepend(i); }"
    )
    page.locator("#date-probe").focus()
    page.keyboard.type("01022000")
    probe = page.eval_on_selector("#date-probe", "e => { const v = e.value; e.remove(); return v; }")
    year, month, day = iso.split("-")
    return {"2000-01-02": month + day + year, "2000-02-01": day + month + year}.get(probe, year + month + day)


def test_keyboard_only_filing(browser_session, catalog):
    """A citizen files the whole dossier with the keyboard alone: Tab, typing, Space and Enter."""
    from dossiers.models import Dossier, Status
    from tests.support.world import PDF_BYTES

    citizen = _citizen_with_address()
    page = browser_session.new_page()
    browser_session.login(page, citizen)
    page.goto(f"/thu-tuc/{catalog.version.code}/")
    _tab_to(page, "a.btn-file")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/ho-so/nop/"))
    _tab_to(page, "button.btn-file")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/buoc/applicant/$"))
    _tab_to(page, "#id_address")
    page.keyboard.press("Control+A")
    page.keyboard.type("Số 5 đường Lê Lợi, xã Phú Thuận")
    _tab_to(page, "button[value=next]")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/buoc/form/$"))
    date_keys = _date_keys(page, "2026-10-20")
    _tab_to(page, "#id_child_full_name")
    page.keyboard.type("Phạm Gia Huy")
    _tab_to(page, "#id_child_birth_date")
    page.keyboard.type(date_keys)
    _tab_to(page, "#id_declaration")
    page.keyboard.press("Space")
    _tab_to(page, "button[value=next]")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/buoc/documents/$"))
    _tab_to(page, "input[type=file]")
    chooser = _file_chooser_by_keyboard(page)
    chooser.set_files({"name": "giay-chung-sinh.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES})
    _tab_to(page, "button[value=next]")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/buoc/review/$"))
    _tab_to(page, "button[value=submit]")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/ho-so/\d+/$"))
    dossier = Dossier.objects.get(citizen=citizen)
    assert dossier.status == Status.SUBMITTED
    assert dossier.form_data["child_birth_date"] == "2026-10-20"
