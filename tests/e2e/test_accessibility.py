"""Accessibility: axe-core finds no serious or critical violation on the public pages, on a
phone and on a desktop; the keyboard reaches search and the skip link works."""

import re

import pytest
from playwright.sync_api import expect

from .a11y import assert_accessible

pytestmark = pytest.mark.e2e

PUBLIC_PAGES = [
    pytest.param("/", id="home"),
]


@pytest.mark.parametrize("path", PUBLIC_PAGES)
@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_public_page_has_no_serious_accessibility_violations(browser_session, seeded, path, device):
    page = browser_session.new_page(phone=device == "phone")
    response = page.goto(path)
    assert response.status == 200
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
