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
