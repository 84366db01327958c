"""The citizen's dossier page leads with the next step; what happens after submission; the
small things of issue 18 that live in the dossier pages (lookup, dates)."""

import datetime as dt
import re

from django.template import Context, Template
from django.urls import reverse

from dossiers import services

from .conftest import pdf_upload
from .factories import official


def _next_step(html: str) -> str:
    match = re.search(r'<section class="card next-step[^"]*".*?</section>', html, re.S)
    assert match, "no next-step card"
    return match.group(0)


def test_after_submission_the_page_greets_with_the_code_and_the_next_step_once(client, pv, citizen):
    draft = services.dossier_draft_create(citizen=citizen, procedure_version=pv)
    services.dossier_draft_update(dossier=draft, by=citizen, form_data={"reason": "Kết hôn"})
    services.dossier_file_add(dossier=draft, by=citizen, doc_key="to-khai", upload=pdf_upload())
    client.force_login(citizen)
    response = client.post(reverse("dossiers:step", args=[draft.pk, "review"]), {"action": "submit"}, follow=True)
    draft.refresh_from_db()
    html = response.content.decode()
    banner = re.search(r'<div class="alert alert-success submitted-banner".*?</div>', html, re.S).group(0)
    assert "Hồ sơ của bạn đã được nộp." in banner and draft.code in banner
    assert "Chờ cơ quan tiếp nhận hồ sơ" in _next_step(html)
    assert html.index("submitted-banner") < html.index("next-step") < html.index('class="facts"')
    # Once: coming back later shows the next step, not the greeting.
    again = client.get(reverse("dossiers:detail", args=[draft.pk])).content.decode()
    assert "submitted-banner" not in again and "next-step" in again


def test_processing_shows_the_appointment_date(client, received, citizen):
    client.force_login(citizen)
    card = _next_step(client.get(reverse("dossiers:detail", args=[received.pk])).content.decode())
    assert "Hồ sơ đang được giải quyết" in card
    assert f"Ngày hẹn trả kết quả: <strong>{received.due_at:%d/%m/%Y}</strong>" in card


def test_supplements_requested_lead_with_uploading_them(client, received, citizen):
    services.dossier_request_supplement(dossier=received, by=official(received.agency, "processing"), missing="Ảnh")
    client.force_login(citizen)
    html = client.get(reverse("dossiers:detail", args=[received.pk])).content.decode()
    card = _next_step(html)
    assert "Nộp giấy tờ bổ sung" in card and 'href="#bo-sung"' in card and 'id="bo-sung"' in html


def test_a_returned_result_leads_with_rating(client, received, citizen):
    d = services.dossier_approve(dossier=received, by=official(received.agency, "processing"), paper_result=True)
    d = services.dossier_return_result(dossier=d, by=official(received.agency, "intake"))
    client.force_login(citizen)
    html = client.get(reverse("dossiers:detail", args=[d.pk])).content.decode()
    card = _next_step(html)
    assert "Đánh giá mức độ hài lòng" in card and 'href="#danh-gia"' in card and 'id="danh-gia"' in html
    services.dossier_rate(dossier=d, by=citizen, score=5, comment="")
    html = client.get(reverse("dossiers:detail", args=[d.pk])).content.decode()
    assert 'id="danh-gia"' not in html


def test_public_lookup_ignores_case_and_surrounding_spaces(client, received):
    typed = f"  {received.code.lower()}  "
    html = client.get(reverse("dossiers:lookup"), {"code": typed}).content.decode()
    assert "Không tìm thấy hồ sơ" not in html and received.procedure_version.name in html
    assert client.get(f"/api/v1/lookup/{received.code.lower()}/").status_code == 200


def test_dates_read_day_first_everywhere():
    rendered = Template("{% load portal_dates %}{{ iso|dmy }} {{ day|dmy }} {{ day|date }} {{ empty|dmy:'—' }}").render(
        Context({"iso": "1994-05-17", "day": dt.date(1994, 5, 17), "empty": ""})
    )
    assert rendered == "17/05/1994 17/05/1994 17/05/1994 —"


def test_review_shows_the_birth_date_day_first(client, pv, citizen):
    draft = services.dossier_draft_create(citizen=citizen, procedure_version=pv)
    client.force_login(citizen)
    html = client.get(reverse("dossiers:step", args=[draft.pk, "review"])).content.decode()
    born = draft.applicant.get("date_of_birth")
    assert born, "the factory citizen has a birth date"
    assert dt.date.fromisoformat(born).strftime("%d/%m/%Y") in html and born not in html


def test_change_links_sit_outside_the_headings(client, pv, citizen):
    draft = services.dossier_draft_create(citizen=citizen, procedure_version=pv)
    client.force_login(citizen)
    html = client.get(reverse("dossiers:step", args=[draft.pk, "review"])).content.decode()
    assert re.findall(r'class="change-link"', html)
    assert not re.search(r"<h2>[^<]*<a ", html)


def test_account_menu_links_to_the_profile_and_the_inbox(client, citizen):
    client.force_login(citizen)
    html = client.get(reverse("dossiers:mine")).content.decode()
    menu = re.search(r'<details class="user-menu">.*?</details>', html, re.S).group(0)
    assert f'href="{reverse("identity:profile")}">Tài khoản của tôi<' in menu
    assert f'href="{reverse("inbox")}"' in menu
