"""Journey (a): catalog staff. An editor (with two-factor) creates a draft procedure in the admin
with required documents, a fee and an e-form; it stays invisible to the public; a publisher
publishes it; citizens then find it by typing its name without diacritics."""

import re

import pytest
from playwright.sync_api import expect

from tests.support.world import journey_world

from .a11y import assert_accessible
from .flows import password_login

pytestmark = pytest.mark.e2e

SCHEMA = [
    {
        "name": "husband_full_name",
        "type": "text",
        "label": {"vi": "Họ và tên người chồng", "en": "Husband's full name"},
        "required": True,
    },
    {
        "name": "wife_full_name",
        "type": "text",
        "label": {"vi": "Họ và tên người vợ", "en": "Wife's full name"},
        "required": True,
    },
]


@pytest.fixture
def world(transactional_db, site_url):
    return journey_world()


def _add_inline_row(page, group: str) -> None:
    page.locator(f"#{group}-group .add-row a").click()


def add_eform_field(page, *, name, label, type_="text", required=False, options="") -> None:
    """The e-form editor: "Thêm trường" adds a row; the row is filled like any form (no JSON)."""
    index = page.locator("#eform-rows .eform-row-list > fieldset.eform-row").count()
    page.get_by_role("button", name="Thêm trường").click()
    page.locator(f"#id_eform-{index}-name").fill(name)
    page.locator(f"#id_eform-{index}-type").select_option(type_)
    page.locator(f"#id_eform-{index}-label_vi").fill(label["vi"])
    page.locator(f"#id_eform-{index}-label_en").fill(label.get("en", ""))
    if required:
        page.locator(f"#id_eform-{index}-required").check()
    if options:
        page.locator(f"#id_eform-{index}-options").fill(options)


def test_editor_drafts_publisher_publishes_and_citizens_find_it(browser_session, world):
    from catalog.models import Procedure, ProcedureVersion

    editor = browser_session.new_page()
    password_login(editor, world.officials["catalog_editor"], with_totp=True)
    editor.goto("/admin/services/procedure/add/")
    editor.locator("#id_code").fill("1.000894")
    editor.locator("#id_name").fill("Đăng ký kết hôn")
    editor.locator("#id_field").select_option(label="Hộ tịch")
    editor.locator("#id_description").fill("Đăng ký kết hôn giữa công dân Việt Nam với nhau cư trú ở trong nước.")
    editor.locator("#id_level").select_option("commune")
    editor.locator("#id_agencies_from").select_option(label=world.agency.name)
    editor.locator("#id_agencies_add").click()
    editor.locator("#id_online_level").select_option("full")
    editor.locator("#id_processing_time_value").fill("3")
    for field in SCHEMA:
        add_eform_field(editor, name=field["name"], label=field["label"], required=field["required"])
    _add_inline_row(editor, "documents")
    editor.locator("#id_documents-0-key").fill("to-khai")
    editor.locator("#id_documents-0-name").fill("Tờ khai đăng ký kết hôn")
    _add_inline_row(editor, "fees")
    editor.locator("#id_fees-0-name").fill("Lệ phí đăng ký kết hôn")
    editor.locator("#id_fees-0-amount").fill("30000")
    editor.locator("input[name=_save]").click()
    expect(editor.locator(".messagelist .success")).to_be_visible()
    procedure = Procedure.objects.get(code="1.000894")
    assert procedure.documents.count() == 1 and procedure.fees.count() == 1
    assert procedure.form_schema == SCHEMA
    # The editor cannot publish: no publish button for them.
    editor.goto(f"/admin/services/procedure/{procedure.pk}/change/")
    expect(editor.locator("a.publish-button")).to_have_count(0)

    # Not public yet.
    citizen = browser_session.new_page(phone=True)
    citizen.goto("/thu-tuc/?q=dang+ky+ket+hon")
    expect(citizen.locator("main h1")).to_be_visible()
    expect(citizen.locator("main a[href='/thu-tuc/1.000894/']")).to_have_count(0)
    assert citizen.request.get("/thu-tuc/1.000894/").status == 404

    publisher = browser_session.new_page()
    password_login(publisher, world.officials["catalog_publisher"], with_totp=True)
    publisher.goto(f"/admin/services/procedure/{procedure.pk}/change/")
    publisher.locator("a.publish-button").click()
    expect(publisher.locator(".publish-diff")).to_contain_text("Họ và tên người chồng")
    publisher.get_by_role("button", name="Công bố ngay").click()
    expect(publisher.locator(".messagelist .success")).to_be_visible()
    version = ProcedureVersion.objects.get(procedure=procedure, status=ProcedureVersion.Status.PUBLISHED)
    assert version.published_by == world.officials["catalog_publisher"]

    # A citizen types it without diacritics and finds it, with its documents and fee.
    citizen.goto("/")
    citizen.locator("#hero-q").fill("dang ky ket hon")
    citizen.locator("#hero-q").press("Enter")
    link = citizen.locator("main a[href='/thu-tuc/1.000894/']")
    expect(link.first).to_be_visible()
    assert_accessible(citizen)
    link.first.click()
    expect(citizen.locator("h1")).to_have_text("Đăng ký kết hôn")
    expect(citizen.locator("main")).to_contain_text("Tờ khai đăng ký kết hôn")
    expect(citizen.locator("main")).to_contain_text(re.compile(r"30[.,]000"))
    assert_accessible(citizen)
