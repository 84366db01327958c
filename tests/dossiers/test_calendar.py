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
