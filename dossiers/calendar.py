"""The working-day calendar: Vietnamese public holidays (holidays.VN) plus the admin-declared
exceptions, and the one function that turns a processing time into a due date."""

import datetime as dt
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.utils import timezone

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _hm(value: str) -> dt.time:
    hours, minutes = value.split(":")
    return dt.time(int(hours), int(minutes))


@lru_cache(maxsize=64)
def _vn_holidays(year: int) -> frozenset[dt.date]:
    return frozenset(holidays.VN(years=year).keys())


def _exceptions(start: dt.date, end: dt.date) -> tuple[set[dt.date], set[dt.date]]:
    from .models import CalendarException

    days_off: set[dt.date] = set()
    working: set[dt.date] = set()
    for day, kind in CalendarException.objects.filter(date__range=(start, end)).values_list("date", "kind"):
        (days_off if kind == CalendarException.Kind.DAY_OFF else working).add(day)
    return days_off, working


class WorkingCalendar:
    """Answers "is this a working day?" for a window of dates with one query for the exceptions."""

    def __init__(self, start: dt.date, days: int = 400):
        self.start, self.end = start, start + dt.timedelta(days=days)
        self.days_off, self.working = _exceptions(self.start, self.end)

    def is_working_day(self, day: dt.date) -> bool:
        if not (self.start <= day <= self.end):
            self.__init__(min(day, self.start), days=(max(day, self.end) - min(day, self.start)).days + 400)
        if day in self.working:
            return True
        if day in self.days_off:
            return False
        return day.weekday() < 5 and day not in _vn_holidays(day.year)

    def next_working_day(self, day: dt.date) -> dt.date:
        day += dt.timedelta(days=1)
        while not self.is_working_day(day):
            day += dt.timedelta(days=1)
        return day


def is_working_day(day: dt.date) -> bool:
    return WorkingCalendar(day, days=1).is_working_day(day)


def _working_periods() -> list[tuple[dt.time, dt.time]]:
    """The office hours of a working day, e.g. 08:00–12:00 and 13:00–17:00 (configurable)."""
    return [(_hm(a), _hm(b)) for a, b in settings.DOSSIER_WORKING_HOURS]


def due_at_compute(*, received_at: dt.datetime, value, unit: str) -> dt.datetime:
    """The due date of a dossier received at `received_at` with a processing time of `value` `unit`.

    working_days: counting starts the day after receipt, or two days after when received
    after the cut-off (or on a day off: then from the next working day on); the result is due at
    the end of office hours of the last counted day. working_hours: counted inside office hours
    from receipt. calendar_days: plain days, moved forward to a working day when the last one is not.
    """
    received = timezone.localtime(received_at, TZ)
    amount = Decimal(str(value or 0))
    periods = _working_periods()
    close = periods[-1][1]
    cal = WorkingCalendar(received.date())
    cutoff = _hm(settings.DOSSIER_INTAKE_CUTOFF)

    # The day the receipt counts as made on.
    day = received.date()
    if not cal.is_working_day(day) or received.time() >= cutoff:
        day = cal.next_working_day(day)
        counted_from = dt.datetime.combine(day, periods[0][0], TZ)
    else:
        counted_from = received

    if unit == "working_hours":
        minutes = int(amount * 60)
        current = counted_from
        while True:
            if cal.is_working_day(current.date()):
                for start, end in periods:
                    p_start = dt.datetime.combine(current.date(), start, TZ)
                    p_end = dt.datetime.combine(current.date(), end, TZ)
                    begin = max(current, p_start)
                    if begin >= p_end:
                        continue
                    available = int((p_end - begin).total_seconds() // 60)
                    if minutes <= available:
                        return begin + dt.timedelta(minutes=minutes)
                    minutes -= available
            current = dt.datetime.combine(cal.next_working_day(current.date()), periods[0][0], TZ)

    if unit == "calendar_days":
        last = received.date() + dt.timedelta(days=int(amount.to_integral_value(rounding="ROUND_CEILING")))
        while not cal.is_working_day(last):
            last += dt.timedelta(days=1)
        return dt.datetime.combine(last, close, TZ)

    # Working days (the default).
    days = int(amount.to_integral_value(rounding="ROUND_CEILING"))
    last = day
    for _i in range(days):
        last = cal.next_working_day(last)
    return dt.datetime.combine(last, close, TZ)


def working_days_add(moment: dt.datetime, days: int) -> dt.datetime:
    """The same time of day `days` working days later (a due date pushed back by a pause)."""
    local = timezone.localtime(moment, TZ)
    cal, day = WorkingCalendar(local.date()), local.date()
    for _i in range(max(days, 0)):
        day = cal.next_working_day(day)
    return dt.datetime.combine(day, local.timetz().replace(tzinfo=None), TZ)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days in (start, end]; negative when end is before start."""
    if end < start:
        return -working_days_between(end, start)
    cal = WorkingCalendar(start, days=(end - start).days + 1)
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += cal.is_working_day(day)
    return count
