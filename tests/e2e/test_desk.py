"""The clerk's workspace in a real browser (issue 19): the "mine" queue lists what a clerk
claimed; a clerk receives a dossier and downloads form 01 from the success message; a refusal asks
for confirmation; the leader's indicators and the public statistics page. axe-core finds no
violation on these pages. Screenshots (1280×800 and 390×844) go to $DESK_SHOTS when set."""

import os
import re
from pathlib import Path

import pytest
from django.test import Client
from playwright.sync_api import expect

from tests.support.mfa import staff_login
from tests.support.world import journey_world

from .a11y import axe_run, describe
from .flows import citizen_create, dossier_submitted, pdf_text

pytestmark = pytest.mark.e2e

SHOTS = os.environ.get("DESK_SHOTS")


@pytest.fixture
def world(transactional_db, site_url):
    return journey_world()


def _shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def _login(browser_session, page, user):
    from django.conf import settings

    client = staff_login(Client(), user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": browser_session.base_url}])


WCAG_A_AA = {"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}


def _no_violation(page):
    """No WCAG 2.1 A/AA violation of any impact (minor included)."""
    violations = [v for v in axe_run(page) if WCAG_A_AA & set(v.get("tags", []))]
    assert not violations, f"axe found violations on {page.url}:\n{describe(violations)}"


def _no_horizontal_overflow(page):
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth + 1")


def test_a_clerk_claims_receives_and_downloads_form_01(browser_session, world):
    from dossiers.models import Dossier, Status

    citizen = citizen_create()
    dossier = dossier_submitted(world, citizen)
    clerk = world.officials["intake"]

    page = browser_session.new_page()
    _login(browser_session, page, clerk)
    page.goto("/admin/dossiers/dossier/?queue=new")
    row = page.locator("#result_list tr", has_text=dossier.code)
    row.locator("input[name=_selected_action]").check()
    page.locator("select[name=action]").select_option("claim_selected")
    page.locator("button[name=index]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()

    # The "mine" tab lists it, with its count, applicant, fee and handler.
    page.locator("a[data-queue=mine]").click()
    expect(page.locator("a[data-queue=mine]")).to_have_attribute("aria-current", "page")
    expect(page.locator("a[data-queue=mine] .qt-count")).to_have_text("1")
    row = page.locator("#result_list tbody tr", has_text=dossier.code)
    expect(row).to_be_visible()
    expect(row).to_contain_text(citizen.full_name)
    expect(row.locator("td.field-fee_status")).to_contain_text("Đã nộp phí")
    _no_violation(page)
    _no_horizontal_overflow(page)
    _shot(page, "queue-mine-1280")

    phone = browser_session.new_page(phone=True)
    _login(browser_session, phone, clerk)
    phone.goto("/admin/dossiers/dossier/?queue=mine")
    card = phone.locator("#result_list tbody tr", has_text=dossier.code)
    expect(card).to_contain_text(citizen.full_name)  # the applicant's column is not cut off
    _no_horizontal_overflow(phone)
    _shot(phone, "queue-mine-390")

    # The dossier screen: identity, fee panel, actions; receive, then form 01 in the message.
    page.goto(f"/admin/dossiers/dossier/{dossier.pk}/change/")
    expect(page.locator("#dp-fee")).to_contain_text("Đã nộp phí")
    expect(page.locator(".dp-facts").first).to_contain_text("Mức 2")
    _no_violation(page)
    _shot(page, "dossier-1280")
    phone.goto(f"/admin/dossiers/dossier/{dossier.pk}/change/")
    _no_horizontal_overflow(phone)
    _shot(phone, "dossier-390")

    page.locator("form#action-receive button[type=submit]").click()
    link = page.locator(".messagelist .success a.issued-link")
    expect(link).to_contain_text("mẫu 01")
    _shot(page, "dossier-received-1280")
    with page.expect_download() as download_info:
        link.click()
    data = Path(download_info.value.path()).read_bytes()
    assert data.startswith(b"%PDF") and dossier.code in pdf_text(data)
    assert Dossier.objects.get(pk=dossier.pk).status == Status.IN_PROCESSING


def test_a_refusal_asks_for_confirmation(browser_session, world):
    from dossiers.models import Dossier, Status

    dossier = dossier_submitted(world, citizen_create())
    page = browser_session.new_page()
    _login(browser_session, page, world.officials["intake"])
    page.goto(f"/admin/dossiers/dossier/{dossier.pk}/change/")
    form = page.locator(".dp-danger-zone form#action-reject_intake")
    expect(form.locator("button.dp-button-danger")).to_have_text(re.compile("Từ chối tiếp nhận hồ sơ"))
    form.locator("textarea").fill("Hồ sơ không thuộc thẩm quyền của xã")
    form.locator("button[type=submit]").click()
    # Not confirmed: the browser stops at the box, nothing is sent.
    assert form.locator("input[name=confirm]").evaluate("el => !el.validity.valid")
    assert Dossier.objects.get(pk=dossier.pk).status == Status.SUBMITTED
    form.locator("input[name=confirm]").check()
    form.locator("button[type=submit]").click()
    expect(page.locator(".messagelist .success")).to_be_visible()
    assert Dossier.objects.get(pk=dossier.pk).status == Status.REJECTED


def test_indicators_and_public_statistics(browser_session, world):
    from dossiers import services
    from tests.dossiers.conftest import pdf_upload

    leader = world.officials["leader"]
    # Figures to draw: two dossiers resolved this month (one with an electronic result), one rated.
    citizen = citizen_create()
    for electronic in (True, False):
        d = services.dossier_receive(dossier=dossier_submitted(world, citizen), by=world.officials["intake"])
        d = services.dossier_approve(
            dossier=d, by=leader, result_file=pdf_upload("ket-qua.pdf") if electronic else None, paper_result=True
        )
        d = services.dossier_return_result(dossier=d, by=world.officials["intake"])
    services.dossier_rate(dossier=d, by=d.citizen, score=5)
    page = browser_session.new_page()
    _login(browser_session, page, leader)
    page.goto("/admin/dossiers/dossier/indicators/")
    expect(page.locator(".indicators-table")).to_be_visible()
    expect(page.locator("svg.chart")).to_have_count(8)
    expect(page.locator("#content")).not_to_contain_text("INDICATOR_WEIGHTS")
    # Every column in view at 1280 px: the table does not need its sideways scroll.
    assert page.locator(".indicators-scroll").evaluate("el => el.scrollWidth <= el.clientWidth + 1")
    _no_violation(page)
    _no_horizontal_overflow(page)
    _shot(page, "indicators-1280")
    phone = browser_session.new_page(phone=True)
    _login(browser_session, phone, leader)
    phone.goto("/admin/dossiers/dossier/indicators/")
    _no_horizontal_overflow(phone)
    _shot(phone, "indicators-390")

    public = browser_session.new_page()
    public.goto("/thong-ke/")
    expect(public.locator("h1")).to_have_text("Thống kê, đánh giá chất lượng phục vụ")
    expect(public.locator("td, th", has_text=world.agency.name).first).to_be_visible()
    _no_violation(public)
    _no_horizontal_overflow(public)
    _shot(public, "public-statistics-1280")
    public_phone = browser_session.new_page(phone=True)
    public_phone.goto("/thong-ke/")
    _no_horizontal_overflow(public_phone)
    _shot(public_phone, "public-statistics-390")
