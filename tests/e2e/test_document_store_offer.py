"""The citizen's store offers a signed result first (issue 11): a birth registration's signed
result, returned, reaches the citizen's store; a later procedure that accepts a birth extract
offers it at the top of its item in the documents step, ticked, on a phone and a desktop.

With STORE_SHOTS=<folder> the test saves screenshots (390 and 1280 px)."""

import contextlib
import os
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from dossiers import services
from dossiers.models import DossierFile
from identity.models import PersonalDocument
from identity.roles import INTAKE, LEADER, PROCESSING
from tests.dossiers.factories import AgencyFactory, CitizenFactory, official, version
from tests.dossiers.test_document_store import STORE_DOC, _birth_registration_life

from .a11y import assert_accessible

pytestmark = pytest.mark.e2e


def _shot(page, name: str) -> None:
    folder = os.environ.get("STORE_SHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}-{page.viewport_size['width']}.png"), full_page=True)


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_the_documents_step_offers_the_signed_result_first(browser_session, phone):
    agency = AgencyFactory(code="000.00.31.H57", name="UBND phường Long Châu")
    citizen = CitizenFactory()
    _birth_registration_life(
        agency=agency,
        citizen=citizen,
        intake=official(agency, INTAKE),
        processor=official(agency, PROCESSING),
        leader=official(agency, LEADER),
        capture=lambda execute: contextlib.nullcontext(),
    )
    stored = PersonalDocument.objects.get(owner=citizen, signed=True)
    tk = {**STORE_DOC, "key": "to-khai-tk1", "name": "Tờ khai TK1-TS", "mandatory": True, "reusable_kinds": []}
    later = version(
        code="1.000229",
        name="Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi",
        agencies=[agency],
        documents=[tk, STORE_DOC],
    )
    draft = services.dossier_draft_create(citizen=citizen, procedure_version=later)

    page = browser_session.new_page(phone=phone)
    browser_session.login(page, citizen)
    page.goto(reverse("dossiers:step", args=[draft.pk, "documents"]))
    item = page.locator("fieldset", has_text="Giấy khai sinh của trẻ")
    offer = item.locator(".store-offer")
    expect(offer).to_contain_text("Đã có trong kho dữ liệu của bạn, được cấp và ký số")
    expect(offer).to_contain_text("Cấp bởi UBND phường Long Châu, đã xác thực")
    expect(offer.get_by_role("checkbox", name=f"Dùng {stored.title}")).to_be_checked()
    # first in its item: above the upload field
    assert offer.bounding_box()["y"] < item.get_by_label("Tải tệp lên").bounding_box()["y"]
    assert_accessible(page)
    _shot(page, "documents-step-store-offer")

    page.get_by_role("button", name="Thêm tệp", exact=True).click()
    expect(item.locator(".doc-files")).to_contain_text(stored.title)
    expect(item.locator(".store-offer")).to_have_count(0)  # attached: no longer offered
    assert DossierFile.objects.get(dossier=draft, doc_key="giay-khai-sinh").personal_document == stored

    page.goto(reverse("identity:documents"))
    expect(page.get_by_text("Cấp bởi UBND phường Long Châu, đã xác thực: bản gốc có chữ ký số.")).to_be_visible()
    _shot(page, "store-page-signed-result")
