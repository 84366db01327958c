"""The site shell in a real browser: the home page renders in Vietnamese under the real CSP
and the language switch works."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_home_page_renders_in_vietnamese_without_csp_violations(page):
    violations = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    response = page.goto("/")
    assert response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("a.skip-link")).to_have_attribute("href", "#main")
    assert violations == []


def test_language_switch_changes_the_page_to_english_and_back(phone_page):
    phone_page.goto("/")
    phone_page.locator("#lang-select").select_option("en")
    expect(phone_page.locator("html")).to_have_attribute("lang", "en")
    expect(phone_page).to_have_url(re.compile(r"/$"))
    phone_page.locator("#lang-select").select_option("vi")
    expect(phone_page.locator("html")).to_have_attribute("lang", "vi")


def _header_share(page) -> float:
    return page.evaluate(
        "() => document.querySelector('.site-header').getBoundingClientRect().height / window.innerHeight"
    )


@pytest.mark.parametrize("path", ["/", "/thu-tuc/?q=khai+sinh"])
def test_at_200_percent_text_the_phone_header_takes_at_most_a_quarter_of_the_screen(phone_page, path):
    """WCAG 1.4.4 (resize text): with the text at 200 % on a 390×844 phone, the header still leaves
    three quarters of the first screen to the page itself."""
    phone_page.goto(path)
    phone_page.evaluate("() => { document.documentElement.style.fontSize = '200%'; }")
    phone_page.wait_for_function("() => getComputedStyle(document.documentElement).fontSize === '32px'")
    share = _header_share(phone_page)
    assert share <= 0.25, f"the header takes {share:.0%} of the first screen at 200 % text"
