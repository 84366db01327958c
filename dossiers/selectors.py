"""Reads on dossiers: the citizen's own, the officials' queues, the public lookup."""

import datetime as dt

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.db.models.fields.json import KT
from django.db.models.lookups import GreaterThanOrEqual, LessThan
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from identity import roles
from identity.selectors import official_agency, official_agency_ids, user_has_role
from portal.compiled import CompiledQuery

from .lifecycle import CLOCK_STOPPED_STATUSES as SUPPLEMENT_STATUSES
from .lifecycle import (
    DRAFT_STATUSES,
    FINAL_STATUSES,
    IN_PROGRESS_STATUSES,
    NEW_STATUSES,
    OPEN_STATUSES,
    PROCESSING_STATUSES,
    RETURN_STATUSES,
    SIGNOFF_STATUSES,
)
from .models import QUEUE_NO_DATE, Dossier, DossierFile, IssuedDocument, queue_due_key, queue_submitted_key

# Roles that handle dossiers and may see a citizen's dossier data in their agency.
HANDLING_ROLES = (roles.INTAKE, roles.PROCESSING, roles.LEADER)

QUEUES = {
    "mine": _("Mine"),
    "new": _("New"),
    "processing": _("In processing"),
    "supplement": _("Waiting for the citizen"),
    "signoff": _("Waiting for sign-off"),
    "to_return": _("Waiting to return"),
    "due_soon": _("Due soon"),
    "overdue": _("Overdue"),
    "done": _("Done"),
}

# A tab's count stops here: the database reads at most this many index entries per tab.
QUEUE_COUNT_CAP = 999


# What a list of dossiers never shows: the procedure version's frozen snapshot (1–2 KB of JSON
# a row) and its search text. Reading them on a listed dossier costs one query each.
LIST_DEFERRED = ("procedure_version__snapshot", "procedure_version__search_text")


def dossiers_of_citizen(user) -> QuerySet[Dossier]:
    """Dossiers the user filed or that were filed for them (bundle parts show under their parent).

    For lists: the procedure version comes without its frozen snapshot and search text."""
    return (
        Dossier.objects.filter(Q(citizen=user) | Q(filed_by=user), parent__isnull=True)
        .select_related("procedure_version", "agency")
        .defer(*LIST_DEFERRED)
        .order_by("-created_at")
    )


def dossier_for_owner(*, user, pk: int | None = None, code: str | None = None) -> Dossier | None:
    if not getattr(user, "is_authenticated", False):
        return None
    qs = Dossier.objects.filter(Q(citizen=user) | Q(filed_by=user)).select_related(
        "procedure_version", "agency", "current_agency", "citizen", "parent"
    )
    if pk is not None:
        qs = qs.filter(pk=pk)
    if code is not None:
        qs = qs.filter(code=code)
    return qs.first()


def dossier_by_code(*, code: str, agency_ids=None) -> Dossier | None:
    """Any dossier (drafts included) by its code; within these receiving agencies when given.
    Callers check who may act on it."""
    qs = Dossier.objects.filter(code=code)
    if agency_ids is not None:
        qs = qs.filter(agency_id__in=list(agency_ids))
    return qs.first()


def dossier_lookup(code: str) -> Dossier | None:
    # Codes are printed in capitals (…H57…); people type them in any case, with stray spaces.
    code = (code or "").strip()
    if not code:
        return None
    return (
        Dossier.objects.filter(code__in={code, code.upper()})
        .exclude(status__in=DRAFT_STATUSES)
        .select_related("procedure_version", "agency", "current_agency")
        .first()
    )


def due_soon_limit(now: dt.datetime | None = None) -> dt.datetime:
    """Due-soon horizon: this many calendar days (a cheap, index-friendly bound)."""
    now = now or timezone.now()
    return now + dt.timedelta(days=settings.DOSSIER_DUE_SOON_DAYS)


def queue_filter(
    queryset: QuerySet[Dossier],
    queue: str,
    *,
    now: dt.datetime | None = None,
    user=None,
    user_pk: int | None = None,
    soon: dt.datetime | None = None,
) -> QuerySet[Dossier]:
    """The dossiers of one queue tab. `user` (or only its `user_pk`) names the official of the
    "mine" tab; `soon` is the due-soon horizon (by default due_soon_limit(now))."""
    now = now or timezone.now()
    if queue == "mine":
        # Claimed by or assigned to this official, not finished.
        return queryset.filter(assigned_to_id=user_pk or getattr(user, "pk", None), status__in=OPEN_STATUSES)
    if queue == "signoff":
        return queryset.filter(status__in=SIGNOFF_STATUSES)
    if queue == "to_return":
        return queryset.filter(status__in=RETURN_STATUSES)
    if queue == "new":
        return queryset.filter(status__in=NEW_STATUSES)
    if queue == "processing":
        return queryset.filter(status__in=PROCESSING_STATUSES)
    if queue == "supplement":
        return queryset.filter(status__in=SUPPLEMENT_STATUSES)
    # The clock stops while the citizen is asked for supplements: never due soon nor overdue.
    # The due date is compared as the queue orders it (no date: 9999, never due soon nor overdue,
    # as NULL compares) so that dossier_queue_status_idx answers the range for each status.
    if queue == "due_soon":
        return queryset.filter(
            GreaterThanOrEqual(queue_due_key(), now),
            LessThan(queue_due_key(), soon or due_soon_limit(now)),
            status__in=IN_PROGRESS_STATUSES,
        )
    if queue == "overdue":
        return queryset.filter(LessThan(queue_due_key(), now), status__in=IN_PROGRESS_STATUSES)
    if queue == "done":
        return queryset.filter(status__in=FINAL_STATUSES)
    return queryset


def queue_counts(queryset: QuerySet[Dossier], *, user, now: dt.datetime | None = None) -> dict[str, int]:
    """Each queue's size, counted up to QUEUE_COUNT_CAP + 1 (one bounded query per queue: at a
    million dossiers the database stops after a thousand index entries instead of counting all).
    A count above the cap is shown as "999+"."""
    now = now or timezone.now()
    base = queryset.order_by()
    return {
        key: queue_filter(base, key, now=now, user=user).values("pk")[: QUEUE_COUNT_CAP + 1].count() for key in QUEUES
    }


# The queue is read in pages of this many rows, in the order dossiers.models.QUEUE_NO_DATE describes.
QUEUE_PAGE_SIZE = 50
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MAX_US = (QUEUE_NO_DATE - _EPOCH) // dt.timedelta(microseconds=1)
_MIN_US = (dt.datetime(1, 1, 2, tzinfo=dt.UTC) - _EPOCH) // dt.timedelta(microseconds=1)


QueueKey = tuple[dt.datetime, dt.datetime, int]


def queue_key_of(row: dict) -> QueueKey:
    return (row["due_at"] or QUEUE_NO_DATE, row["submitted_at"] or QUEUE_NO_DATE, row["id"])


def queue_cursor(key: QueueKey) -> str:
    """A row's place in the queue as a URL value: microseconds since 1970 of both dates, and the id."""
    due, submitted, pk = key
    us = dt.timedelta(microseconds=1)
    return f"{(due - _EPOCH) // us}.{(submitted - _EPOCH) // us}.{pk}"


def queue_cursor_parse(text: str | None) -> QueueKey | None:
    """The key a cursor names, or None for anything malformed. A cursor only says where to start
    reading: the rows come from the official's own queryset, whatever it holds."""
    parts = (text or "").split(".")
    # Dates before 1970 are negative numbers of microseconds.
    if len(parts) != 3 or not all(p.removeprefix("-").isdigit() and len(p) <= 19 for p in parts):
        return None
    due, submitted, pk = (int(p) for p in parts)
    if not (_MIN_US <= due <= _MAX_US and _MIN_US <= submitted <= _MAX_US and 0 < pk < 2**63):
        return None
    return (_EPOCH + dt.timedelta(microseconds=due), _EPOCH + dt.timedelta(microseconds=submitted), pk)


def queue_page_query(
    queryset: QuerySet[Dossier],
    *,
    after: QueueKey | None = None,
    before: QueueKey | None = None,
    size: int | None = None,
    with_agency: bool = False,
) -> QuerySet:
    """One page of a queue in its order (keyset pagination: the rows after `after`, or those before
    `before`, never an OFFSET) as plain values, and one row more to tell whether more lie beyond it
    (`queue_page_rows`). With the official's agency fixed, the database walks the queue's index
    from the cursor and stops after size + 1 rows."""
    size = size or QUEUE_PAGE_SIZE
    qs = queryset.alias(q_due=queue_due_key(), q_sub=queue_submitted_key())
    if after is not None:
        due, submitted, pk = after
        # The first condition bounds the index scan; the second is the exact row comparison.
        qs = qs.filter(q_due__gte=due).filter(
            Q(q_due__gt=due) | Q(q_due=due, q_sub__gt=submitted) | Q(q_due=due, q_sub=submitted, id__gt=pk)
        )
    elif before is not None:
        due, submitted, pk = before
        qs = qs.filter(q_due__lte=due).filter(
            Q(q_due__lt=due) | Q(q_due=due, q_sub__lt=submitted) | Q(q_due=due, q_sub=submitted, id__lt=pk)
        )
    order = ("-q_due", "-q_sub", "-id") if before is not None else ("q_due", "q_sub", "id")
    fields = {
        "id": "id",
        "code": "code",
        "status": "status",
        "due_at": "due_at",
        "submitted_at": "submitted_at",
        "assigned_to_id": "assigned_to_id",
        "procedure_name": "procedure_version__name",
        "applicant_name": KT("applicant__full_name"),
        "handler_name": "assigned_to__full_name",
        "handler_email": "assigned_to__email",
    }
    if with_agency:
        fields["agency_name"] = "current_agency__name"
    named = {k: F(v) if isinstance(v, str) else v for k, v in fields.items() if k != v}
    return qs.order_by(*order).values(*(k for k, v in fields.items() if k == v), **named)[: size + 1]


def queue_page_rows(rows: list[dict], *, backwards: bool, size: int | None = None) -> tuple[list[dict], bool]:
    """The page in the queue's order from what `queue_page_query` read, and whether more rows lie
    beyond it in the direction read."""
    size = size or QUEUE_PAGE_SIZE
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    return rows, more


def official_queue(*, user, queue: str | None = None) -> QuerySet[Dossier]:
    """Dossiers in the queues of the agencies this official works for, earliest due first."""
    qs = Dossier.objects.exclude(status__in=DRAFT_STATUSES).filter(current_agency__isnull=False)
    if not user.is_superuser:
        qs = qs.filter(current_agency_id__in=official_agency_ids(user))
    if queue:
        qs = queue_filter(qs, queue)
    return qs.select_related("procedure_version", "current_agency", "assigned_to", "citizen").order_by(
        "due_at", "submitted_at"
    )


def dossier_visible_to_official(*, user, dossier: Dossier) -> bool:
    """Officials who handle dossiers (intake, processing, leader) of the agency holding it — not
    every staff member of that agency (cashiers, catalog staff, auditors, volunteers)."""
    if user.is_superuser:
        return True
    if not user_has_role(user, *HANDLING_ROLES):
        return False
    ids = official_agency_ids(user)
    if not ids:
        return False
    if dossier.current_agency_id in ids or dossier.agency_id in ids:
        return True
    # An agency that had the dossier transferred to it keeps sight of it.
    return dossier.events.filter(action="transfer", data__to_agency__in=list(ids)).exists()


def dossier_files(dossier: Dossier) -> QuerySet[DossierFile]:
    """A dossier's own files and, for a bundle part, those filed with the bundle."""
    return _files_of(ids=_file_owners(dossier)).order_by("created_at")


def _file_owners(dossier: Dossier) -> list[int]:
    return [dossier.pk] + ([dossier.parent_id] if dossier.parent_id else [])


def _files_of(*, ids):
    return DossierFile.objects.filter(dossier_id__in=ids).select_related("personal_document")


# The dossier screen reads them on every view: compiled once (portal.compiled).
_FILES = CompiledQuery(lambda *, ids: _files_of(ids=ids).order_by())


def dossier_files_checked(dossier: Dossier) -> list[DossierFile]:
    """The dossier's files; each taken from the applicant's store as a document the portal
    issued and signed carries `signature` (portal.signing.verify's answer on the stored bytes, so
    the official sees the signed original is intact, not merely that it was uploaded)."""
    from portal.signing.verify import pdf_verify

    # Sorted here (a dossier's few rows): the SQL compiler's ORDER BY costs more than the sort.
    files = sorted(_FILES.fetch(ids=_file_owners(dossier)), key=lambda f: (f.created_at, f.pk))
    for f in files:
        f.signature = None
        document = f.personal_document if f.personal_document_id else None
        if document is not None and document.signed and document.file:
            with document.file.open("rb") as fh:
                f.signature = pdf_verify(fh.read())
    return files


def issued_documents(dossier: Dossier) -> QuerySet[IssuedDocument]:
    ids = [dossier.pk, *dossier.parts.values_list("pk", flat=True)]
    return IssuedDocument.objects.filter(dossier_id__in=ids).exclude(file="").select_related("dossier")


def signed_result_of(row: DossierFile) -> IssuedDocument | None:
    """The signed issue of an uploaded result document (IssuedDocument kind result_file), when
    `row` is the result the agency uploaded last for its dossier and it has been signed."""
    if row.kind != DossierFile.Kind.RESULT or row.doc_key:
        return None
    latest = (
        DossierFile.objects.filter(dossier_id=row.dossier_id, kind=DossierFile.Kind.RESULT, doc_key="")
        .order_by("-created_at", "-id")
        .values_list("pk", flat=True)
        .first()
    )
    if latest != row.pk:
        return None
    return (
        IssuedDocument.objects.filter(dossier_id=row.dossier_id, kind=IssuedDocument.Kind.SIGNED_RESULT)
        .exclude(file="")
        .order_by("-created_at", "-id")
        .first()
    )


def issued_documents_awaiting_signature(dossier: Dossier) -> QuerySet[IssuedDocument]:
    """Documents rendered but not issued because the signer was unavailable (retried)."""
    ids = [dossier.pk, *dossier.parts.values_list("pk", flat=True)]
    return IssuedDocument.objects.filter(dossier_id__in=ids, file="").exclude(signing_error="")


def personal_document_in_handled_dossier(user, document) -> bool:
    """identity hook: an official may open a personal document attached to a dossier they may see
    (a submitted one: a draft is not in any agency's hands yet)."""
    if not getattr(user, "is_authenticated", False) or not user.is_staff:
        return False
    attached = Dossier.objects.filter(files__personal_document=document).exclude(status__in=DRAFT_STATUSES)
    for dossier in attached.distinct()[:50]:
        candidates = [dossier, *dossier.parts.all()]
        if any(dossier_visible_to_official(user=user, dossier=d) for d in candidates):
            return True
    return False


def user_has_open_dossier(user) -> bool:
    """identity hook: a citizen with a dossier still in progress cannot close the account."""
    return Dossier.objects.filter(citizen=user, status__in=OPEN_STATUSES).exists()


def calendar_exceptions_visible_to(user):
    """The province-wide exceptions and those of the official's own agency (all for superusers and
    the province's calendar keepers)."""
    from .models import CalendarException

    if user.is_superuser or user.has_perm("dossiers.change_province_calendar"):
        return CalendarException.objects.all()
    agency = official_agency(user)
    scope = Q(agency__isnull=True) | Q(agency_id=agency.pk) if agency else Q(agency__isnull=True)
    return CalendarException.objects.filter(scope)
