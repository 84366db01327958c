"""Rebuild the indicator rollups of a range of days from the raw dossier rows.

manage.py indicators_rebuild --from 2026-01-01 --to 2026-01-31
manage.py indicators_rebuild            # every day since the first submission, then the
                                        # rollup job's high-water mark moves to the newest event
"""

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from dossiers.models import DossierEvent
from dossiers.rollups import CURSOR, data_first_day, indicators_rebuild


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"not a date (YYYY-MM-DD): {value!r}") from exc


class Command(BaseCommand):
    help = "Rebuild the service-quality indicator rollups of a range of days from the raw rows."

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", type=_date, help="first day (default: the first submission)")
        parser.add_argument("--to", dest="end", type=_date, help="last day, included (default: today)")

    def handle(self, *args, start=None, end=None, **options):
        from dossiers.models import IndicatorCursor

        full = start is None
        # Everything up to this event is counted by a full rebuild (read before it starts).
        last_event = DossierEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
        start = start or data_first_day() or timezone.localdate()
        end = end or timezone.localdate()
        if end < start:
            raise CommandError("--to is before --from")
        started = time.monotonic()
        done = indicators_rebuild(start=start, end=end, stdout=self.stdout)
        if full:
            IndicatorCursor.objects.update_or_create(name=CURSOR, defaults={"last_event_id": last_event})
        self.stdout.write(
            f"{done['days']} days rebuilt ({start} – {end}), {done['rows']:,} rows in "
            f"{time.monotonic() - started:.1f} s" + (f"; rollup job continues after event {last_event}" if full else "")
        )
