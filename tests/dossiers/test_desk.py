"""The clerk's workspace (issue 19): queue tabs with counts, the "mine" queue, the audited search
for an applicant, the dossier screen's officials and the confirmation of destructive actions
checked by the server, and the issued form offered in the success message."""

import pytest
from django.urls import reverse

from dossiers import services
from dossiers.models import Dossier, Status
from portal.audit import audit_events

from .factories import official
from .test_admin import _many

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_staff_2fa(settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "StaffTwoFactor" not in m]


QUEUE = "admin:dossiers_dossier_changelist"


def _tab(page: str, key: str) -> str:
    """The text of one queue tab (its label and count)."""
    start = page.index(f'data-queue="{key}"')
    return page[page.index(">", start) + 1 : page.index("</a>", start)]


def test_mine_lists_what_the_clerk_claimed_and_the_tabs_count(client, pv, citizen, intake, agency):
    first, second, _third = _many(pv, citizen, 3)
    colleague = official(agency, "intake")
    services.dossier_claim(dossier=first, by=intake)
    services.dossier_claim(dossier=second, by=colleague)
    client.force_login(intake)
    page = client.get(reverse(QUEUE) + "?queue=mine").content.decode()
    assert first.code in page and second.code not in page
    assert _tab(page, "mine").endswith(">1</span>")
    assert _tab(page, "new").endswith(">3</span>")
    assert 'aria-current="page" data-queue="mine"' in page
    # The columns a clerk works from, in Vietnamese.
    for heading in ("Người nộp", "Ngày nộp", "Lệ phí", "Cán bộ phụ trách"):
        assert heading in page


def test_a_tab_count_above_the_cap_reads_999_plus(client, pv, citizen, intake, settings, monkeypatch):
    from dossiers import selectors

    monkeypatch.setattr(selectors, "QUEUE_COUNT_CAP", 2)
    _many(pv, citizen, 3)
    client.force_login(intake)
    page = client.get(reverse(QUEUE)).content.decode()
    assert _tab(page, "new").endswith(">2+</span>")


def test_due_column_gives_working_days_left(client, received, intake):
    client.force_login(intake)
    page = client.get(reverse(QUEUE) + "?queue=processing").content.decode()
    assert "ngày làm việc" in page or "Đến hạn hôm nay" in page


def test_search_by_name_or_personal_id_finds_the_dossier_and_is_audited(client, pv, citizen, other_citizen, intake):
    mine = _many(pv, citizen, 1)[0]
    theirs = _many(pv, other_citizen, 1)[0]
    client.force_login(intake)
    page = client.get(reverse(QUEUE), {"q": "Tám"}).content.decode()
    assert theirs.code in page and mine.code not in page
    page = client.get(reverse(QUEUE), {"q": citizen.personal_id}).content.decode()
    assert mine.code in page and theirs.code not in page
    details = [e.detail for e in audit_events().filter(actor=intake)]
    assert "tìm hồ sơ theo tên" in " ".join(details).lower()
    assert "tìm hồ sơ theo số định danh" in " ".join(details).lower()
    # A code is not personal data: not audited.
    before = audit_events().filter(actor=intake).count()
    client.get(reverse(QUEUE), {"q": mine.code})
    assert audit_events().filter(actor=intake).count() == before


def test_a_refusal_without_the_confirmation_box_is_refused_by_the_server(client, submitted, intake):
    client.force_login(intake)
    url = reverse("admin:dossiers_dossier_action", args=[submitted.pk, "reject_intake"])
    page = client.post(url, {"reject_intake-reason": "Hồ sơ không thuộc thẩm quyền"}).content.decode()
    submitted.refresh_from_db()
    assert submitted.status == Status.SUBMITTED
    assert "Đánh dấu ô xác nhận" in page
    client.post(url, {"reject_intake-reason": "Hồ sơ không thuộc thẩm quyền", "confirm": "yes"})
    submitted.refresh_from_db()
    assert submitted.status == Status.REJECTED


def test_destructive_actions_sit_apart_with_a_confirmation_box(client, submitted, intake):
    client.force_login(intake)
    page = client.get(reverse("admin:dossiers_dossier_change", args=[submitted.pk])).content.decode()
    zone = page[page.index('class="dp-danger-zone"') :]
    assert 'id="action-reject_intake"' in zone and 'name="confirm" value="yes" required' in zone
    assert 'id="action-receive"' not in zone and 'id="action-receive"' in page
    assert "Từ chối tiếp nhận hồ sơ" in zone


@pytest.mark.django_db(transaction=True)  # the form's PDF job runs when the step commits (eager here)
def test_receiving_offers_form_01_in_the_success_message(client, submitted, intake):
    client.force_login(intake)
    response = client.post(reverse("admin:dossiers_dossier_action", args=[submitted.pk, "receive"]), follow=True)
    page = response.content.decode()
    doc = Dossier.objects.get(pk=submitted.pk).issued_documents.get(kind="receipt")
    assert doc.file
    link = reverse("dossiers:issued_download", args=[submitted.pk, doc.pk])
    messages = page[page.index('class="messagelist"') :]
    assert f'href="{link}"' in messages[: messages.index("</ul>")]
    assert client.get(link).status_code == 200


def test_the_screen_names_the_intake_and_the_processing_official(client, received, intake, processor):
    received.assigned_to = processor
    received.save(update_fields=["assigned_to"])
    client.force_login(intake)
    page = client.get(reverse("admin:dossiers_dossier_change", args=[received.pk])).content.decode()
    intake_row = page[page.index("Cán bộ tiếp nhận") :][:300]
    processing_row = page[page.index("Cán bộ xử lý") :][:300]
    assert str(intake) in intake_row or intake.get_full_name() in intake_row
    assert str(processor) in processing_row or processor.get_full_name() in processing_row
    assert 'href="#dp-timeline"' in page and 'id="dp-timeline"' in page


def test_cached_counts_follow_the_officials_own_claim(client, pv, citizen, intake, settings):
    from django.core.cache import cache

    settings.DOSSIER_QUEUE_COUNTS_SECONDS = 60
    cache.clear()
    dossier = _many(pv, citizen, 1)[0]
    client.force_login(intake)
    assert _tab(client.get(reverse(QUEUE)).content.decode(), "mine").endswith(">0</span>")
    client.post(reverse(QUEUE), {"action": "claim_selected", "_selected_action": [dossier.pk], "index": 0})
    assert _tab(client.get(reverse(QUEUE)).content.decode(), "mine").endswith(">1</span>")
    cache.clear()


def test_the_queue_counts_days_left_by_an_exception_saved_a_moment_ago(client, received, intake):
    """The queue keeps the province's calendar exceptions between pages; an exception saved or
    deleted shows on the next page, in every process (their version in the shared cache is
    dropped), and the page does not read the exceptions again until then."""
    import datetime as dt
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from dossiers.calendar import is_working_day
    from dossiers.models import CalendarException

    today = timezone.localdate()
    day = today + dt.timedelta(days=1)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    due = day + dt.timedelta(days=12)
    Dossier.objects.filter(pk=received.pk).update(
        due_at=timezone.make_aware(dt.datetime.combine(due, dt.time(17, 0))), status=Status.IN_PROCESSING
    )
    client.force_login(intake)
    url = reverse(QUEUE) + "?queue=processing"

    def days_left() -> int:
        page = client.get(url).content.decode()
        row = page[page.index(received.code) :]
        return int(re.search(r"còn (\d+) ngày làm việc", row).group(1))

    before = days_left()
    with CaptureQueriesContext(connection) as again:
        assert days_left() == before
    assert not [q for q in again.captured_queries if "calendarexception" in q["sql"]]

    exception = CalendarException.objects.create(date=day, kind=CalendarException.Kind.DAY_OFF, name="Nghỉ bù")
    assert days_left() == before - 1
    exception.delete()
    assert days_left() == before
