"""Service-quality indicators per agency and period (Decision 766/QĐ-TTg, 2022): the ratios the
leaders watch, read from the daily rollups (dossiers/rollups.py), and the configurable 0–100
score built on them.

Pure reads. The decision's exact per-indicator formulas are unverified (DOMAIN.md): the ratios
below are the underlying facts, and how much each weighs in the score is the setting
`INDICATOR_WEIGHTS`; the targets shown next to them are `INDICATOR_TARGETS`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, fields

from django.conf import settings
from django.db.models import Count, Sum
from django.utils import timezone

from .hooks import indicator_counts
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
    parents (no queue of their own) are left out, their parts count. The days before today come
    from the rollups (`IndicatorDaily`, dossiers/rollups.py: one row per agency and day summed
    over the period), today is counted live (one day of dossiers, by index), "overdue now" is a
    live count on the legal due date, and the payment columns come from the indicator hook
    payments registers. A bounded number of queries whatever the number of dossiers.
    """
    from catalog.selectors import agencies_all

    from .rollups import cells_compute

    now = now or timezone.now()
    start_at, end_at = period_bounds(start, end)

    agencies = agencies_all()
    if agency_ids is not None:
        agencies = agencies.filter(pk__in=list(agency_ids))
    rows = {
        a["pk"]: AgencyIndicators(agency_id=a["pk"], agency_code=a["code"], agency_name=a["name"])
        for a in agencies.values("pk", "code", "name")
    }
    if not rows:
        return [_total([])]
    ids = list(rows)

    def add(agency_id, counts):
        row = rows.get(agency_id)
        if row is not None:
            for name, value in counts.items():
                setattr(row, name, getattr(row, name) + (value or 0))

    # Closed days: the rollups (the job keeps them within a minute or two; today is live below).
    today = timezone.localdate(now)
    last_closed = min(end, today - dt.timedelta(days=1))
    if start <= last_closed:
        summed = (
            IndicatorDaily.objects.filter(
                procedure__isnull=True, day__gte=start, day__lte=last_closed, agency_id__in=ids
            )
            .values("agency_id")
            .annotate(**{name: Sum(name) for name in IndicatorDaily.COUNTS})
            .order_by()
        )
        for r in summed:
            add(r.pop("agency_id"), r)
    # Today (when in the period): the same cells, computed from the raw rows of one day.
    if start <= today <= end:
        live_from, live_to = period_bounds(today, today)
        for (agency_id, _procedure_id), counts in cells_compute(
            start_at=live_from, end_at=live_to, agency_ids=ids
        ).items():
            add(agency_id, counts)

    # Clock running and past the legal due date (waiting for supplements: the clock is stopped).
    base = Dossier.objects.filter(agency_id__in=ids, current_agency__isnull=False)
    # (legal_due_at is set with due_at at receipt; migration 0008 filled it for older dossiers.)
    overdue = base.filter(status__in=IN_PROGRESS_STATUSES, legal_due_at__lt=now)
    for r in overdue.values("agency_id").annotate(n=Count("agency_id")).order_by():
        add(r["agency_id"], {"overdue_now": r["n"]})

    # The payment columns come from payments, which sits above dossiers (a hook it registers).
    received = base.exclude(status__in=DRAFT_STATUSES).filter(submitted_at__gte=start_at, submitted_at__lt=end_at)
    for agency_id, extra in indicator_counts(dossiers=received).items():
        for name, value in extra.items():
            setattr(rows[agency_id], name, value)

    return [*rows.values(), _total(rows.values())]


def _total(rows: Iterable[AgencyIndicators]) -> AgencyIndicators:
    from django.utils.translation import gettext

    total = AgencyIndicators(agency_id=None, agency_code="", agency_name=gettext("All agencies"), is_total=True)
    for row in rows:
        for name in AgencyIndicators.COUNTS:
            setattr(total, name, getattr(total, name) + getattr(row, name))
    return total


# Keep COUNTS in step with the dataclass: every int field but the agency's own.
assert set(AgencyIndicators.COUNTS) == {f.name for f in fields(AgencyIndicators) if f.type == "int"}
