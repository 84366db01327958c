"""Indicator rollups: per receiving agency, procedure and local day, the counters of
dossiers/indicators.py, so that the indicators page sums a few thousand rows instead of
aggregating millions of dossiers.

One function computes the counters of a set of (agency, day) cells from the raw rows
(`cells_compute`); both ways of keeping the table use it, which is what makes them agree:

- `indicators_rollup()` (beat job, every minute): reads the DossierEvents after its high-water
  mark (`IndicatorCursor`), finds the cells those dossiers count in (the agency's day of
  submission, of completion, of rating) and recomputes them. Recomputing a cell replaces it, so
  running twice, or over events already counted, changes nothing.
- `indicators_rebuild(start, end)` (the `indicators_rebuild` command, and the nightly
  reconciliation of the last days): recomputes every cell of the days in the range.

A cell counts what the indicators count for its day (same filters as the live aggregate):
received = submitted that day; resolved, on time (completed by the original legal due date),
returned and digitised = completed that day; ratings = rated that day. Clock-stopped dossiers
are only in "overdue now", which stays a live count (dossiers/indicators.py).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import connection, models, transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from .lifecycle import DRAFT_STATUSES, RESOLVED_STATUSES, SUCCESS_STATUSES
from .models import Channel, Dossier, DossierEvent, DossierFile, IndicatorCursor, IndicatorDaily, IndicatorMonthly

CURSOR = "events"
# Events younger than this are left for the next run: an event id is taken at insert, so a
# transaction still open could commit a lower id after a higher one was counted. The nightly
# reconciliation rebuilds the last days whatever happened.
SETTLE_SECONDS = 120
COUNTS = IndicatorDaily.COUNTS


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_default_timezone()
    return (
        dt.datetime.combine(day, dt.time.min, tzinfo=tz),
        dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz),
    )


def _base(agency_ids):
    # As the indicators: a dossier counts for its receiving agency; bundle parents (no queue of
    # their own, current_agency empty) are left out, their parts count.
    qs = Dossier.objects.filter(current_agency__isnull=False).exclude(status__in=DRAFT_STATUSES)
    if agency_ids is not None:
        qs = qs.filter(agency_id__in=list(agency_ids))
    return qs


def _cell_querysets(*, start_at: dt.datetime, end_at: dt.datetime, agency_ids=None, by_day: bool = False):
    """The three grouped querysets of the cells of [start_at, end_at) (submissions, completions,
    ratings), grouped by agency and procedure (and the local day of the event with `by_day`).
    The one definition of what a cell counts: `cells_compute` runs them, the set-based rebuild
    on PostgreSQL wraps their SQL into one INSERT … SELECT."""
    base = _base(agency_ids)
    key = ["agency_id", "procedure_version__procedure_id"]
    tz = timezone.get_default_timezone()

    def grouped(qs, field):
        if by_day:
            return qs.annotate(day=TruncDate(field, tzinfo=tz)).values(*key, "day")
        return qs.values(*key)

    received = base.filter(submitted_at__gte=start_at, submitted_at__lt=end_at)
    received = grouped(received, "submitted_at").annotate(
        received=Count("pk"),
        online=Count("pk", filter=Q(channel=Channel.ONLINE)),
        fully_online=Count("pk", filter=Q(channel=Channel.ONLINE, procedure_version__online_level="full")),
    )

    e_result = Exists(DossierFile.objects.filter(dossier_id=OuterRef("pk"), kind=DossierFile.Kind.RESULT))
    finished = (
        base.filter(
            status__in=RESOLVED_STATUSES | SUCCESS_STATUSES, completed_at__gte=start_at, completed_at__lt=end_at
        )
        # The original legal due date: an apology (form 04) moves the promised date, never this one.
        .annotate(legal_due=Coalesce("legal_due_at", "due_at"))
    )
    resolved = Q(status__in=RESOLVED_STATUSES)
    returned = Q(status__in=SUCCESS_STATUSES)
    finished = grouped(finished, "completed_at").annotate(
        resolved=Count("pk", filter=resolved),
        resolved_with_due=Count("pk", filter=resolved & Q(legal_due__isnull=False)),
        on_time=Count("pk", filter=resolved & Q(legal_due__isnull=False, completed_at__lte=models.F("legal_due"))),
        returned=Count("pk", filter=returned),
        digitised=Count("pk", filter=returned & Q(e_result)),
    )

    rated = base.filter(rating__created_at__gte=start_at, rating__created_at__lt=end_at)
    rated = grouped(rated, "rating__created_at").annotate(
        ratings=Count("rating"),
        ratings_sum=Sum("rating__score", default=0),
        satisfied=Count("rating", filter=Q(rating__score__gte=4)),
    )
    return [qs.order_by() for qs in (received, finished, rated)]


def cells_compute(
    *, start_at: dt.datetime, end_at: dt.datetime, agency_ids=None
) -> dict[tuple[int, int], dict[str, int]]:
    """{(agency id, procedure id): counters} of what happened in [start_at, end_at), from the
    raw rows. Three grouped queries (submissions, completions, ratings)."""
    cells: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    for qs in _cell_querysets(start_at=start_at, end_at=end_at, agency_ids=agency_ids):
        for r in qs:
            cells[r.pop("agency_id"), r.pop("procedure_version__procedure_id")].update(r)
    return cells


def _day_write(day: dt.date, agency_ids) -> int:
    """Replace the rows of `day` (for these agencies, or all with None) by freshly computed ones."""
    start_at, end_at = day_bounds(day)
    cells = cells_compute(start_at=start_at, end_at=end_at, agency_ids=agency_ids)
    totals: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    rows = []
    for (agency_id, procedure_id), counts in cells.items():
        if not any(counts.values()):
            continue
        rows.append(IndicatorDaily(agency_id=agency_id, procedure_id=procedure_id, day=day, **counts))
        total = totals[agency_id]
        for name, value in counts.items():
            total[name] += value
    rows += [IndicatorDaily(agency_id=a, procedure_id=None, day=day, **counts) for a, counts in totals.items()]
    old = IndicatorDaily.objects.filter(day=day)
    if agency_ids is not None:
        old = old.filter(agency_id__in=list(agency_ids))
    old.delete()
    IndicatorDaily.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def month_first(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(first: dt.date) -> dt.date:
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


# pg_advisory_xact_lock(MONTH_LOCK_CLASS, yyyymm): one writer of a month's rows at a time.
MONTH_LOCK_CLASS = 0x696E64  # "ind"


def _month_lock(month: dt.date) -> None:
    """Serialise the writers of one month's rows until their transaction ends (PostgreSQL). Two
    rebuilds of two halves of a month, or the rollup job and the nightly reconciliation, each sum
    the month from the day rows: without the lock each sees only the day rows it wrote itself (the
    other's are not committed yet) and the month row ends up as one half. With it, the second
    waits for the first to commit, then reads every day row (READ COMMITTED: a new snapshot per
    statement)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [MONTH_LOCK_CLASS, month.year * 100 + month.month])


def months_write(months, agency_ids=None) -> int:
    """Replace the month rows of these months (first days; for these agencies, or all with None)
    by the sums of their daily total rows. Call it in the transaction that wrote the days."""
    written = 0
    for month in sorted(set(months)):
        _month_lock(month)
        daily = IndicatorDaily.objects.filter(procedure__isnull=True, day__gte=month, day__lt=next_month(month))
        old = IndicatorMonthly.objects.filter(month=month)
        if agency_ids is not None:
            daily = daily.filter(agency_id__in=list(agency_ids))
            old = old.filter(agency_id__in=list(agency_ids))
        sums = daily.values("agency_id").annotate(**{f"s_{name}": Sum(name) for name in COUNTS}).order_by()
        rows = [
            IndicatorMonthly(agency_id=r["agency_id"], month=month, **{name: r[f"s_{name}"] for name in COUNTS})
            for r in sums
        ]
        old.delete()
        IndicatorMonthly.objects.bulk_create(rows, batch_size=2000)
        written += len(rows)
    return written


def _days_write_set_based(first: dt.date, last: dt.date) -> int:
    """PostgreSQL: replace every cell of the days first..last by one INSERT … SELECT … GROUP BY
    over the raw rows (the SQL of `_cell_querysets`, grouped by local day as well), the
    agencies' day totals by GROUPING SETS. Same rows as `_day_write` day by day (tested)."""
    start_at, end_at = day_bounds(first)[0], day_bounds(last)[1]
    parts, params = [], []
    zero = dict.fromkeys(COUNTS, "0")
    for qs in _cell_querysets(start_at=start_at, end_at=end_at, by_day=True):
        sql, qs_params = qs.query.sql_with_params()
        names = set(qs.query.annotation_select) - {"day"}
        columns = ", ".join(name if name in names else f"{zero[name]} AS {name}" for name in COUNTS)
        select = f"SELECT agency_id, procedure_version__procedure_id AS procedure_id, day, {columns}"
        parts.append(f"{select} FROM ({sql}) AS part")
        params.extend(qs_params)
    table = connection.ops.quote_name(IndicatorDaily._meta.db_table)
    counts = ", ".join(COUNTS)
    sums = ", ".join(f"SUM({name})" for name in COUNTS)
    IndicatorDaily.objects.filter(day__gte=first, day__lte=last).delete()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (agency_id, procedure_id, day, {counts}) "  # noqa: S608 - names from the models
            f"SELECT agency_id, procedure_id, day, {sums} FROM ({' UNION ALL '.join(parts)}) AS cells "
            "GROUP BY GROUPING SETS ((agency_id, procedure_id, day), (agency_id, day)) "
            "HAVING SUM(received + resolved + returned + ratings) > 0",
            params,
        )
        return cursor.rowcount


def indicators_rebuild(*, start: dt.date, end: dt.date, stdout=None) -> dict:
    """Recompute every cell of the days start..end (inclusive) from the raw rows, and the month
    rows of their months, one calendar month per transaction: set-based on PostgreSQL (one
    INSERT … SELECT a month), day by day elsewhere. Returns {"days": …, "rows": …}."""
    days = rows = 0
    first = start
    while first <= end:
        last = min(end, next_month(first) - dt.timedelta(days=1))
        with transaction.atomic():
            if connection.vendor == "postgresql":
                rows += _days_write_set_based(first, last)
            else:
                day = first
                while day <= last:
                    rows += _day_write(day, None)
                    day += dt.timedelta(days=1)
            months_write([month_first(first)])
        days += (last - first).days + 1
        if stdout is not None:
            stdout.write(f"  {first.isoformat()} – {last.isoformat()}: {rows:,} rows so far\n")
            stdout.flush()
        first = last + dt.timedelta(days=1)
    return {"days": days, "rows": rows}


def _local_day(value: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(value) if value is not None else None


def indicators_rollup(*, batch: int = 5000, settle_seconds: int = SETTLE_SECONDS, now=None) -> dict:
    """Count the events after the high-water mark (at most `batch`, at least `settle_seconds`
    old): recompute the cells their dossiers count in and move the mark, in one transaction.
    Returns {"events": …, "cells": …, "last_event_id": …}."""
    now = now or timezone.now()
    with transaction.atomic():
        IndicatorCursor.objects.get_or_create(name=CURSOR)
        cursor = IndicatorCursor.objects.select_for_update().get(name=CURSOR)
        events = list(
            DossierEvent.objects.filter(id__gt=cursor.last_event_id, at__lt=now - dt.timedelta(seconds=settle_seconds))
            .order_by("id")
            .values_list("id", "dossier_id")[:batch]
        )
        if not events:
            return {"events": 0, "cells": 0, "last_event_id": cursor.last_event_id}
        dossier_ids = {d for _e, d in events}
        touched: dict[dt.date, set[int]] = defaultdict(set)
        for agency_id, submitted, completed, rated in Dossier.objects.filter(pk__in=dossier_ids).values_list(
            "agency_id", "submitted_at", "completed_at", "rating__created_at"
        ):
            for day in {_local_day(submitted), _local_day(completed), _local_day(rated)} - {None}:
                touched[day].add(agency_id)
        cells = 0
        months: dict[dt.date, set[int]] = defaultdict(set)
        for day, agencies in sorted(touched.items()):
            _day_write(day, agencies)
            cells += len(agencies)
            months[month_first(day)] |= agencies
        for month, agencies in sorted(months.items()):
            months_write([month], agencies)
        cursor.last_event_id = events[-1][0]
        cursor.save(update_fields=["last_event_id", "updated_at"])
    return {"events": len(events), "cells": cells, "last_event_id": cursor.last_event_id}


def indicators_catch_up(*, batch: int = 5000, settle_seconds: int = SETTLE_SECONDS) -> int:
    """Run the rollup until no settled event is left; returns the number of events counted."""
    total = 0
    while True:
        done = indicators_rollup(batch=batch, settle_seconds=settle_seconds)
        total += done["events"]
        if done["events"] < batch:
            return total


def indicators_reconcile(*, days: int = 3) -> dict:
    """Nightly: rebuild the last `days` days (today included) from the raw rows, whatever the
    incremental job missed (an event committed late, a date corrected by hand)."""
    today = timezone.localdate()
    return indicators_rebuild(start=today - dt.timedelta(days=days - 1), end=today)


def data_first_day() -> dt.date | None:
    first = Dossier.objects.exclude(submitted_at=None).order_by("submitted_at").values_list("submitted_at", flat=True)
    value = first.first()
    return _local_day(value)
