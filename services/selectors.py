"""Public reads of the catalog. Only published versions are ever returned to the public."""

from django.db.models import Count, Q, QuerySet

from .models import Agency, Field, Procedure, ProcedureVersion
from .search import search_filter


def published_versions() -> QuerySet[ProcedureVersion]:
    return ProcedureVersion.objects.filter(status=ProcedureVersion.Status.PUBLISHED).select_related("field")


def procedure_version_current(code: str) -> ProcedureVersion | None:
    """The published version of the procedure with this national code, or None."""
    return published_versions().filter(code=code).first()


def procedure_version_get(*, id: int) -> ProcedureVersion | None:
    """Any version by id, also superseded ones (a dossier keeps the version it was filed under)."""
    return ProcedureVersion.objects.select_related("field", "procedure").filter(pk=id).first()


def version_search(
    *,
    q: str = "",
    field: str = "",
    agency: str = "",
    level: str = "",
    online_level: str = "",
) -> QuerySet[ProcedureVersion]:
    """Published versions matching the query (diacritics and case ignored) and the filters.

    `field` is a field code, `agency` an agency code (or id)."""
    qs = published_versions()
    if field:
        qs = qs.filter(field__code=field)
    if agency:
        agency_q = Q(agencies__code=agency)
        if str(agency).isdigit():
            agency_q |= Q(agencies__id=int(agency))
        qs = qs.filter(pk__in=ProcedureVersion.objects.filter(agency_q).values("pk"))
    if level:
        qs = qs.filter(level=level)
    if online_level:
        qs = qs.filter(online_level=online_level)
    if q and q.strip():
        return search_filter(qs, q)
    return qs.order_by("field__position", "code")


def fields_with_counts() -> list[Field]:
    """Fields that have published procedures, each with `published_count`."""
    rows = published_versions().values("field_id").annotate(n=Count("id"))
    counts = {row["field_id"]: row["n"] for row in rows}
    fields = list(Field.objects.filter(pk__in=counts).order_by("position", "name"))
    for f in fields:
        f.published_count = counts[f.pk]
    return fields


def popular_versions(*, limit: int = 8) -> list[ProcedureVersion]:
    return list(published_versions().order_by("-procedure__popularity", "code")[:limit])


def agencies_with_published() -> QuerySet[Agency]:
    return (
        Agency.objects.filter(procedure_versions__status=ProcedureVersion.Status.PUBLISHED, is_active=True)
        .distinct()
        .order_by("level", "name")
    )


def version_agencies(version: ProcedureVersion) -> list[Agency]:
    """The live agency rows (address, hours) of a version's agencies, in snapshot order."""
    ids = [a["id"] for a in version.snapshot.get("agencies", [])]
    by_id = Agency.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def procedure_draft_is_public(procedure: Procedure) -> bool:
    return published_versions().filter(procedure=procedure).exists()
