"""The working-day calendar: Vietnamese public holidays (holidays.VN) plus the admin-declared
exceptions (province-wide, and those of the dossier's agency, which win on the same date), and
the one function that turns a processing time into a due date."""

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


def _exceptions(start: dt.date, end: dt.date, agency_id: int | None) -> tuple[set[dt.date], set[dt.date]]:
    from django.db.models import Q

    from .models import CalendarException

    scope = Q(agency__isnull=True) | Q(agency_id=agency_id) if agency_id else Q(agency__isnull=True)
    rows = CalendarException.objects.filter(scope, date__range=(start, end)).values_list("date", "kind", "agency_id")
    kinds: dict[dt.date, str] = {}
    for day, kind, _agency in sorted(rows, key=lambda row: row[2] is not None):  # the agency's own last: it wins
        kinds[day] = kind
    days_off = {day for day, kind in kinds.items() if kind == CalendarException.Kind.DAY_OFF}
    return days_off, set(kinds) - days_off


class WorkingCalendar:
    """Answers "is this a working day?" for a window of dates with one query for the exceptions:
    the province's and, with `agency_id`, that agency's."""

    def __init__(self, start: dt.date, days: int = 400, *, agency_id: int | None = None):
        self.agency_id = agency_id
        self.start, self.end = start, start + dt.timedelta(days=days)
        self.days_off, self.working = _exceptions(self.start, self.end, agency_id)

    @classmethod
    def from_exceptions(cls, start: dt.date, days: int, *, days_off, working):
        """The province's calendar over exceptions already read (no query)."""
        calendar = cls.__new__(cls)
        calendar.agency_id = None
        calendar.start, calendar.end = start, start + dt.timedelta(days=days)
        calendar.days_off, calendar.working = set(days_off), set(working)
        return calendar

    def is_working_day(self, day: dt.date) -> bool:
        if not (self.start <= day <= self.end):
            start = min(day, self.start)
            self.__init__(start, days=(max(day, self.end) - start).days + 400, agency_id=self.agency_id)
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


# The queue shows each dossier's working days left: the province's exceptions it needs are kept per
# process under a version held in the shared cache. Saving or deleting an exception drops the
# version (at once and again after the commit), and the next reader makes a new one, so every
# process reads the rows again. Without the cache (Redis down) the rows are read every time. Legal
# due dates (`due_at_compute`) never use this: they read the rows.
_VERSION_KEY = "dossiers:calendar-exceptions:version"
_VERSION_SECONDS = 300  # a version lost to a cache outage is forgotten after this
_DISPLAY_CALENDARS: dict = {}


def _exceptions_version() -> str | None:
    import uuid

    from django.core.cache import cache

    version = cache.get(_VERSION_KEY)
    if version is None:
        version = uuid.uuid4().hex
        if not cache.add(_VERSION_KEY, version, _VERSION_SECONDS):
            version = cache.get(_VERSION_KEY)  # another process was first, or the cache is down
    return version


def calendar_exceptions_changed(**_kwargs) -> None:
    """post_save / post_delete of a CalendarException: every process reads the rows again."""
    from django.core.cache import cache
    from django.db import transaction

    cache.delete(_VERSION_KEY)
    transaction.on_commit(lambda: cache.delete(_VERSION_KEY))  # a reader between the two saw old rows


def display_calendar(start: dt.date, days: int) -> "WorkingCalendar":
    """The province's calendar for showing days left (not for computing a due date)."""
    version = _exceptions_version()
    if version is None:
        return WorkingCalendar(start, days=days)
    key = (version, start, days)
    found = _DISPLAY_CALENDARS.get(key)
    if found is None:
        calendar = WorkingCalendar(start, days=days)
        found = (frozenset(calendar.days_off), frozenset(calendar.working))
        _DISPLAY_CALENDARS.clear()  # one version and one window at a time
        _DISPLAY_CALENDARS[key] = found
    return WorkingCalendar.from_exceptions(start, days, days_off=found[0], working=found[1])


def is_working_day(day: dt.date, *, agency_id: int | None = None) -> bool:
    return WorkingCalendar(day, days=1, agency_id=agency_id).is_working_day(day)


def _working_periods() -> list[tuple[dt.time, dt.time]]:
    """The office hours of a working day, e.g. 08:00–12:00 and 13:00–17:00 (configurable)."""
    return [(_hm(a), _hm(b)) for a, b in settings.DOSSIER_WORKING_HOURS]


def due_at_compute(*, received_at: dt.datetime, value, unit: str, agency_id: int | None = None) -> dt.datetime:
    """The due date of a dossier received at `received_at` with a processing time of `value` `unit`,
    by the calendar of the province and of the agency `agency_id` that handles it.

    working_days: counting starts the day after receipt, or two days after when received
    after the cut-off (or on a day off: then from the next working day on); the result is due at
    the end of office hours of the last counted day. working_hours: counted inside office hours
    from receipt. calendar_days: plain days, moved forward to a working day when the last one is not.
    """
    received = timezone.localtime(received_at, TZ)
    amount = Decimal(str(value or 0))
    periods = _working_periods()
    close = periods[-1][1]
    cal = WorkingCalendar(received.date(), agency_id=agency_id)

    # The day the receipt counts as made on.
    day = counted_day(received, cal=cal)
    counted_from = received if day == received.date() else dt.datetime.combine(day, periods[0][0], TZ)

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

    # Working days (the default). A fraction of a day up to one half ends with the morning's
    # office hours (noon) of the last counted day; a larger fraction counts as a whole day.
    days = int(amount.to_integral_value(rounding="ROUND_CEILING"))
    half = amount != amount.to_integral_value() and amount - int(amount) <= Decimal("0.5") and len(periods) > 1
    last = day
    for _i in range(days):
        last = cal.next_working_day(last)
    return dt.datetime.combine(last, periods[0][1] if half else close, TZ)


def counted_day(moment: dt.datetime, *, agency_id: int | None = None, cal: WorkingCalendar | None = None) -> dt.date:
    """The working day an act made at `moment` counts as made on: that day, or the next working
    day when it was made after the cut-off (DOSSIER_INTAKE_CUTOFF) or on a day off. Receipts and
    resubmissions of supplements both follow it."""
    local = timezone.localtime(moment, TZ)
    cal = cal or WorkingCalendar(local.date(), agency_id=agency_id)
    day = local.date()
    if not cal.is_working_day(day) or local.time() >= _hm(settings.DOSSIER_INTAKE_CUTOFF):
        day = cal.next_working_day(day)
    return day


def supplement_pause_working_days(
    requested_at: dt.datetime, resubmitted_at: dt.datetime, *, agency_id: int | None = None
) -> int:
    """The working days a dossier's clock stood still while the citizen was asked for supplements:
    those after the day of the request, up to and including the day the resubmission counts as
    made on (`counted_day`: after the cut-off or on a day off, the next working day). The clock
    runs again from the working day after that one, exactly as for a new receipt."""
    start = timezone.localtime(requested_at, TZ).date()
    return working_days_between(start, counted_day(resubmitted_at, agency_id=agency_id), agency_id=agency_id)


def working_days_add(moment: dt.datetime, days: int, *, agency_id: int | None = None) -> dt.datetime:
    """The same time of day `days` working days later (a due date pushed back by a pause)."""
    local = timezone.localtime(moment, TZ)
    cal, day = WorkingCalendar(local.date(), agency_id=agency_id), local.date()
    for _i in range(max(days, 0)):
        day = cal.next_working_day(day)
    return dt.datetime.combine(day, local.timetz().replace(tzinfo=None), TZ)


def working_days_between(start: dt.date, end: dt.date, *, agency_id: int | None = None) -> int:
    """Working days in (start, end]; negative when end is before start."""
    if end < start:
        return -working_days_between(end, start, agency_id=agency_id)
    cal = WorkingCalendar(start, days=(end - start).days + 1, agency_id=agency_id)
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += cal.is_working_day(day)
    return count


# The exceptions the Prime Minister's yearly notices set and holidays.VN does not carry: the
# make-up working days (the package knows the swapped day off, not the Saturday worked for it).
# Loaded by `seed_calendar_exceptions` (seed_demo runs it); a province adds each new year's in
# the admin, which warns while the coming year has none.
KNOWN_EXCEPTIONS = [
    # 2026: Monday 31/08 off (bridging 2/9), worked on Saturday 22/08.
    (dt.date(2026, 8, 22), "working_day", "Làm bù cho ngày nghỉ thứ Hai 31/8/2026 (dịp Quốc khánh 2/9)"),
]


def seed_calendar_exceptions() -> int:
    """Create the province-wide KNOWN_EXCEPTIONS not there yet; returns how many were made."""
    from .models import CalendarException

    made = 0
    for day, kind, name in KNOWN_EXCEPTIONS:
        _row, created = CalendarException.objects.get_or_create(
            date=day, agency=None, defaults={"kind": kind, "name": name}
        )
        made += created
    return made


def year_without_exceptions(*, today: dt.date | None = None) -> int | None:
    """The coming year when no province-wide exception has been entered for it yet, else None.
    Every year has make-up days or extra days off decided late: none usually means forgotten."""
    from .models import CalendarException

    coming = (today or timezone.localdate()).year + 1
    if CalendarException.objects.filter(agency__isnull=True, date__year=coming).exists():
        return None
    return coming
