import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from dossiers.calendar import due_at_compute, is_working_day, working_days_between
from dossiers.models import CalendarException

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
pytestmark = pytest.mark.django_db


def at(y, m, d, hh=9, mm=0):
    return dt.datetime(y, m, d, hh, mm, tzinfo=TZ)


def test_weekend_is_skipped():
    # Thursday 2026-03-05, 3 working days: Fri, Mon, Tue.
    due = due_at_compute(received_at=at(2026, 3, 5), value="3", unit="working_days")
    assert due == at(2026, 3, 10, 17, 0)


def test_received_on_saturday_counts_from_monday():
    due = due_at_compute(received_at=at(2026, 3, 7, 10), value="1", unit="working_days")
    # Counted as received Monday 9/3, one working day later: Tuesday 10/3.
    assert due.date() == dt.date(2026, 3, 10)


def test_tet_2026_is_skipped():
    # Friday 2026-02-13; Tết holidays 16–20 Feb 2026 (Mon–Fri): 2 working days -> Mon 23, Tue 24.
    assert not is_working_day(dt.date(2026, 2, 17))
    due = due_at_compute(received_at=at(2026, 2, 13), value="2", unit="working_days")
    assert due.date() == dt.date(2026, 2, 24)


def test_cutoff_moves_receipt_to_next_working_day(settings):
    settings.DOSSIER_INTAKE_CUTOFF = "15:00"
    before = due_at_compute(received_at=at(2026, 3, 2, 14, 59), value="1", unit="working_days")
    after = due_at_compute(received_at=at(2026, 3, 2, 15, 0), value="1", unit="working_days")
    assert before.date() == dt.date(2026, 3, 3)
    assert after.date() == dt.date(2026, 3, 4)


def test_cutoff_is_configurable(settings):
    settings.DOSSIER_INTAKE_CUTOFF = "16:30"
    due = due_at_compute(received_at=at(2026, 3, 2, 15, 30), value="1", unit="working_days")
    assert due.date() == dt.date(2026, 3, 3)


def test_make_up_saturday_counts_and_extra_day_off_does_not():
    CalendarException.objects.create(date=dt.date(2026, 3, 7), kind=CalendarException.Kind.WORKING_DAY, name="Làm bù")
    # Friday 6/3 + 1 working day = the make-up Saturday 7/3.
    assert due_at_compute(received_at=at(2026, 3, 6), value="1", unit="working_days").date() == dt.date(2026, 3, 7)
    CalendarException.objects.create(date=dt.date(2026, 3, 9), kind=CalendarException.Kind.DAY_OFF, name="Nghỉ")
    # Saturday 7/3 (working) + 1 = Tuesday 10/3 (Sunday off, Monday 9/3 an extra day off).
    assert due_at_compute(received_at=at(2026, 3, 7), value="1", unit="working_days").date() == dt.date(2026, 3, 10)


def test_working_hours_skip_lunch_and_night():
    # 10:00 + 4 working hours: 10–12 (2h), lunch, 13–15 (2h) -> 15:00.
    assert due_at_compute(received_at=at(2026, 3, 2, 10), value="4", unit="working_hours") == at(2026, 3, 2, 15)
    # 16:00 after the cut-off, 2 hours: next day 08:00 + 2h = 10:00.
    assert due_at_compute(received_at=at(2026, 3, 2, 16), value="2", unit="working_hours") == at(2026, 3, 3, 10)


def test_calendar_days_end_on_a_working_day():
    # Wed 4/3 + 3 calendar days = Sat 7/3 -> moved to Mon 9/3.
    assert due_at_compute(received_at=at(2026, 3, 4), value="3", unit="calendar_days").date() == dt.date(2026, 3, 9)


def test_working_days_between():
    assert working_days_between(dt.date(2026, 3, 6), dt.date(2026, 3, 10)) == 2
    assert working_days_between(dt.date(2026, 3, 10), dt.date(2026, 3, 6)) == -2


# --- Scope: the province's calendar and an agency's own (issue 16, finding 7) --------------------


def _exception_form(**values):
    return {"date": "2026-03-09", "kind": "day_off", "name": "Nghỉ", "agency": "", **values}


def test_a_commune_leader_cannot_add_or_change_the_province_wide_calendar(client, leader, agency, other_agency):
    from django.core.exceptions import PermissionDenied

    from dossiers.services.calendar import calendar_exception_save
    from tests.support.mfa import staff_login

    province_day = CalendarException.objects.create(date=dt.date(2026, 3, 9), kind="day_off", name="Nghỉ bù")
    staff_login(client, leader)
    url = f"/admin/dossiers/calendarexception/{province_day.pk}/change/"
    assert client.get(url).status_code == 200  # leaders see the province's days, read-only
    assert client.post(url, _exception_form(kind="working_day")).status_code == 403
    assert (
        client.post(f"/admin/dossiers/calendarexception/{province_day.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    for scope in ("", str(other_agency.pk)):  # neither the province nor another agency is offered
        page = client.post("/admin/dossiers/calendarexception/add/", _exception_form(date="2026-03-10", agency=scope))
        assert page.status_code == 200 and "errorlist" in page.content.decode()
    assert list(CalendarException.objects.values_list("date", "kind", "agency")) == [
        (dt.date(2026, 3, 9), "day_off", None)
    ]
    with pytest.raises(PermissionDenied, match="Chỉ cấp tỉnh mới được thay đổi lịch làm việc áp dụng toàn tỉnh"):
        calendar_exception_save(exception=CalendarException(date=dt.date(2026, 3, 11), kind="day_off"), by=leader)


def test_a_leader_keeps_the_calendar_of_their_own_agency(client, leader, agency, other_agency):
    from tests.dossiers.factories import official
    from tests.support.mfa import staff_login

    staff_login(client, leader)
    response = client.post("/admin/dossiers/calendarexception/add/", _exception_form(agency=str(agency.pk)))
    assert response.status_code == 302
    mine = CalendarException.objects.get()
    assert (mine.date, mine.agency) == (dt.date(2026, 3, 9), agency)
    response = client.post(
        f"/admin/dossiers/calendarexception/{mine.pk}/change/", _exception_form(agency=str(agency.pk), name="Đại hội")
    )
    assert response.status_code == 302 and CalendarException.objects.get().name == "Đại hội"
    CalendarException.objects.create(date=dt.date(2026, 3, 10), kind="day_off", name="Nghỉ bù toàn tỉnh")
    listing = client.get("/admin/dossiers/calendarexception/").content.decode()
    assert "Đại hội" in listing and "Toàn tỉnh" in listing and agency.name in listing
    staff_login(client, official(other_agency, "leader"))  # another commune's leader
    listing = client.get("/admin/dossiers/calendarexception/").content.decode()
    assert "Toàn tỉnh" in listing and "Đại hội" not in listing


def test_the_calendar_of_a_dossiers_agency_moves_its_due_date_and_no_other(agency, other_agency, citizen, pv):
    from django.utils import timezone

    from dossiers import services
    from tests.dossiers.conftest import pdf_upload
    from tests.dossiers.factories import official, version

    pv_other = version(code="1.000077", agencies=[other_agency])

    def received(procedure_version, at_agency):
        draft = services.dossier_draft_create(citizen=citizen, procedure_version=procedure_version)
        services.dossier_draft_update(dossier=draft, by=citizen, form_data={"reason": "Kết hôn"})
        services.dossier_file_add(dossier=draft, by=citizen, doc_key="to-khai", upload=pdf_upload())
        submitted = services.dossier_submit(dossier=draft, by=citizen)
        return services.dossier_receive(dossier=submitted, by=official(at_agency, "intake"))

    time = pv.snapshot["processing_time"]
    usual = due_at_compute(received_at=timezone.now(), value=time["value"], unit=time["unit"])
    CalendarException.objects.create(date=usual.date(), kind="day_off", name="Đại hội", agency=agency)
    mine, theirs = received(pv, agency), received(pv_other, other_agency)
    assert timezone.localdate(theirs.due_at) == usual.date()
    assert timezone.localdate(mine.due_at) > usual.date()
    assert not is_working_day(usual.date(), agency_id=agency.pk) and is_working_day(usual.date())


def test_an_agencys_own_exception_wins_over_the_provinces_on_the_same_day(agency):
    CalendarException.objects.create(date=dt.date(2026, 3, 7), kind="working_day", name="Làm bù toàn tỉnh")
    CalendarException.objects.create(date=dt.date(2026, 3, 7), kind="day_off", name="Nghỉ", agency=agency)
    assert is_working_day(dt.date(2026, 3, 7)) and not is_working_day(dt.date(2026, 3, 7), agency_id=agency.pk)


# --- Exactly (issue 17): half days, resubmission after the cut-off, 2026's make-up Saturday ------


def test_half_a_working_day_ends_at_noon_of_the_next_working_day():
    # Monday 2/3 09:00, 0.5 working day: the morning of Tuesday 3/3, not Tuesday evening.
    assert due_at_compute(received_at=at(2026, 3, 2), value="0.5", unit="working_days") == at(2026, 3, 3, 12)
    # 1.5 working days: Wednesday noon; 1.6 counts as two whole days.
    assert due_at_compute(received_at=at(2026, 3, 2), value="1.5", unit="working_days") == at(2026, 3, 4, 12)
    assert due_at_compute(received_at=at(2026, 3, 2), value="1.6", unit="working_days") == at(2026, 3, 4, 17)


@pytest.mark.parametrize(
    ("resubmitted", "paused"),
    [
        # Request on Monday 2/3 at 10:00.
        (at(2026, 3, 2, 11), 0),  # the same morning: no working day lost
        (at(2026, 3, 4, 14, 59), 2),  # Wednesday before the cut-off: Tue, Wed
        (at(2026, 3, 4, 15, 0), 3),  # Wednesday after the cut-off: counts as Thursday
        (at(2026, 3, 7, 10), 5),  # Saturday: counts as Monday 9/3 (Tue..Fri + Mon)
        (at(2026, 3, 2, 16), 1),  # the same day after the cut-off: counts as Tuesday
    ],
)
def test_a_resubmission_after_the_cutoff_or_on_a_day_off_restarts_from_the_next_working_day(
    settings, resubmitted, paused
):
    from dossiers.calendar import supplement_pause_working_days

    settings.DOSSIER_INTAKE_CUTOFF = "15:00"
    assert supplement_pause_working_days(at(2026, 3, 2, 10), resubmitted) == paused


def test_holidays_vn_has_31_august_2026_off_but_not_the_make_up_saturday():
    import holidays

    vn = holidays.VN(years=2026)
    assert dt.date(2026, 8, 31) in vn  # the day off the swap gives
    assert dt.date(2026, 8, 22) not in vn  # the package does not know the make-up Saturday
    assert not is_working_day(dt.date(2026, 8, 31))


def test_the_seed_calendar_carries_2026s_make_up_saturday():
    import io

    from dossiers import demo

    demo.seed(password="x", stdout=io.StringIO())
    saturday = CalendarException.objects.get(date=dt.date(2026, 8, 22), agency=None)
    assert saturday.kind == CalendarException.Kind.WORKING_DAY
    assert is_working_day(dt.date(2026, 8, 22)) and not is_working_day(dt.date(2026, 8, 31))
    # Friday 21/8 + 1 working day: the make-up Saturday. Friday 28/8 + 1: Monday 31/8 is the
    # swapped day off and 1–2/9 National Day, so Thursday 3/9.
    assert due_at_compute(received_at=at(2026, 8, 21), value="1", unit="working_days").date() == dt.date(2026, 8, 22)
    assert due_at_compute(received_at=at(2026, 8, 28), value="1", unit="working_days").date() == dt.date(2026, 9, 3)
    demo.seed(password="x", stdout=io.StringIO())  # idempotent
    assert CalendarException.objects.filter(date=dt.date(2026, 8, 22)).count() == 1


def test_the_calendar_admin_warns_while_the_coming_year_has_no_exceptions(client, clock, leader):
    from tests.support.mfa import staff_login

    clock.set(at(2026, 11, 30))
    staff_login(client, leader)
    page = client.get("/admin/dossiers/calendarexception/").content.decode()
    assert "Chưa nhập ngày ngoại lệ nào cho năm 2027" in page
    CalendarException.objects.create(date=dt.date(2027, 2, 13), kind="working_day", name="Làm bù Tết")
    page = client.get("/admin/dossiers/calendarexception/").content.decode()
    assert "Chưa nhập ngày ngoại lệ" not in page
