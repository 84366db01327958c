"""Public reads of the catalog. Only published versions are ever returned to the public."""

import copy
import time

from django.db import connections, router
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from portal.compiled import CompiledQuery

from .catalog_cache import catalog_cache_shared, catalog_cached, catalog_generation_known
from .models import Agency, Field, OnlineLevel, ProcedureVersion
from .search import search_filter, search_normalize


def published_versions() -> QuerySet[ProcedureVersion]:
    return ProcedureVersion.objects.filter(status=ProcedureVersion.Status.PUBLISHED).select_related("field")


# Read on every filing and procedure page (issue 13): compiled once per process
# (portal.compiled), and kept by this process for the catalog generation they were read in.
_VERSION_CURRENT = CompiledQuery(lambda *, code: published_versions().filter(code=code).order_by("pk")[:1])
_AGENCY = CompiledQuery(lambda *, id: Agency.objects.filter(pk=id).order_by()[:1])


class _Kept:
    """Catalog rows this process read in one catalog generation (catalog_cache): the version a
    national code names, the agency an id names. Every publish, unpublish and save of a version,
    agency or field starts a new generation, which forgets them all; a cache that cannot say
    which generation it is (Redis down) keeps nothing. Callers get a copy of a kept row, so one
    request's changes to it are not another's.

    Only with a cache that every process shares (Redis): with a cache of the process's own (the
    embedded default, a server started without Redis) a change made by another process — a
    second worker, a management command — would never reach this one's generation. And never
    longer than MAX_SECONDS, for a change no signal announces (an `update()` of rows, SQL by
    hand)."""

    MAX_ROWS = 4096  # unknown codes are kept too (as None): a flood of them does not grow it past this
    MAX_SECONDS = 300.0

    def __init__(self, generation: int | None):
        self.generation = generation
        self.born = time.monotonic()
        self.rows: dict[tuple, object] = {}


_KEPT = _Kept(None)
_MISSING = object()


def _kept(kind: str, key, read):
    global _KEPT
    generation = catalog_generation_known() if catalog_cache_shared() else None
    if generation is None:
        return read()
    kept = _KEPT
    if kept.generation != generation or time.monotonic() - kept.born > _Kept.MAX_SECONDS:
        kept = _KEPT = _Kept(generation)
    found = kept.rows.get((kind, key), _MISSING)
    if found is _MISSING:
        found = read()
        if len(kept.rows) < _Kept.MAX_ROWS:
            kept.rows[(kind, key)] = found
    return copy.copy(found) if found is not None else None


def _first(rows):
    return rows[0] if rows else None


def procedure_version_current(code: str) -> ProcedureVersion | None:
    """The published version of the procedure with this national code, or None."""
    return _kept("version", code, lambda: _first(_VERSION_CURRENT.fetch(code=code)))


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


SEARCH_KEYS = ("q", "field", "agency", "level", "online_level")


def version_search_ids(**params) -> list[int]:
    """Ids of `version_search(**params)` in rank order, one scan per catalog generation and
    normalized parameters (cached); count and pages come from the list."""
    norm = {k: str(params.get(k) or "").strip() for k in SEARCH_KEYS}
    norm["q"] = search_normalize(norm["q"])
    return catalog_cached(
        "search-ids",
        tuple(norm[k] for k in SEARCH_KEYS),
        lambda: list(version_search(**norm).values_list("pk", flat=True)),
    )


def versions_by_ids(ids: list[int], *, prefetch_agencies: bool = False) -> list[ProcedureVersion]:
    """Published versions with these ids, in the given order, without `search_text`."""
    if not ids:
        return []
    qs = ProcedureVersion.objects.filter(pk__in=ids).select_related("field").defer("search_text")
    if prefetch_agencies:
        qs = qs.prefetch_related("agencies")
    order = Case(*(When(pk=pk, then=Value(i)) for i, pk in enumerate(ids)), output_field=IntegerField())
    return list(qs.order_by(order))


def fields_with_counts() -> list[Field]:
    """Fields that have published procedures, each with `published_count` (cached per generation)."""
    return catalog_cached("fields", (), _fields_with_counts)


def _fields_with_counts() -> list[Field]:
    rows = published_versions().values("field_id").annotate(n=Count("id"))
    counts = {row["field_id"]: row["n"] for row in rows}
    fields = list(Field.objects.filter(pk__in=counts).order_by("position", "name"))
    for f in fields:
        f.published_count = counts[f.pk]
    return fields


def popular_versions(*, limit: int = 8) -> list[ProcedureVersion]:
    return list(
        published_versions().defer("search_text", "snapshot").order_by("-procedure__popularity", "code")[:limit]
    )


def agencies_with_published() -> list[Agency]:
    """Active agencies with published procedures, for the search filter (cached per generation)."""
    return catalog_cached(
        "agencies",
        (),
        lambda: list(
            Agency.objects.filter(
                pk__in=ProcedureVersion.agencies.through.objects.filter(
                    procedureversion__status=ProcedureVersion.Status.PUBLISHED
                ).values("agency_id"),
                is_active=True,
            )
            .only("id", "code", "name", "level")
            .order_by("level", "name")
        ),
    )


def catalog_figures() -> dict:
    """The home page's figures: published, fully online, active agencies (cached per generation)."""

    def compute():
        versions = published_versions()
        return {
            "total": versions.count(),
            "total_full": versions.filter(online_level=OnlineLevel.FULL).count(),
            "total_agencies": Agency.objects.filter(is_active=True).count(),
        }

    return catalog_cached("figures", (), compute)


def version_agencies(version: ProcedureVersion) -> list[Agency]:
    """The live agency rows (address, hours) of a version's agencies, in snapshot order."""
    ids = [a["id"] for a in version.snapshot.get("agencies", [])]
    by_id = Agency.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def agency_get(*, id: int) -> Agency | None:
    id = int(id)
    return _kept("agency", id, lambda: _first(_AGENCY.fetch(id=id)))


def agency_by_code(*, code: str) -> Agency | None:
    return Agency.objects.filter(code=code).first()


def agencies_by_ids(*, ids) -> dict[int, Agency]:
    return Agency.objects.in_bulk(list(ids))


def agencies_active() -> QuerySet[Agency]:
    """Active agencies by name (e.g. the choices of a transfer form)."""
    return Agency.objects.filter(is_active=True).order_by("name")


def agencies_all() -> QuerySet[Agency]:
    return Agency.objects.order_by("name", "pk")


def agency_descendant_ids(*, ids) -> set[int]:
    """The agencies under the given ones, at any depth (not including them).

    One statement, a recursive query (PostgreSQL and SQLite), whatever the depth of the tree; it
    reads the rows as they are, so an agency moved under another counts at once. UNION (not UNION
    ALL) stops on a cycle in the parent links."""
    start = {int(pk) for pk in ids}
    if not start:
        return set()
    connection = connections[router.db_for_read(Agency)]
    table = connection.ops.quote_name(Agency._meta.db_table)
    pk = connection.ops.quote_name(Agency._meta.pk.column)
    parent = connection.ops.quote_name(Agency._meta.get_field("parent").column)
    marks = ", ".join(["%s"] * len(start))
    sql = (
        f"WITH RECURSIVE under_start (id) AS ("  # noqa: S608 - names from the model
        f" SELECT {pk} FROM {table} WHERE {parent} IN ({marks})"
        f" UNION SELECT a.{pk} FROM {table} a JOIN under_start u ON a.{parent} = u.id"
        f") SELECT id FROM under_start"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, sorted(start))
        return {row[0] for row in cursor.fetchall()} - start


def agency_area(*, ids, active_only: bool = False) -> tuple[set[int], set[int]]:
    """The area the given agencies serve: (ward ids of their communes, province ids of the
    province- and central-level ones). A commune agency does not serve its whole province."""
    agencies = Agency.objects.filter(pk__in=list(ids))
    if active_only:
        agencies = agencies.filter(is_active=True)
    ward_ids: set[int] = set()
    province_ids: set[int] = set()
    for level, ward_id, province_id in agencies.values_list("level", "ward_id", "province_id"):
        if ward_id:
            ward_ids.add(ward_id)
        if province_id and level != Agency.Level.COMMUNE:
            province_ids.add(province_id)
    return ward_ids, province_ids


def time_unit_label(unit: str) -> str:
    """The label of a processing-time unit ("ngày làm việc" …) in the active language."""
    from .models import TimeUnit

    return str(dict(TimeUnit.choices).get(unit, unit))
