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

from django.db import models, transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from .lifecycle import DRAFT_STATUSES, RESOLVED_STATUSES, SUCCESS_STATUSES
from .models import Channel, Dossier, DossierEvent, DossierFile, IndicatorCursor, IndicatorDaily

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


def cells_compute(
    *, start_at: dt.datetime, end_at: dt.datetime, agency_ids=None
) -> dict[tuple[int, int], dict[str, int]]:
    """{(agency id, procedure id): counters} of what happened in [start_at, end_at), from the
    raw rows. Three grouped queries (submissions, completions, ratings)."""
    cells: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    base = _base(agency_ids)
    key = ("agency_id", "procedure_version__procedure_id")

    received = base.filter(submitted_at__gte=start_at, submitted_at__lt=end_at)
    for r in (
        received.values(*key)
        .annotate(
            received=Count("pk"),
            online=Count("pk", filter=Q(channel=Channel.ONLINE)),
            fully_online=Count("pk", filter=Q(channel=Channel.ONLINE, procedure_version__online_level="full")),
        )
        .order_by()
    ):
        cells[r.pop(key[0]), r.pop(key[1])].update(r)

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
    for r in (
        finished.values(*key)
        .annotate(
            resolved=Count("pk", filter=resolved),
            resolved_with_due=Count("pk", filter=resolved & Q(legal_due__isnull=False)),
            on_time=Count("pk", filter=resolved & Q(legal_due__isnull=False, completed_at__lte=models.F("legal_due"))),
            returned=Count("pk", filter=returned),
            digitised=Count("pk", filter=returned & Q(e_result)),
        )
        .order_by()
    ):
        cells[r.pop(key[0]), r.pop(key[1])].update(r)

    rated = base.filter(rating__created_at__gte=start_at, rating__created_at__lt=end_at)
    for r in (
        rated.values(*key)
        .annotate(
            ratings=Count("rating"),
            ratings_sum=Sum("rating__score", default=0),
            satisfied=Count("rating", filter=Q(rating__score__gte=4)),
        )
        .order_by()
    ):
        cells[r.pop(key[0]), r.pop(key[1])].update(r)
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


def indicators_rebuild(*, start: dt.date, end: dt.date, stdout=None) -> dict:
    """Recompute every cell of the days start..end (inclusive) from the raw rows, one day per
    transaction. Returns {"days": …, "rows": …}."""
    days = rows = 0
    day = start
    while day <= end:
        with transaction.atomic():
            rows += _day_write(day, None)
        days += 1
        if stdout is not None and days % 30 == 0:
            stdout.write(f"  {day.isoformat()}: {rows:,} rows so far\n")
        day += dt.timedelta(days=1)
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
        for day, agencies in sorted(touched.items()):
            _day_write(day, agencies)
            cells += len(agencies)
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
