"""The officials' side: queues per agency (new, in processing, supplements, due soon, overdue,
done), the processing page with one form per possible action, and the working-day calendar."""

import datetime as dt
import functools
import logging

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Q, Subquery
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import urlencode as urlencode_filter
from django.template.loader import get_template
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import dateformat, timezone
from django.utils.html import conditional_escape, escape, format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext_lazy, ngettext, pgettext
from django.utils.translation import gettext as _

from identity.selectors import official_agency
from portal.compiled import CompiledQuery
from portal.db_router import replica_reads

from . import indicator_pages, selectors, services
from .calendar import display_calendar
from .eform import answers_display
from .forms import (
    ApproveForm,
    AssignForm,
    CertifyCopyForm,
    CommentForm,
    ExtendForm,
    NoteForm,
    ReasonForm,
    ScanForm,
    SupplementRequestForm,
    TransferForm,
)
from .hooks import fee_detail, fee_summaries
from .identity_facts import applicant_identity
from .lifecycle import (
    ACTIONS,
    CLOCK_STOPPED_STATUSES,
    DRAFT_STATUSES,
    IN_PROGRESS_STATUSES,
    INTAKE_SCAN_STATUSES,
    OFFICIAL,
    STATUS_BADGES,
    actions_available,
)
from .models import CalendarException, Channel, Dossier, DossierEvent, DossierFile, IssuedDocument, Status
from .services import DossierActionError
from .services.calendar import calendar_exception_delete, calendar_exception_may_change, calendar_exception_save

# The queue's columns in order: the key each row's cell is written for, and the heading. The
# receiving agency's column is shown to officials of several agencies (and superusers) only.
QUEUE_COLUMNS = {
    "code_status": gettext_lazy("dossier code"),
    "current_agency": Dossier._meta.get_field("current_agency").verbose_name,
    "procedure_name": gettext_lazy("procedure"),
    "applicant_name": gettext_lazy("applicant"),
    "submitted": gettext_lazy("submitted"),
    "due_date": gettext_lazy("due at"),
    "fee_status": gettext_lazy("fee"),
    "handler": gettext_lazy("handler"),
}


class QueueRows:
    """The queue table's rows, written in one pass from plain values (issue 19's speed target).
    Anything that does not depend on the row — the cell labels shown on a phone, the status
    badges, the fee and "not taken" words, the change link's shape, the time zone — is made once
    per page, and a "3 working days left" note once per distinct count; a row is then a handful of
    string joins with every value escaped. The markup is the admin's own (`th.field-…` holding the
    row's link, `td.action-checkbox`), so its styles and actions.js apply."""

    def __init__(self, columns, *, fees: dict, calendar, today: dt.date):
        self.columns, self.fees, self.calendar, self.today = list(columns), fees, calendar, today
        change = reverse("admin:dossiers_dossier_change", args=[0])
        self.head, self.tail = change.split("/0/", 1)
        language = get_language()
        self.label = {name: _cell_label(str(QUEUE_COLUMNS[name]), language) for name in QUEUE_CELL_LABELS}
        self.status_label = {value: str(label) for value, label in Status.choices}
        self.status = {
            value: f'<span class="badge {STATUS_BADGES.get(value, "")}">{escape(label)}</span>'
            for value, label in self.status_label.items()
        }
        self.overdue = f' <span class="badge badge-danger">{escape(_("Overdue"))}</span>'
        self.no_fee, self.not_taken = escape(_("No fee")), escape(_("Not taken"))
        self.select = [escape(part) for part in _("Select this object for an action - {}").split("{}", 1)]
        self.zone = timezone.get_current_timezone()
        self.now = timezone.now()
        self.notes: dict = {}

    def html(self, rows) -> str:
        label, status_badge, fees, zone, now = self.label, self.status, self.fees, self.zone, self.now
        checkbox = helpers.ACTION_CHECKBOX_NAME
        select_head, select_tail = [*self.select, ""][:2]
        with_agency = "current_agency" in self.columns
        out = []
        for row in rows:
            pk, code, status, due_at, submitted_at = (
                row["id"],
                row["code"] or "",
                row["status"],
                row["due_at"],
                row["submitted_at"],
            )
            name = code or f"#{pk} ({self.status_label.get(status, status)})"
            late = due_at is not None and status in IN_PROGRESS_STATUSES and due_at < now
            cells = [
                f'<tr><td class="action-checkbox"><input type="checkbox" name="{checkbox}" value="{pk}" '
                f'class="action-select" aria-label="{select_head}{escape(name)}{select_tail}"></td>'
                f'<th class="field-code_status"><a href="{self.head}/{pk}/{self.tail}">{escape(code)}<br>'
                f"{status_badge.get(status) or escape(status)}{self.overdue if late else ''}</a></th>"
            ]
            if with_agency:
                cells.append(f'<td class="field-current_agency">{escape(row.get("agency_name") or "")}</td>')
            procedure = row["procedure_name"] or ""
            if len(procedure) > 70:
                procedure = procedure[:68] + "…"
            when = submitted_at.astimezone(zone).strftime("%d/%m/%Y") if submitted_at else "—"
            fee = fees.get(pk)
            if fee:
                fee = f'<span class="badge badge-{escape(fee["tone"])}">{escape(fee["label"])}</span>'
            who = self.not_taken
            if row["assigned_to_id"]:
                # As User.get_full_name(): the name, else the email, else the account's number.
                who = escape(
                    row["handler_name"] or row["handler_email"] or _("Account #%(pk)s") % {"pk": row["assigned_to_id"]}
                )
            cells.append(
                f'<td class="field-procedure_name">{label["procedure_name"]}{escape(procedure)}</td>'
                f'<td class="field-applicant_name">{label["applicant_name"]}{escape(row["applicant_name"] or "—")}</td>'
                f'<td class="field-submitted">{label["submitted"]}{when}</td>'
                f'<td class="field-due_date">{label["due_date"]}{self.due(due_at, status)}</td>'
                f'<td class="field-fee_status">{label["fee_status"]}{fee or self.no_fee}</td>'
                f'<td class="field-handler">{label["handler"]}{who}</td></tr>\n'
            )
            out.append("".join(cells))
        return mark_safe("".join(out))  # noqa: S308 - every value above is escaped

    def due(self, due_at, status) -> str:
        """The due date and, while the clock runs, the working days left or late."""
        if due_at is None:
            return "—"
        due = due_at.astimezone(self.zone)
        date = due.strftime("%d/%m/%Y")
        if status in CLOCK_STOPPED_STATUSES:
            return date + self._note("stopped", 0)
        if status not in IN_PROGRESS_STATUSES:
            return date
        if due_at < self.now:
            return date + self._note("late", max(self.calendar.between(due.date(), self.today), 0))
        return date + self._note("left", self.calendar.between(self.today, due.date()))

    def _note(self, kind: str, n: int) -> str:
        note = self.notes.get((kind, n))
        if note is None:
            if kind == "stopped":
                text, tone = _("clock stopped"), "info"
            elif kind == "late":
                text = ngettext("%(n)d working day late", "%(n)d working days late", n) % {"n": n} if n else None
                text, tone = text or _("overdue today"), "danger"
            else:
                text = ngettext("%(n)d working day left", "%(n)d working days left", n) % {"n": n} if n else None
                text, tone = text or _("due today"), "warn" if n <= 2 else ""
            tone = f" badge-{tone}" if tone else ""
            note = self.notes[(kind, n)] = f' <span class="badge{tone}">{escape(text)}</span>'
        return note


# The columns a phone shows with their name in front of each value (the table's headings are
# hidden there).
QUEUE_CELL_LABELS = ("procedure_name", "applicant_name", "submitted", "due_date", "fee_status", "handler")


logger = logging.getLogger(__name__)


def _cache_call(method: str, *args):
    """The queue counts' cache, never a failure of the page or of an action already committed:
    with the cache unreachable the counts are simply computed again."""
    try:
        return getattr(cache, method)(*args)
    except Exception:
        logger.warning("Queue counts cache unavailable (%s)", method, exc_info=False)
        return None


def _counts_key(user) -> str:
    """The cache key of an official's queue-tab counts (kept DOSSIER_QUEUE_COUNTS_SECONDS)."""
    return f"dossiers:queue-counts:{user.pk}"


@functools.lru_cache(maxsize=64)
def _cell_label(label: str, language: str | None):
    return format_html('<span class="cell-label">{}: </span>', capfirst(label))


@functools.lru_cache(maxsize=256)
def _filter_options(kind: str, language: str | None, selected: str) -> str:
    """The queue's status or channel <option>s in this language, the chosen one selected (the
    same few lists on every page: made once per process)."""
    if kind == "status":
        empty, choices = _("— any status —"), [(v, label) for v, label in Status.choices if v not in DRAFT_STATUSES]
    else:
        empty, choices = _("— any channel —"), Channel.choices
    options = [("", empty), *choices]
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((value, mark_safe(" selected") if value == selected else "", label) for value, label in options),
    )


_RUNNING_INDEX: dict = {}


class _WorkingDayIndex:
    """Working days between two dates by subtraction: the page's calendar is walked once (a year
    either side of today) into a running count; dates beyond it count from its edge."""

    SPAN = 366

    def __init__(self, today: dt.date):
        calendar = display_calendar(today - dt.timedelta(days=self.SPAN), 2 * self.SPAN)
        self.start = calendar.start
        # The walk over two years of days is the same for every page of the day while the
        # exceptions stay the same: kept per process, keyed by both (the exceptions themselves are
        # read again whenever one is saved or deleted: dossiers.calendar.display_calendar).
        key = (self.start, frozenset(calendar.days_off), frozenset(calendar.working))
        running = _RUNNING_INDEX.get(key)
        if running is None:
            running, count = [], 0
            for offset in range(2 * self.SPAN + 1):
                count += calendar.is_working_day(self.start + dt.timedelta(days=offset))
                running.append(count)
            _RUNNING_INDEX.clear()  # one day's (and one set of exceptions') index at a time
            _RUNNING_INDEX[key] = running
        self.running = running

    def _at(self, day: dt.date) -> int:
        offset = min(max((day - self.start).days, 0), len(self.running) - 1)
        return self.running[offset]

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        return self._at(end) - self._at(start)


# The form of each action's inputs (the lifecycle table says who may take it, when, and its label).
ACTION_FORMS = {
    "receive": NoteForm,
    "request_supplement": SupplementRequestForm,
    "reject_intake": ReasonForm,
    "transfer": TransferForm,
    "transfer_back": NoteForm,
    "propose_approve": ApproveForm,
    "propose_refuse": ReasonForm,
    "sign_off": NoteForm,
    "send_back": CommentForm,
    "approve": ApproveForm,
    "certify_copy": CertifyCopyForm,
    "refuse": ReasonForm,
    "extend": ExtendForm,
    "stop": ReasonForm,
    "return_result": NoteForm,
    "claim": None,
    "assign": AssignForm,
}


# An unbound action form's markup is the same on every dossier screen with the same language and
# choices: Django's form templates render it once per process and later screens reuse the string
# (the forms were a third of the screen's CPU, issue 19). Bounded: a handful of forms × languages,
# the agencies' or officials' choices as they change, and the scan form of each procedure (its list
# of documents; a few KB each, forgotten all at once when full).
_FORM_HTML: dict = {}
_FORM_HTML_MAX = 2048
# Forms whose choices are the dossier's own (its files): rendered each time, never kept.
_FORMS_PER_DOSSIER = (CertifyCopyForm,)


def _form_html(form) -> str:
    """The form as Django's `as_div` writes it; a bound form (a refused POST shown again with its
    errors) or a form with the dossier's own choices is always rendered afresh."""
    if form.is_bound or isinstance(form, _FORMS_PER_DOSSIER):
        return form.as_div()
    key = (type(form), form.prefix, get_language(), repr(form.initial), _choices_key(form))
    html = _FORM_HTML.get(key)
    if html is None:
        html = form.as_div()
        if len(_FORM_HTML) >= _FORM_HTML_MAX:
            _FORM_HTML.clear()
        _FORM_HTML[key] = html
    return html


def _choices_key(form) -> tuple:
    """Every choice field's (value, label) pairs: the part of an unbound form's markup read from data
    (a field that can say so without building its choices' objects is asked for its key)."""
    return tuple(
        (name, key() if (key := getattr(field, "choices_key", None)) else _pairs(field.choices))
        for name, field in form.fields.items()
        if hasattr(field, "choices")
    )


def _pairs(choices) -> tuple:
    return tuple((str(value), str(label)) for value, label in choices)


# What the screen shows of the dossier's related rows (the dossier's own columns are all read): the
# other columns of three accounts, two agencies, the procedure and the parent dossier are not
# fetched (a quarter of the screen's SQL compiling and row building). The SQL-count tests notice a
# column the screen starts to use without being listed here (it would be read by a query of its own).
_SCREEN_RELATED_FIELDS = (
    "procedure_version__snapshot",
    "assigned_to__full_name",
    "assigned_to__email",
    "citizen__full_name",
    "citizen__email",
    "citizen__personal_id",
    "citizen__identity_level",
    "citizen__verified_via",
    "citizen__verified_at",
    "citizen__personal_id_source",
    "filed_by__full_name",
    "filed_by__email",
)


@functools.cache
def _screen_fields() -> tuple[str, ...]:
    return (*(f.name for f in Dossier._meta.concrete_fields), *_SCREEN_RELATED_FIELDS)


@functools.cache
def _timeline_fields() -> tuple[str, ...]:
    """An event's own columns and what the screen shows of its actor: the name (or email)."""
    return (*(f.name for f in DossierEvent._meta.concrete_fields), "actor__full_name", "actor__email")


def _agency_model():
    return Dossier._meta.get_field("agency").related_model


def _screen_names() -> dict:
    """What the screen shows of the two agencies and the parent dossier, as scalar subqueries."""
    agencies = _agency_model().objects
    return {
        "screen_agency_name": Subquery(agencies.filter(pk=OuterRef("agency_id")).values("name")[:1]),
        "screen_current_agency_name": Subquery(agencies.filter(pk=OuterRef("current_agency_id")).values("name")[:1]),
        "screen_parent_code": Subquery(Dossier.objects.filter(pk=OuterRef("parent_id")).values("code")[:1]),
    }


def _in_scope(queryset, agencies: list[int] | None):
    """Dossiers an official works on: filed (not drafts), held by an agency, and — unless
    `agencies` is None (a superuser) — held by one of these agencies."""
    queryset = queryset.exclude(status__in=DRAFT_STATUSES).filter(current_agency__isnull=False)
    return queryset if agencies is None else queryset.filter(current_agency_id__in=agencies)


def _dossier_read(*, pk: int, agencies: list[int] | None, screen: bool):
    """One dossier in the official's scope, joined with its procedure version and three accounts.
    Joining the two agencies and the parent dossier as well (eight tables) cost PostgreSQL 12-14 ms
    of planning per screen at 1M dossiers, most of it for the self-join of the 17-index dossier
    table, against ~1.3 ms for these five: the screen takes the agencies' names and the parent's
    code as scalar subqueries of the same statement; an action reads the two agencies' whole rows in
    a second statement (its services may use more than the name)."""
    dossier = (
        _in_scope(Dossier.objects.all(), agencies)
        .select_related("procedure_version", "assigned_to", "citizen", "filed_by")
        .filter(pk=pk)
        .order_by()  # one row by its key: the queue's ordering would only cost the SQL compiler
    )
    if screen:
        dossier = dossier.only(*_screen_fields()).annotate(**_screen_names())
    return dossier[:1]


# A dossier's timeline (with each actor's name) and issued documents, as `dossier.events` and
# `dossier.issued_documents` read them; compiled once (portal.compiled).
_EVENTS = CompiledQuery(
    lambda *, dossier_id: (
        DossierEvent.objects.filter(dossier_id=dossier_id).select_related("actor").only(*_timeline_fields()).order_by()
    )
)
_ISSUED = CompiledQuery(lambda *, dossier_id: IssuedDocument.objects.filter(dossier_id=dossier_id).order_by())


def _of_dossier(read: CompiledQuery, dossier) -> list:
    """The rows of one of the reads above, each knowing its dossier (as a related manager's rows do)."""
    rows = read.fetch(dossier_id=dossier.pk)
    for row in rows:
        type(row).dossier.field.set_cached_value(row, dossier)
    return rows


def _search(queryset, term: str):
    """A dossier code (exact), a personal ID number (exact, 9 or 12 digits) or a part of the
    applicant's name."""
    if term.isdigit() and len(term) in (9, 12):
        return queryset.filter(Q(applicant__personal_id=term) | Q(code=term))
    if any(ch.isdigit() for ch in term):
        return queryset.filter(code=term)
    return queryset.filter(applicant__full_name__icontains=term)


def _queue_read(
    *,
    agencies,
    queue,
    user_pk,
    now,
    soon,
    status,
    channel,
    direction,
    cursor_due,
    cursor_submitted,
    cursor_pk,
    with_agency,
    term=None,
):
    """The queue page's statement: one tab of the official's dossiers, filtered, from a cursor."""
    qs = _in_scope(Dossier.objects.all(), agencies)
    if queue:
        qs = selectors.queue_filter(qs, queue, now=now, user_pk=user_pk, soon=soon)
    if status:
        qs = qs.filter(status=status)
    if channel:
        qs = qs.filter(channel=channel)
    if term:
        qs = _search(qs, term)
    cursor = (cursor_due, cursor_submitted, cursor_pk)
    return selectors.queue_page_query(
        qs,
        after=cursor if direction == "after" else None,
        before=cursor if direction == "before" else None,
        with_agency=with_agency,
    )


_QUEUE_READ = CompiledQuery(_queue_read, shape_args=("queue", "direction"))
# Built and compiled once per shape (portal.compiled): the compiling was 2.5 ms of the screen's CPU.
_DOSSIER_READ = CompiledQuery(_dossier_read, shape_args=("screen",))


def _attach_screen_names(dossier) -> None:
    """Set the agencies and the parent as rows holding only what the screen shows (`only()`-style
    instances: another column would be read on access)."""
    Agency, db = _agency_model(), dossier._state.db
    for field in ("agency", "current_agency"):
        pk = getattr(dossier, f"{field}_id")
        if pk is not None:
            agency = Agency.from_db(db, ["id", "name"], [pk, getattr(dossier, f"screen_{field}_name")])
            Dossier._meta.get_field(field).set_cached_value(dossier, agency)
    if dossier.parent_id is not None:
        parent = Dossier.from_db(db, ["id", "code"], [dossier.parent_id, dossier.screen_parent_code])
        Dossier._meta.get_field("parent").set_cached_value(dossier, parent)


def _attach_agencies(dossier) -> None:
    """Read the dossier's agency and current agency in one statement and set them on it."""
    wanted = {dossier.agency_id, dossier.current_agency_id} - {None}
    found = {agency.pk: agency for agency in _agency_model().objects.filter(pk__in=wanted)}
    for field in ("agency", "current_agency"):
        agency = found.get(getattr(dossier, f"{field}_id"))
        if agency is not None:
            Dossier._meta.get_field(field).set_cached_value(dossier, agency)


def _panel_title(action) -> str:
    title = str(action.label)
    if action.form:
        title = f"{title} ({IssuedDocument.Kind(action.form).label})"
    return title


def _inputs(action, cleaned: dict) -> dict:
    return {name: cleaned.get(name) for name in action.inputs if name in cleaned}


@admin.register(Dossier)
class DossierAdmin(admin.ModelAdmin):
    """The queue page (`changelist_view`) is not Django's ChangeList: it reads one page of plain
    values in the queue's order with a keyset cursor, and writes the rows in one pass (issue 19).
    Its "take the selected dossiers" form posts the admin's own action fields to the same URL."""

    search_help_text = gettext_lazy("Dossier code, applicant's name or personal ID number")
    ordering = ["due_at", "submitted_at"]
    actions = ["claim_selected"]
    change_form_template = "admin/dossiers/dossier/process.html"
    change_list_template = "admin/dossiers/dossier/change_list.html"

    class Media:
        css = {"all": ["dossiers/admin.css"]}

    def get_queryset(self, request):
        return _in_scope(super().get_queryset(request), self._scope(request))

    def _scope(self, request) -> list[int] | None:
        """The agencies whose dossiers this official works on; None for a superuser (all)."""
        return None if request.user.is_superuser else sorted(self._agency_ids(request))

    def _queue_columns(self, request) -> list[str]:
        several = request.user.is_superuser or len(self._agency_ids(request)) > 1
        return [name for name in QUEUE_COLUMNS if several or name != "current_agency"]

    def get_search_results(self, request, queryset, search_term):
        """A dossier code (exact), a personal ID number (exact, 9 or 12 digits) or a part of the
        applicant's name. Looking a person up is personal-data access: it is audited."""
        term = " ".join((search_term or "").split())[:100]
        if not term:
            return queryset, False
        self._audit_term(request, term)
        return _search(queryset, term), False

    def _audit_term(self, request, term: str) -> None:
        if term.isdigit() and len(term) in (9, 12):
            self._audit_search(request, _("dossier search by personal ID"))
        elif not any(ch.isdigit() for ch in term):
            self._audit_search(request, _("dossier search by name"))

    def _audit_search(self, request, what):
        from portal.audit import AuditAction, audit_record

        audit_record(actor=request.user, action=AuditAction.VIEW, detail=str(what), request=request)

    def _agency_ids(self, request):
        from identity.selectors import official_agency_ids

        if not hasattr(request, "_dossier_agency_ids"):
            request._dossier_agency_ids = official_agency_ids(request.user)
        return request._dossier_agency_ids

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            return self._queue_action(request)
        return self._queue_page(request, extra_context)

    def _queue_action(self, request):
        """The "take the selected dossiers" form: the admin's own action handling, on the dossiers
        of the official's agencies that were ticked; back to the same page afterwards."""
        if "index" in request.POST and request.POST.getlist(helpers.ACTION_CHECKBOX_NAME):
            response = self.response_action(request, queryset=self.get_queryset(request))
            if response is not None:
                return response
        elif "index" in request.POST:
            self.message_user(
                request,
                _("Items must be selected in order to perform actions on them. No items have been changed."),
                messages.WARNING,
            )
        return HttpResponseRedirect(request.get_full_path())

    def _queue_page(self, request, extra_context=None):
        params = request.GET
        queue = params.get("queue")
        queue = queue if queue in selectors.QUEUES else None
        status = params.get("status") or params.get("status__exact")
        status = status if status in Status.values and status not in DRAFT_STATUSES else None
        channel = params.get("channel") or params.get("channel__exact")
        channel = channel if channel in Channel.values else None
        term = " ".join(params.get("q", "").split())[:100]

        after = selectors.queue_cursor_parse(params.get("after"))
        before = None if after else selectors.queue_cursor_parse(params.get("before"))
        columns = self._queue_columns(request)
        now = timezone.now()
        cursor = after or before
        read = {
            "agencies": self._scope(request),
            "queue": queue,
            "user_pk": request.user.pk if queue == "mine" else None,
            "now": now if queue in ("due_soon", "overdue") else None,
            "soon": selectors.due_soon_limit(now) if queue == "due_soon" else None,
            "status": status,
            "channel": channel,
            "direction": "after" if after else "before" if before else None,
            "cursor_due": cursor[0] if cursor else None,
            "cursor_submitted": cursor[1] if cursor else None,
            "cursor_pk": cursor[2] if cursor else None,
            "with_agency": "current_agency" in columns,
        }
        if term:
            # A name is looked for with LIKE '%…%', a pattern the ORM makes of the term: built each time.
            self._audit_term(request, term)
            found = list(_queue_read(**read, term=term))
        else:
            found = _QUEUE_READ.fetch(**read)
        rows, more = selectors.queue_page_rows(found, backwards=before is not None)

        today = timezone.localdate()
        fees = fee_summaries(dossier_ids=[r["id"] for r in rows]) if rows else {}
        calendar = _WorkingDayIndex(today) if rows else None
        body = QueueRows(columns, fees=fees, calendar=calendar, today=today).html(rows)

        # Where the neighbouring pages start. Read forwards (the first page, or after a cursor):
        # a page before exists when a cursor brought us here, one after when a row was left over.
        # Read backwards, the other way round.
        kept = {k: v for k, v in (("queue", queue), ("status", status), ("channel", channel), ("q", term)) if v}
        backwards = before is not None
        has_previous, has_next = (more, True) if backwards else (after is not None, more)
        previous_url = next_url = None
        if rows and has_previous:
            previous_url = "?" + urlencode({**kept, "before": selectors.queue_cursor(selectors.queue_key_of(rows[0]))})
        if rows and has_next:
            next_url = "?" + urlencode({**kept, "after": selectors.queue_cursor(selectors.queue_key_of(rows[-1]))})
        first_url = "?" + urlencode(kept) if (after or before) else None

        title = _("Dossier queue") + (f": {selectors.QUEUES[queue]}" if queue else "")
        action_choices = self.get_action_choices(request)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "show_indicators": _may_see_indicators(request.user),
            "queue_tabs": self._queue_tabs(request, queue),
            "headings": [(name, capfirst(QUEUE_COLUMNS[name])) for name in columns],
            "rows": body,
            "row_count": len(rows),
            "selection_note": _("0 of %(cnt)s selected") % {"cnt": len(rows)},
            "queue": queue,
            "term": term,
            "status": status,
            "channel": channel,
            "status_options": _filter_options("status", get_language(), status or ""),
            "channel_options": _filter_options("channel", get_language(), channel or ""),
            # The queue is the officials' work page: the width goes to its columns, not to the
            # admin's sidebar of every model (the breadcrumbs lead back to the index).
            "is_nav_sidebar_enabled": False,
            "search_help_text": self.search_help_text,
            "action_choices": action_choices if len(action_choices) > 1 else None,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "previous_url": previous_url,
            "next_url": next_url,
            "first_url": first_url,
            **(extra_context or {}),
        }
        return TemplateResponse(request, self.change_list_template, context)

    def _queue_tabs(self, request, current):
        """The tabs with their counts: bounded counts, kept for a few seconds per official."""
        counts = _cache_call("get", _counts_key(request.user))
        if counts is None:
            counts = selectors.queue_counts(self.get_queryset(request), user=request.user)
            _cache_call("set", _counts_key(request.user), counts, settings.DOSSIER_QUEUE_COUNTS_SECONDS)
        base = reverse("admin:dossiers_dossier_changelist")
        cap = selectors.QUEUE_COUNT_CAP
        return [
            {
                "key": key,
                "label": label,
                "count": f"{cap}+" if counts.get(key, 0) > cap else str(counts.get(key, 0)),
                "url": f"{base}?queue={key}",
                "current": key == current,
            }
            for key, label in selectors.QUEUES.items()
        ]

    def indicators_view(self, request):
        """Service-quality indicators per agency (leaders of their agencies, superusers: all)."""
        from identity.selectors import official_agency_ids

        from .forms import IndicatorPeriodForm
        from .indicators import RATIO_KEYS, agency_indicators

        if not _may_see_indicators(request.user):
            raise PermissionDenied
        asked = any(k in request.GET for k in ("period", "date_from", "date_to"))
        form = IndicatorPeriodForm(request.GET if asked else {"period": "this_month"})
        rows, start, end, charts, computed_at, rows_html = [], None, None, None, None, None
        if form.is_valid():
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
            agency_ids = None if request.user.is_superuser else official_agency_ids(request.user)
            if request.GET.get("format") == "csv":
                return _indicators_csv(agency_indicators(agency_ids=agency_ids, start=start, end=end), start, end)
            # The period and the trend of the six months up to its end, computed together (and kept
            # for a minute: indicator_pages.leaders_figures).
            figures = indicator_pages.leaders_figures(agency_ids=agency_ids, period=(start, end), n=6, prefix="adm")
            rows, charts, computed_at = figures["rows"], figures["charts"], figures["computed_at"]
            rows_html = figures["rows_html"]
        query = request.GET.copy()
        query["format"] = "csv"
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Service-quality indicators"),
            "form": form,
            "rows": rows,
            "start": start,
            "end": end,
            "columns": _indicator_columns(),
            "ratio_keys": RATIO_KEYS,
            "score_formula": indicator_pages.score_formula(),
            "charts": charts,
            "rows_html": rows_html,
            "computed_at": computed_at if settings.INDICATOR_CACHE_SECONDS > 0 else None,
            "cache_seconds": settings.INDICATOR_CACHE_SECONDS,
            "csv_url": f"{reverse('admin:dossiers_dossier_indicators')}?{query.urlencode()}",
        }
        return TemplateResponse(request, "admin/dossiers/dossier/indicators.html", context)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=gettext_lazy("Take the selected dossiers"))
    def claim_selected(self, request, queryset):
        taken = 0
        for dossier in queryset[:100]:
            try:
                services.dossier_claim(dossier=dossier, by=request.user)
                taken += 1
            except DossierActionError as exc:
                self.message_user(request, f"{dossier.code}: {exc.message}", messages.WARNING)
        if taken:
            _cache_call("delete", _counts_key(request.user))  # the official's own tabs follow at once
            self.message_user(request, _("%(n)d dossier(s) taken.") % {"n": taken}, messages.SUCCESS)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path(
                "indicators/",
                self.admin_site.admin_view(replica_reads(self.indicators_view)),
                name="{}_{}_indicators".format(*info),
            ),
            path("register/", self.admin_site.admin_view(self.register_view), name="{}_{}_register".format(*info)),
            path(
                "<int:pk>/control-slip/",
                self.admin_site.admin_view(self.control_slip_view),
                name="{}_{}_control_slip".format(*info),
            ),
            path(
                "<int:pk>/action/<slug:action>/",
                self.admin_site.admin_view(self.action_view),
                name="{}_{}_action".format(*info),
            ),
            path(
                "<int:pk>/issued/<int:doc_id>/regenerate/",
                self.admin_site.admin_view(self.regenerate_view),
                name="{}_{}_regenerate".format(*info),
            ),
            *super().get_urls(),
        ]

    def _dossier(self, request, pk, *, screen: bool = False) -> Dossier:
        # The processing page shows the citizen's data: only officials holding the dossier
        # model's view permission (intake, processing, leader) of the agency may open it.
        if not self.has_view_permission(request):
            raise PermissionDenied
        pk = str(pk)
        if not pk.isdigit() or len(pk) > 18:
            raise Http404
        found = _DOSSIER_READ.fetch(pk=int(pk), agencies=self._scope(request), screen=screen)
        if not found:
            raise Http404
        dossier = found[0]
        if screen:
            _attach_screen_names(dossier)
        else:
            _attach_agencies(dossier)
        return dossier

    def _forms(self, request, dossier, bound=None, events=None):
        forms = []
        for action in actions_available(user=request.user, dossier=dossier, actor=OFFICIAL, events=events):
            name = action.name
            if name not in ACTION_FORMS or not action.panel:
                continue
            form_class = ACTION_FORMS[name]
            if name == "claim" and dossier.assigned_to_id:
                continue
            if bound and bound[0] == name:
                form = bound[1]
            elif form_class is None:
                form = None
            elif form_class is AssignForm:
                form = AssignForm(agency_id=dossier.current_agency_id, prefix=name)
            elif form_class is CertifyCopyForm:
                form = CertifyCopyForm(dossier=dossier, prefix=name)
            else:
                form = form_class(prefix=name)
            forms.append(
                {
                    "name": name,
                    "title": _panel_title(action),
                    "form": form,
                    "html": _form_html(form) if form is not None else "",
                    "destructive": action.destructive,
                    "limit": action.limit,
                }
            )
        return forms

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The citizen's account (identity level, how verified) is shown: read it with the dossier.
        dossier = self._dossier(request, object_id, screen=True)
        return self._render(request, dossier)

    def _render(self, request, dossier, bound=None):
        scan_form = None
        if services.official_may(request.user, dossier, "receive") and dossier.status in INTAKE_SCAN_STATUSES:
            scan_form = ScanForm(documents=dossier.snapshot.get("documents", []), prefix="scan")
        # One query each for the timeline and the issued documents; the page reads both twice, and
        # the actions' legal limits look in the timeline instead of asking the database again.
        # Sorted here: a dossier's rows are few, and the SQL compiler's ORDER BY (it hashes every
        # selected column) costs more than the sort.
        events = sorted(_of_dossier(_EVENTS, dossier), key=lambda e: (e.at, e.pk))
        forms = self._forms(request, dossier, bound, events)
        documents = sorted(_of_dossier(_ISSUED, dossier), key=lambda d: (d.created_at, d.pk))
        site = self.admin_site.each_context(request)
        context = {
            **site,
            "nav_sidebar": _nav_sidebar(request, site.get("available_apps") or []),
            "opts": self.opts,
            "title": f"{_('Dossier')} {dossier.code}",
            "dossier": dossier,
            "snapshot": dossier.snapshot,
            "events": events,
            "timeline": _timeline_items(events),
            "files": selectors.dossier_files_checked(dossier),
            "issued": [doc for doc in documents if doc.file],
            "awaiting_signature": [doc for doc in documents if not doc.file and doc.signing_error],
            "action_forms": [a for a in forms if not a["destructive"]],
            "destructive_forms": [a for a in forms if a["destructive"]],
            "fee": fee_detail(dossier=dossier),
            **_officials(dossier, events),
            "scan_form": scan_form,
            "scan_form_html": _form_html(scan_form) if scan_form is not None else "",
            "parts": dossier.parts.select_related("agency"),
            "answers": answers_display(
                dossier.snapshot.get("form_schema") or [], dossier.form_data, language=get_language() or "vi"
            ),
            "identity": applicant_identity(dossier),
        }
        return TemplateResponse(request, self.change_form_template, context)

    def action_view(self, request, pk, action):
        dossier = self._dossier(request, pk)
        change_url = reverse("admin:dossiers_dossier_change", args=[dossier.pk])
        if request.method != "POST":
            return HttpResponseRedirect(change_url)
        if action == "scan":
            form = ScanForm(request.POST, request.FILES, documents=dossier.snapshot.get("documents", []), prefix="scan")
            if form.is_valid():
                try:
                    services.dossier_file_add(
                        dossier=dossier,
                        by=request.user,
                        doc_key=form.cleaned_data["doc_key"],
                        upload=form.cleaned_data["upload"],
                        kind=DossierFile.Kind.SCAN,
                    )
                    self.message_user(request, _("The scan was added to the dossier."), messages.SUCCESS)
                except DossierActionError as exc:
                    self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(request, _("Choose a file to upload."), messages.ERROR)
            return HttpResponseRedirect(change_url)
        if action not in ACTION_FORMS:
            raise Http404
        spec, form_class = ACTIONS[action], ACTION_FORMS[action]
        form = None
        if form_class is not None:
            kwargs = {"agency_id": dossier.current_agency_id} if form_class is AssignForm else {}
            if form_class is CertifyCopyForm:
                kwargs = {"dossier": dossier}
            form = form_class(request.POST, request.FILES, prefix=action, **kwargs)
            if not form.is_valid():
                self.message_user(request, _("Please correct the errors in the form."), messages.ERROR)
                return self._render(request, dossier, bound=(action, form))
        if spec.destructive and request.POST.get("confirm") != "yes":
            # The page asks with a checkbox; a request without it (a script, a stale page) is
            # refused here too.
            self.message_user(
                request, _("Tick the confirmation box to %(action)s.") % {"action": spec.label}, messages.ERROR
            )
            return self._render(request, dossier, bound=(action, form) if form is not None else None)
        last_issued = dossier.issued_documents.order_by("-id").values_list("id", flat=True).first() or 0
        try:
            services.dossier_act(
                dossier=dossier, by=request.user, action=action, **_inputs(spec, form.cleaned_data if form else {})
            )
        except DossierActionError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            if form is not None:
                return self._render(request, dossier, bound=(action, form))
        else:
            _cache_call("delete", _counts_key(request.user))
            self.message_user(request, _done_message(dossier, spec, last_issued), messages.SUCCESS)
        return HttpResponseRedirect(change_url)

    def control_slip_view(self, request, pk):
        """Form 06 as it stands now, for anyone who may open the dossier's processing page."""
        from .registers import control_slip_pdf

        dossier = self._dossier(request, pk)
        response = HttpResponse(control_slip_pdf(dossier), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="{dossier.code or dossier.pk}-phieu-kiem-soat.pdf"'
        return response

    def register_view(self, request):
        """Form 07: the register of the dossiers one agency received in a period (PDF or CSV),
        for the officials of that agency."""
        from catalog.selectors import agencies_all, agency_get
        from identity.selectors import official_agency

        from .forms import IndicatorPeriodForm
        from .registers import register_check, register_csv, register_pdf, register_rows

        if not self.has_view_permission(request):
            raise PermissionDenied
        own = official_agency(request.user)
        agencies = list(agencies_all()) if request.user.is_superuser else [own] if own else []
        asked = request.GET.get("agency")
        agency = agency_get(id=int(asked)) if asked and asked.isdigit() else own or next(iter(agencies), None)
        if agency is None:
            raise PermissionDenied
        register_check(user=request.user, agency=agency)
        asked_period = any(k in request.GET for k in ("period", "date_from", "date_to"))
        form = IndicatorPeriodForm(request.GET if asked_period else {"period": "this_month"})
        start = end = None
        count = 0
        if form.is_valid():
            start, end = form.cleaned_data["start"], form.cleaned_data["end"]
            fmt = request.GET.get("format")
            name = f"so-theo-doi-{agency.code}-{start:%Y%m%d}-{end:%Y%m%d}"
            if fmt == "pdf":
                pdf = register_pdf(agency=agency, start=start, end=end)
                response = HttpResponse(pdf, content_type="application/pdf")
                response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
                return response
            if fmt == "csv":
                response = HttpResponse(register_csv(agency=agency, start=start, end=end), content_type="text/csv")
                response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
                return response
            count = len(register_rows(agency=agency, start=start, end=end))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Register of dossiers (form 07)"),
            "form": form,
            "agency": agency,
            "agencies": agencies,
            "start": start,
            "end": end,
            "count": count,
        }
        return TemplateResponse(request, "admin/dossiers/dossier/register.html", context)

    def regenerate_view(self, request, pk, doc_id):
        dossier = self._dossier(request, pk)
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:dossiers_dossier_change", args=[dossier.pk]))
        issued = get_object_or_404(IssuedDocument, pk=doc_id, dossier=dossier)
        try:
            services.issued_document_regenerate(issued=issued, by=request.user)
        except DossierActionError as exc:
            raise PermissionDenied(exc.message) from exc
        self.message_user(request, _("The document is being generated again."), messages.SUCCESS)
        return HttpResponseRedirect(reverse("admin:dossiers_dossier_change", args=[dossier.pk]))


def _timeline_items(events) -> str:
    """The timeline's <li> items, as the template wrote them, in one pass (a long history is many
    events: no template node runs per event)."""
    items = []
    for e in events:
        at = dateformat.format(timezone.localtime(e.at), "H:i d/m/Y") if e.at else ""
        actor = f" — {conditional_escape(e.actor)}" if e.actor else ""
        note = f'<br><span class="quiet">{conditional_escape(e.note)}</span>' if e.note else ""
        items.append(f"<li><strong>{at}</strong> {conditional_escape(e.action_label)}{actor}{note}</li>")
    return mark_safe("".join(items))  # noqa: S308 - every value is escaped


_NAV_SIDEBAR: dict = {}


def _nav_sidebar(request, apps) -> str:
    """The admin's navigation sidebar (its own template) for the dossier screen, rendered once per
    process for what it shows: the language, the apps and models the official may open, and which
    of them the page's address marks as current (every dossier screen marks the same ones)."""
    path = urlencode_filter(request.path)  # as the template compares them
    # The names shown are the groups' and models' own, in the language: not translated here.
    key = (
        get_language(),
        tuple(
            (
                app["app_label"],
                app["app_url"],
                app["app_url"] in path,
                tuple(
                    (m["object_name"], m.get("admin_url"), m.get("add_url"), (m.get("admin_url") or "\0") in path)
                    for m in app["models"]
                ),
            )
            for app in apps
        ),
    )
    html = _NAV_SIDEBAR.get(key)
    if html is None:
        html = get_template("admin/nav_sidebar.html").render({"available_apps": apps, "request": request})
        if len(_NAV_SIDEBAR) >= 64:
            _NAV_SIDEBAR.clear()
        _NAV_SIDEBAR[key] = html
    return mark_safe(html)  # noqa: S308 - Django's template, escaped as it rendered


def _officials(dossier, events=None) -> dict:
    """ "Cán bộ tiếp nhận" — who received the dossier at the desk (the receive step's actor, or the
    clerk holding it before receipt) — and "Cán bộ xử lý", who holds it after receipt. `events`:
    the dossier's timeline already read (with their actors), searched instead of a query."""
    if events is None:
        event = dossier.events.filter(action="receive").select_related("actor").order_by("id").first()
    else:
        event = min((e for e in events if e.action == "receive"), key=lambda e: e.pk, default=None)
    if event is None:
        return {"intake_official": dossier.assigned_to, "processing_official": None}
    holder = dossier.assigned_to if dossier.assigned_to_id != event.actor_id else None
    return {"intake_official": event.actor, "processing_official": holder}


def _done_message(dossier, spec, last_issued: int):
    """ "Done: <action>." and, when the step issued a form, its download link right there."""
    done = _("Done: %(action)s.") % {"action": spec.label}
    issued = [
        doc
        for doc in dossier.issued_documents.filter(id__gt=last_issued).order_by("id")
        if doc.file  # generated in the request, or on its way through the outbox
    ]
    pending = dossier.issued_documents.filter(id__gt=last_issued, file="").exists()
    links = format_html_join(
        " ",
        '<a class="button issued-link" href="{}" download>{}</a>',
        (
            (
                reverse("dossiers:issued_download", args=[dossier.pk, doc.pk]),
                _("Download %(form)s") % {"form": doc.get_kind_display()},
            )
            for doc in issued
        ),
    )
    if pending:
        links = format_html(
            "{} {}", links, _("The form is being generated: it appears under “Issued documents” in a moment.")
        )
    return format_html("{} {}", done, links) if (issued or pending) else done


def _may_see_indicators(user) -> bool:
    from identity.roles import LEADER
    from identity.selectors import user_has_role

    return user.is_superuser or user_has_role(user, LEADER)


def _indicator_columns() -> list[dict]:
    from .indicator_pages import columns

    return columns()


def _indicators_csv(rows, start, end):
    import csv

    from django.http import HttpResponse

    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="chi-so-chat-luong-{start:%Y%m%d}-{end:%Y%m%d}.csv"'
    response.write("\ufeff")  # Excel opens UTF-8 with a BOM correctly
    writer = csv.writer(response)
    columns = _indicator_columns()
    writer.writerow(
        [
            pgettext("period", "From"),
            pgettext("period", "To"),
            _("Agency code"),
            _("Agency"),
            _("Score (0–100)"),
            pgettext("indicators", "Received"),
            _("Resolved"),
            *[f"{c['label']} (%)" for c in columns],
            _("Overdue now"),
            _("Average rating"),
        ]
    )
    for r in rows:
        writer.writerow(
            [
                start.isoformat(),
                end.isoformat(),
                r.agency_code,
                r.agency_name,
                "—" if r.score is None else f"{r.score:.1f}",
                r.received,
                r.resolved,
                *[str(getattr(r, c["key"])) for c in columns],
                r.overdue_now,
                "—" if r.average_rating is None else f"{r.average_rating:.2f}",
            ]
        )
    return response


@admin.register(CalendarException)
class CalendarExceptionAdmin(admin.ModelAdmin):
    """Province-wide exceptions are kept by the province; an agency's leader keeps their own
    agency's (dossiers.services.calendar decides, the admin only follows)."""

    list_display = ["date", "kind", "name", "scope"]
    list_filter = ["kind", ("agency", admin.EmptyFieldListFilter)]
    date_hierarchy = "date"
    fields = ["date", "kind", "name", "agency"]

    @admin.display(description=gettext_lazy("applies to"), ordering="agency__name")
    def scope(self, obj):
        return obj.agency.name if obj.agency_id else _("The whole province")

    def get_queryset(self, request):
        return selectors.calendar_exceptions_visible_to(request.user).select_related("agency")

    def changelist_view(self, request, extra_context=None):
        from .calendar import year_without_exceptions

        if (year := year_without_exceptions()) is not None:
            messages.warning(
                request,
                _(
                    "No exception is entered for %(year)s yet (make-up working days, extra days off): "
                    "enter them from the Prime Minister's notice, or due dates in %(year)s will be wrong."
                )
                % {"year": year},
            )
        return super().changelist_view(request, extra_context)

    def _province_keeper(self, request) -> bool:
        return calendar_exception_may_change(user=request.user, agency_id=None)

    def has_change_permission(self, request, obj=None):
        if obj is not None and not calendar_exception_may_change(user=request.user, agency_id=obj.agency_id):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and not calendar_exception_may_change(user=request.user, agency_id=obj.agency_id):
            return False
        return super().has_delete_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if db_field.name == "agency" and not self._province_keeper(request):
            # Anyone else chooses their own agency: the province-wide scope is not offered.
            agency = official_agency(request.user)
            field.queryset = field.queryset.filter(pk=agency.pk if agency else None)
            field.required, field.empty_label = True, None
        return field

    def save_model(self, request, obj, form, change):
        calendar_exception_save(exception=obj, by=request.user)

    def delete_model(self, request, obj):
        calendar_exception_delete(exception=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for exception in queryset:
            calendar_exception_delete(exception=exception, by=request.user)
