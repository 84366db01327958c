"""Service-quality indicators per agency and period (Decision 766/QĐ-TTg, 2022): the ratios the
leaders watch, read from the daily rollups (dossiers/rollups.py), and the configurable 0–100
score built on them.

Pure reads. The decision's exact per-indicator formulas are unverified (DOMAIN.md): the ratios
below are the underlying facts, and how much each weighs in the score is the setting
`INDICATOR_WEIGHTS`; the targets shown next to them are `INDICATOR_TARGETS`.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, fields

from django.conf import settings
from django.db.models import Count, Sum
from django.utils import timezone

from .hooks import indicator_counts_periods
from .lifecycle import DRAFT_STATUSES, IN_PROGRESS_STATUSES
from .models import Dossier, IndicatorDaily

# The ratios that have a weight or a target, in the order of the page's columns.
RATIO_KEYS = (
    "on_time_rate",
    "online_share",
    "fully_online_share",
    "online_payment_share",
    "digitised_results_share",
    "satisfied_share",
)


@dataclass(frozen=True)
class Ratio:
    """numerator / denominator; `percent` is None when there is nothing to divide by."""

    numerator: int
    denominator: int

    @property
    def percent(self) -> float | None:
        if not self.denominator:
            return None
        return round(100 * self.numerator / self.denominator, 2)

    def __str__(self) -> str:
        return "—" if self.percent is None else f"{self.percent:.2f}"


@dataclass
class AgencyIndicators:
    """The counts of one agency (or of all of them: `is_total`) in a period, and the ratios."""

    agency_id: int | None
    agency_code: str
    agency_name: str
    is_total: bool = False
    received: int = 0  # submitted in the period
    online: int = 0  # … of which filed online
    fully_online: int = 0  # … online, for a fully online (toàn trình) procedure
    resolved: int = 0  # completed or refused in the period
    resolved_with_due: int = 0  # … that had a due date
    on_time: int = 0  # … completed on or before it
    returned: int = 0  # completed (result returned) in the period
    digitised: int = 0  # … with an electronic result document
    overdue_now: int = 0  # still open and past the due date, now (whatever the period)
    paid: int = 0  # paid payments of the dossiers received in the period
    paid_online: int = 0  # … through VNPay or MoMo
    ratings: int = 0  # ratings given in the period
    ratings_sum: int = 0
    satisfied: int = 0  # … of 4 or 5

    COUNTS = (
        "received",
        "online",
        "fully_online",
        "resolved",
        "resolved_with_due",
        "on_time",
        "returned",
        "digitised",
        "overdue_now",
        "paid",
        "paid_online",
        "ratings",
        "ratings_sum",
        "satisfied",
    )

    @property
    def on_time_rate(self) -> Ratio:
        return Ratio(self.on_time, self.resolved_with_due)

    @property
    def online_share(self) -> Ratio:
        return Ratio(self.online, self.received)

    @property
    def fully_online_share(self) -> Ratio:
        return Ratio(self.fully_online, self.received)

    @property
    def online_payment_share(self) -> Ratio:
        return Ratio(self.paid_online, self.paid)

    @property
    def digitised_results_share(self) -> Ratio:
        return Ratio(self.digitised, self.returned)

    @property
    def satisfied_share(self) -> Ratio:
        return Ratio(self.satisfied, self.ratings)

    @property
    def average_rating(self) -> float | None:
        return round(self.ratings_sum / self.ratings, 2) if self.ratings else None

    @property
    def score(self) -> float | None:
        """Σ weight × ratio over the ratios that have data, scaled to 0–100; None without any."""
        weights = getattr(settings, "INDICATOR_WEIGHTS", {})
        total = weighted = 0.0
        for key, weight in weights.items():
            percent = getattr(self, key).percent if key in RATIO_KEYS else None
            if percent is None or not weight:
                continue
            total += weight
            weighted += weight * percent
        return round(weighted / total, 1) if total else None

    def target(self, key: str) -> tuple[str, float] | None:
        return getattr(settings, "INDICATOR_TARGETS", {}).get(key)

    def target_met(self, key: str) -> bool | None:
        """Whether the ratio meets its target; None without a target or without data."""
        target, percent = self.target(key), getattr(self, key).percent
        if target is None or percent is None:
            return None
        op, value = target
        return percent > value if op == ">" else percent >= value


def period_bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start 00:00, the day after end 00:00) in local time (Asia/Ho_Chi_Minh)."""
    tz = timezone.get_default_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=tz),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


def agency_indicators(
    *, agency_ids: Iterable[int] | None, start: dt.date, end: dt.date, now: dt.datetime | None = None
) -> list[AgencyIndicators]:
    """One row per agency (by name, agencies without dossiers included) and a last total row.

    `agency_ids=None` means every agency. A dossier counts for its receiving agency; bundle
    parents (no queue of their own) are left out, their parts count. See
    `agency_indicators_periods` for where each figure comes from."""
    return agency_indicators_periods(agency_ids=agency_ids, periods=[(start, end)], now=now)[0]


# Days the rollup job and the nightly reconciliation (its last three days) may still rewrite.
SETTLED_DAYS = dt.timedelta(days=4)


def _closed_parts(
    start: dt.date, last_closed: dt.date, settled: dt.date
) -> tuple[list[dt.date], list[tuple[dt.date, dt.date, int]]]:
    """[start, last_closed] as month rows to add (their first days) and ranges of day rows to add
    (+1) or subtract (-1). A whole month is its month row; a part of a month is its day rows, or,
    when it is most of the month, the month row minus the day rows of the rest of that month (a
    month row is always the sum of its day rows: dossiers/rollups.py). A year that starts on the
    2nd of a month thus sums 12 month rows and subtracts one day. Only months ended before
    `settled` are read that way: the job and the nightly reconciliation write today and the last
    days, so the month row and the day rows, read by two statements, are not from two different
    moments (only a rebuild after a correction by hand rewrites an old month)."""
    from .rollups import month_first, next_month

    months: list[dt.date] = []
    ranges: list[tuple[dt.date, dt.date, int]] = []
    first = start
    while first <= last_closed:
        month = month_first(first)
        month_last = next_month(month) - dt.timedelta(days=1)
        last = min(month_last, last_closed)
        inside = (last - first).days + 1
        if inside == month_last.day:
            months.append(month)
        elif month_last < settled and inside > month_last.day - inside:
            months.append(month)
            if first > month:
                ranges.append((month, first - dt.timedelta(days=1), -1))
            if last < month_last:
                ranges.append((last + dt.timedelta(days=1), month_last, -1))
        else:
            ranges.append((first, last, 1))
        first = last + dt.timedelta(days=1)
    return months, ranges


def agency_indicators_periods(
    *,
    agency_ids: Iterable[int] | None,
    periods: list[tuple[dt.date, dt.date]],
    now: dt.datetime | None = None,
) -> list[list[AgencyIndicators]]:
    """`agency_indicators` of several periods at once (the page's period and its monthly trend):
    per period, one row per agency and a last total row.

    The days before today come from the rollups (dossiers/rollups.py): the whole calendar months
    from the month rows (`IndicatorMonthly`, one row per agency and month), the days left at the
    ends of a period from the day rows (`IndicatorDaily`, the agencies' day totals); today is
    counted live (one day of dossiers, by index), "overdue now" is a live count on the legal
    due date (the same for every period: counted once), and the payment columns come from the
    indicator hook payments registers. A bounded number of queries whatever the number of
    dossiers: the month rows of all the periods in one query, one per range of days left, three
    for today, one for "overdue now", one for the payments of all the periods.
    """
    from catalog.selectors import agencies_all

    from .models import IndicatorMonthly
    from .rollups import cells_compute

    now = now or timezone.now()
    agencies = agencies_all()
    if agency_ids is not None:
        agencies = agencies.filter(pk__in=list(agency_ids))
    names = list(agencies.values_list("pk", "code", "name"))
    if not names:
        return [[_total([])] for _period in periods]
    ids = [pk for pk, _code, _name in names]
    counts = IndicatorDaily.COUNTS

    # Closed days (the job keeps them within a minute or two; today is live below).
    today = timezone.localdate(now)
    plans = []  # per period: (its months, its ranges of days)
    for start, end in periods:
        plans.append(_closed_parts(start, min(end, today - dt.timedelta(days=1)), today - SETTLED_DAYS))
    by_month: dict[dt.date, dict[int, tuple]] = defaultdict(dict)
    wanted_months = {m for months, _ranges in plans for m in months}
    if wanted_months:
        for agency_id, month, *values in IndicatorMonthly.objects.filter(
            month__in=wanted_months, agency_id__in=ids
        ).values_list("agency_id", "month", *counts):
            by_month[month][agency_id] = values
    by_range: dict[tuple[dt.date, dt.date], dict[int, tuple]] = {}
    for first, last in {r[:2] for _months, ranges in plans for r in ranges}:
        summed = (
            IndicatorDaily.objects.filter(procedure__isnull=True, day__gte=first, day__lte=last, agency_id__in=ids)
            .values("agency_id")
            .annotate(**{f"s_{name}": Sum(name) for name in counts})
            .values_list("agency_id", *(f"s_{name}" for name in counts))
            .order_by()
        )
        by_range[first, last] = {agency_id: values for agency_id, *values in summed}

    # Today (when in a period): the same cells, computed from the raw rows of one day.
    live: dict[int, list[int]] = {}
    if any(start <= today <= end for start, end in periods):
        live_from, live_to = period_bounds(today, today)
        for (agency_id, _procedure_id), cell in cells_compute(
            start_at=live_from, end_at=live_to, agency_ids=ids
        ).items():
            into = live.setdefault(agency_id, [0] * len(counts))
            for i, name in enumerate(counts):
                into[i] += cell[name]

    # Clock running and past the legal due date (waiting for supplements: the clock is stopped).
    base = Dossier.objects.filter(agency_id__in=ids, current_agency__isnull=False)
    # (legal_due_at is set with due_at at receipt; migration 0008 filled it for older dossiers.)
    overdue = dict(
        base.filter(status__in=IN_PROGRESS_STATUSES, legal_due_at__lt=now)
        .values("agency_id")
        .annotate(n=Count("agency_id"))
        .values_list("agency_id", "n")
        .order_by()
    )

    # The payment columns come from payments, which sits above dossiers (a hook it registers):
    # the payments of the dossiers received in each period, all periods in one query.
    payments = indicator_counts_periods(
        dossiers=base.exclude(status__in=DRAFT_STATUSES), periods=[period_bounds(s, e) for s, e in periods]
    )

    out = []
    for (start, end), (months, ranges), paid in zip(periods, plans, payments, strict=True):
        sums = {pk: [0] * len(counts) for pk in ids}
        parts = [(by_month[m], 1) for m in months] + [(by_range[first, last], sign) for first, last, sign in ranges]
        if start <= today <= end:
            parts.append((live, 1))
        for part, sign in parts:
            for agency_id, values in part.items():
                into = sums.get(agency_id)
                if into is not None:
                    sums[agency_id] = [a + sign * (b or 0) for a, b in zip(into, values, strict=True)]
        rows = {
            pk: AgencyIndicators(
                agency_id=pk,
                agency_code=code,
                agency_name=name,
                overdue_now=overdue.get(pk, 0),
                **dict(zip(counts, sums[pk], strict=True)),
            )
            for pk, code, name in names
        }
        for agency_id, extra in paid.items():
            for name_, value in extra.items():
                setattr(rows[agency_id], name_, value)
        out.append([*rows.values(), _total(rows.values())])
    return out


def _total(rows: Iterable[AgencyIndicators]) -> AgencyIndicators:
    from django.utils.translation import gettext

    total = AgencyIndicators(agency_id=None, agency_code="", agency_name=gettext("All agencies"), is_total=True)
    for row in rows:
        for name in AgencyIndicators.COUNTS:
            setattr(total, name, getattr(total, name) + getattr(row, name))
    return total


# Keep COUNTS in step with the dataclass: every int field but the agency's own.
assert set(AgencyIndicators.COUNTS) == {f.name for f in fields(AgencyIndicators) if f.type == "int"}
