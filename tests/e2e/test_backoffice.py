"""The back office as catalog staff use it: an editor adds a fee row and a choice field without
typing JSON, the publisher sees what changes, publishes, and the public page shows it; axe finds
no violation on the editor's pages; screenshots of the back office for review."""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.world import journey_world

from .a11y import assert_accessible, blocking_violations, describe
from .flows import password_login
from .test_journey_catalog import add_eform_field

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("BACKOFFICE_SHOTS", "/work/wt/_shots/backoffice"))


@pytest.fixture
def world(transactional_db, site_url):
    return journey_world()


def _shoot(page, name: str) -> None:
    if SHOTS.parent.exists():
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"))
        page.screenshot(path=str(SHOTS / f"{name}-full.png"), full_page=True)


def _no_horizontal_overflow(page) -> None:
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} overflows by {overflow}px"


def test_editor_adds_a_fee_and_a_choice_field_publisher_publishes_after_the_diff(browser_session, world):
    from catalog.models import Procedure

    procedure = Procedure.objects.get(code=world.version.code)
    editor = browser_session.new_page()
    password_login(editor, world.officials["catalog_editor"], with_totp=True)
    editor.goto(f"/admin/services/procedure/{procedure.pk}/change/")
    expect(editor.locator("#id_form_schema")).to_have_count(0)  # no JSON box any more
    expect(editor.locator("#content")).not_to_contain_text("[]")
    editor.locator("#fees-group .add-row a").click()
    editor.locator("#id_fees-1-position").fill("2")
    editor.locator("#id_fees-1-name").fill("Phí cấp bản sao trích lục")
    editor.locator("#id_fees-1-amount").fill("8000")
    add_eform_field(
        editor,
        name="copies_wanted",
        label={"vi": "Số bản sao cần cấp", "en": "Copies wanted"},
        type_="select",
        required=True,
        options="1 | Một bản | One copy\n2 | Hai bản | Two copies",
    )
    _no_horizontal_overflow(editor)
    assert_accessible(editor)  # the fee rows and the e-form rows have accessible names
    _shoot(editor, "procedure-editor-rows-1280")
    editor.locator("input[name=_continue]").click()
    expect(editor.locator(".messagelist .success")).to_be_visible()
    procedure.refresh_from_db()
    select = procedure.form_schema[-1]
    assert select["type"] == "select" and select["required"] is True
    assert select["options"][1] == {"value": "2", "label": {"vi": "Hai bản", "en": "Two copies"}}
    assert procedure.fees.count() == 2
    # The draft now differs from the published version, and says so.
    expect(editor.locator(".eform-badge.changed")).to_contain_text("thay đổi chưa công bố")
    # Not public yet.
    assert "Phí cấp bản sao trích lục" not in editor.request.get(f"/thu-tuc/{procedure.code}/").text()

    publisher = browser_session.new_page()
    password_login(publisher, world.officials["catalog_publisher"], with_totp=True)
    publisher.goto(f"/admin/services/procedure/{procedure.pk}/change/")
    expect(publisher.locator(".eform-badge.changed")).to_be_visible()
    publisher.locator("a.publish-button").click()
    diff = publisher.locator(".publish-diff")
    expect(diff).to_contain_text("Phí cấp bản sao trích lục")
    expect(diff).to_contain_text("Số bản sao cần cấp")
    expect(diff.locator("ins")).to_contain_text(["8.000 đồng"])
    assert_accessible(publisher)
    _shoot(publisher, "publish-diff-fee-1280")
    publisher.get_by_role("button", name="Công bố ngay").click()
    expect(publisher.locator(".messagelist .success")).to_be_visible()
    expect(publisher.locator(".eform-badge.changed")).to_have_count(0)

    citizen = browser_session.new_page(phone=True)
    citizen.goto(f"/thu-tuc/{procedure.code}/")
    expect(citizen.locator("main")).to_contain_text("Phí cấp bản sao trích lục")
    expect(citizen.locator("main")).to_contain_text(re.compile(r"8[.,]000"))


def test_unpublish_asks_for_a_reason_and_is_set_apart(browser_session, world):
    from catalog.selectors import procedure_version_current

    publisher = browser_session.new_page()
    password_login(publisher, world.officials["catalog_publisher"], with_totp=True)
    publisher.goto(f"/admin/services/procedure/{world.version.procedure_id}/change/")
    zone = publisher.locator(".danger-zone")
    expect(zone).to_be_visible()
    zone.get_by_role("link", name=re.compile("Ngừng công bố")).click()
    assert_accessible(publisher)
    publisher.get_by_role("button", name="Đồng ý ngừng công bố").click()
    expect(publisher.locator("#id_reason")).to_be_visible()  # the browser asks for the reason
    assert procedure_version_current(world.version.code) is not None
    publisher.locator("#id_reason").fill("Thủ tục được thay thế bằng thủ tục liên thông")
    publisher.get_by_role("button", name="Đồng ý ngừng công bố").click()
    expect(publisher.locator(".messagelist .success")).to_be_visible()
    assert procedure_version_current(world.version.code) is None


@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_back_office_pages_for_review(browser_session, world, device):
    """Screenshots of the index, a changelist, the editor and the diff; axe on each."""
    from catalog.models import Procedure

    procedure = Procedure.objects.get(code=world.version.code)
    procedure.name += " (sửa)"
    procedure.save()
    page = browser_session.new_page(phone=device == "phone")
    password_login(page, world.officials["catalog_publisher"], with_totp=True)
    size = "390" if device == "phone" else "1280"
    problems = []
    for name, url in [
        ("index", "/admin/"),
        ("changelist", "/admin/services/procedure/"),
        ("procedure-editor", f"/admin/services/procedure/{procedure.pk}/change/"),
        ("publish-diff", f"/admin/services/procedure/{procedure.pk}/publish/"),
    ]:
        assert page.goto(url).status == 200
        expect(page.locator("#site-name")).to_contain_text("Cổng Dịch vụ công")
        if device == "desktop":
            _no_horizontal_overflow(page)
        violations = blocking_violations(page)
        if violations:
            problems.append(f"{url}:\n{describe(violations)}")
        _shoot(page, f"{name}-{size}")
    assert not problems, "\n".join(problems)
