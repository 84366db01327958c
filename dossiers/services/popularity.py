"""How much each procedure is used: "most used services" on the home page follow the dossiers."""

import datetime as dt

from django.conf import settings
from django.db.models import Count
from django.utils import timezone

from catalog.services import procedures_popularity_set

from ..models import Dossier


def procedure_popularity_refresh(*, now: dt.datetime | None = None) -> int:
    """Popularity = dossiers submitted in the last `DOSSIER_POPULARITY_DAYS` days, per procedure
    (a bundle counts once, not once per part). One aggregate query; returns how many procedures
    changed. While no dossier was filed in that window (a new portal) the values imported with
    the catalog are kept."""
    since = (now or timezone.now()) - dt.timedelta(days=settings.DOSSIER_POPULARITY_DAYS)
    counts = dict(
        Dossier.objects.filter(submitted_at__gte=since, parent__isnull=True)
        .order_by()
        .values_list("procedure_version__procedure_id")
        .annotate(n=Count("pk"))
    )
    if not counts:
        return 0
    return procedures_popularity_set(counts)
