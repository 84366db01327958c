"""The pages the lifecycle changed, in a real browser: the citizen sees where a liên thông bundle
is (which part is current, which waits for the previous result); the head of the agency sees the
proposal to sign off, with the actions the lifecycle table offers. Screenshots (phone and desktop)
go to $LIFECYCLE_SHOTS when set."""

import os
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from dossiers import services
from identity.roles import INTAKE, LEADER, PROCESSING
from tests.dossiers.conftest import pdf_upload
from tests.dossiers.factories import AgencyFactory, CitizenFactory, official, version
from tests.support.mfa import staff_login

SHOTS = os.environ.get("LIFECYCLE_SHOTS")


def _shot(page, name):
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def _login_staff(browser_session, page, user):
    from django.conf import settings

    client = staff_login(Client(), user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": browser_session.base_url}])


@pytest.mark.django_db(transaction=True)
def test_bundle_progress_and_sign_off_pages(browser_session):
    birth_agency = AgencyFactory(code="000.00.31.H57", name="UBND phường Long Châu")
    police = AgencyFactory(code="000.00.41.H57", name="Công an phường Long Châu")
    ref = lambda a: {"id": a.pk, "code": a.code, "name": a.name}  # noqa: E731
    pv = version(
        code="2.000003",
        name="Liên thông khai sinh, thường trú, BHYT",
        agencies=[birth_agency],
        is_bundle=True,
        needs_signoff=True,
        bundle_parts=[
            {"name": "Đăng ký khai sinh", "agency": ref(birth_agency)},
            {"name": "Đăng ký thường trú", "agency": ref(police)},
            {"name": "Cấp thẻ BHYT cho trẻ em dưới 6 tuổi", "agency": ref(police)},
        ],
    )
    citizen = CitizenFactory()
    intake, processing = official(birth_agency, INTAKE), official(birth_agency, PROCESSING)
    leader = official(birth_agency, LEADER)
    draft = services.dossier_draft_create(citizen=citizen, procedure_version=pv)
    services.dossier_draft_update(dossier=draft, by=citizen, form_data={"reason": "Khai sinh"})
    services.dossier_file_add(dossier=draft, by=citizen, doc_key="to-khai", upload=pdf_upload())
    parent = services.dossier_submit(dossier=draft, by=citizen)
    birth = parent.parts.order_by("pk").first()
    birth = services.dossier_receive(dossier=birth, by=intake)
    birth = services.dossier_propose_approve(dossier=birth, by=processing, result_file=pdf_upload("du-thao.pdf"))

    for phone in (True, False):
        page = browser_session.new_page(phone=phone)
        browser_session.login(page, citizen)
        page.goto(reverse("dossiers:detail", args=[parent.pk]))
        body = page.locator("main").inner_text()
        assert "Tiến độ hồ sơ liên thông" in body
        assert "bước hiện tại" in body and "chờ phần trước có kết quả" in body
        _shot(page, f"bundle-{'390' if phone else '1280'}")

        page = browser_session.new_page(phone=phone)
        _login_staff(browser_session, page, leader)
        page.goto(reverse("admin:dossiers_dossier_change", args=[birth.pk]))
        body = page.locator("body").inner_text()
        assert "Ký duyệt" in body and "Trả lại để xử lý lại" in body
        assert "Phê duyệt kết quả" not in body  # awaiting sign-off: only the head's two actions
        _shot(page, f"signoff-{'390' if phone else '1280'}")
