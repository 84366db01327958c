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


def test_form_errors_are_next_to_their_field_and_summarised_at_the_top(browser_session, catalog):
    page = browser_session.new_page(phone=True)
    browser_session.login(page, citizen_create())
    page.goto(f"/ho-so/nop/{catalog.version.code}/")
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
    # Nothing typed is lost: the other fields kept their values.
    expect(page.locator("#id_personal_id")).to_have_value("086193007788")
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
