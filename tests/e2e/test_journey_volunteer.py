"""Journey (d): at a mobile-team session, a volunteer files a dossier on behalf of a citizen who
has no smartphone: identifies them by ID number, records the channel, has the citizen confirm
their consent with the code sent to their (basic) phone, scans the paper document, submits; the
citizen later finds the dossier in their account."""

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.world import PDF_BYTES, journey_world

from .a11y import assert_accessible
from .flows import citizen_create, password_login

pytestmark = pytest.mark.e2e


@pytest.fixture
def world(transactional_db, site_url):
    return journey_world()


def _sms_received(settings, phone: str) -> str:
    """The newest SMS the embedded outbox "sent" to this phone (it stands for the citizen's phone)."""
    messages = [json.loads(p.read_text()) for p in sorted(Path(settings.OUTBOX_DIR, "sms").glob("*.json"))]
    return [m["text"] for m in messages if m["to"] == phone][-1]


def test_volunteer_files_on_behalf_of_a_citizen_at_a_mobile_team_session(browser_session, world, settings):
    from dossiers.models import Channel, Dossier, Status
    from portal.models import AuditEvent

    citizen = citizen_create(email="cu.tam@example.vn", full_name="Võ Văn Tám", personal_id="086058001122")
    volunteer = world.officials["volunteer"]

    page = browser_session.new_page(phone=True)  # the mobile team works from a phone or tablet
    password_login(page, volunteer, with_totp=True)
    page.goto(f"/thu-tuc/{world.version.code}/")
    page.locator("a.btn-file").first.click()
    page.locator(f"a[href='/ho-so/nop-thay/{world.version.code}/']").click()

    # Identify the citizen and record the channel.
    expect(page).to_have_url(re.compile(r"/ho-so/nop-thay/"))
    assert_accessible(page)
    page.locator("input[name=personal_id]").fill(citizen.personal_id)
    page.locator(f"input[name=channel][value={Channel.MOBILE_TEAM}]").check()
    page.locator("input[name=consent]").check()
    page.locator("main form button[type=submit]").click()

    # The citizen confirms their consent: nothing of theirs is shown before.
    expect(page).to_have_url(re.compile(r"/buoc/consent/$"))
    expect(page.locator("main")).not_to_contain_text(citizen.full_name)
    expect(page.locator(".stepper [aria-current=step]")).to_contain_text("Đồng ý của người nộp")
    page.locator("button[name=action][value=sms]").click()
    code_box = page.locator("input[name=code]")
    expect(code_box).to_be_visible()
    assert_accessible(page)
    code = re.search(r"\b(\d{6})\b", _sms_received(settings, citizen.phone)).group(1)  # read out to the volunteer
    code_box.fill(code)
    page.locator("button[name=action][value=verify]").click()

    # The applicant step carries the citizen's identity, not the volunteer's.
    expect(page).to_have_url(re.compile(r"/buoc/applicant/$"))
    expect(page.locator("#id_full_name")).to_have_value(citizen.full_name)
    expect(page.locator("#id_personal_id")).to_have_value(citizen.personal_id)
    page.locator("#id_address").fill("Ấp Phú Hòa, xã Phú Thuận, tỉnh Vĩnh Long")
    page.locator("button[name=action][value=next]").click()

    expect(page).to_have_url(re.compile(r"/buoc/form/$"))
    expect(page.get_by_test_id("identity-facts")).to_contain_text(citizen.full_name)
    page.locator("#id_child_full_name").fill("Võ Thị Mai")
    page.locator("#id_child_birth_date").fill("2026-11-05")
    page.locator("#id_declaration").check()
    page.locator("button[name=action][value=next]").click()

    # Scan of the paper birth certificate.
    expect(page).to_have_url(re.compile(r"/buoc/documents/$"))
    page.locator("#file_giay-chung-sinh").set_input_files(
        {"name": "scan-giay-chung-sinh.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
    )
    page.locator("button[name=action][value=next]").click()
    expect(page).to_have_url(re.compile(r"/buoc/review/$"))
    assert_accessible(page)
    page.locator("button[name=action][value=submit]").click()
    expect(page).to_have_url(re.compile(r"/ho-so/\d+/$"))

    dossier = Dossier.objects.get(citizen=citizen)
    assert dossier.status == Status.SUBMITTED and dossier.code
    assert dossier.filed_by == volunteer
    assert dossier.channel == Channel.MOBILE_TEAM
    assert dossier.consent_recorded
    assert AuditEvent.objects.filter(actor=volunteer, subject=citizen, action="view").exists()
    assert dossier.files.filter(kind="scan").exists()
    assert not Dossier.objects.filter(citizen=volunteer).exclude(status=Status.DRAFT).exists()

    # The citizen, logging in later, finds the dossier filed for them.
    mine = browser_session.new_page(phone=True)
    browser_session.login(mine, citizen)
    mine.goto("/ho-so/cua-toi/")
    expect(mine.locator("main")).to_contain_text(dossier.code)
    assert_accessible(mine)
