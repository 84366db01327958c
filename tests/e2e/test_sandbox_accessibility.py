"""The sandbox gateways people click through in a demo or a test (VNPay, MoMo, the e-ID issuer)
pass axe-core (WCAG 2.1 A/AA) like the portal's own pages, on a desktop and a phone."""

import re

import pytest
from playwright.sync_api import expect

from tests.support.world import journey_world

from .a11y import blocking_violations, describe
from .flows import citizen_create, dossier_submitted

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(transactional_db, site_url):
    return journey_world()


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_sandbox_gateway_pages_have_no_accessibility_violations(browser_session, world, device):
    problems = []

    def check(page):
        violations = blocking_violations(page)
        if violations:
            problems.append(f"{page.url}:\n{describe(violations)}")

    citizen = citizen_create()
    dossier = dossier_submitted(world, citizen, pay_at_counter=False)
    for provider in ("vnpay", "momo"):
        page = browser_session.new_page(phone=device == "phone")
        browser_session.login(page, citizen)
        page.goto(f"/ho-so/{dossier.pk}/")
        page.locator(f".btn-pay-{provider}").click()
        expect(page).to_have_url(re.compile(rf"/sandbox/{provider}/"))
        check(page)
    page = browser_session.new_page(phone=device == "phone")
    page.goto("/accounts/login/")
    page.locator("a.btn-eid").click()
    expect(page).to_have_url(re.compile(r"/sandbox/eid/authorize/"))
    check(page)
    page.locator("#resident-q").fill(world.resident.personal_id)
    page.locator("#resident-q").press("Enter")
    check(page)
    assert not problems, "\n".join(problems)
