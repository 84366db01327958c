"""Forms 06 and 07 of Circular 03/2025/TT-VPCP, made on demand (never stored): the control slip
of one dossier (every hand-over, with its time, who handled it and whether it was on time) built
from the timeline, and the register of dossiers of one agency over a period (PDF and CSV)."""

import csv
import datetime as dt
import io

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from identity.selectors import official_agency
from portal.pdf import pdf_render

from .calendar import TZ
from .issued_pdfs import (
    CONTROL_SLIP_TEMPLATE,
    REGISTER_TEMPLATE,
    _agency_parent,
    _legal_due_at,
    _place_date,
    issuing_agency,
    processing_time_text,
    register_entry_number,
)
from .models import Dossier, DossierEvent

# Timeline steps that are not a hand-over of the dossier (the slip leaves them out).
_NOT_HANDOVERS = frozenset({"draft", "rate", "overdue", "bundle_sync", "consent"})


def _step_label(event: DossierEvent) -> str:
    return event.action_label


def _timing(at: dt.datetime, due: dt.datetime | None) -> str:
    """Before / on / after the due date in force at that moment (the day counts, not the hour)."""
    if due is None:
        return ""
    at_day, due_day = timezone.localtime(at, TZ).date(), timezone.localtime(due, TZ).date()
    if at_day < due_day:
        return _("Before the due date")
    if at <= due or at_day == due_day:
        return _("On time")
    return _("Late")


def control_slip_rows(dossier: Dossier) -> list[dict]:
    """One row per hand-over of the dossier, oldest first."""
    rows: list[dict] = []
    due = None
    events = DossierEvent.objects.filter(dossier=dossier).select_related("actor").order_by("at", "id")
    for event in events:
        if event.action in _NOT_HANDOVERS:
            continue
        data = event.data or {}
        if event.action == "submit":
            handler = (dossier.applicant or {}).get("full_name") or dossier.citizen.full_name
        elif event.actor is not None:
            handler = event.actor.get_full_name() or event.actor.email
        else:
            handler = _("System")
        received_by = ""
        if event.action in ("claim", "assign"):
            received_by = event.note
        elif event.action == "transfer":
            received_by = data.get("to_agency_name", "")
        rows.append(
            {
                "at": timezone.localtime(event.at, TZ),
                "step": _step_label(event),
                "agency": issuing_agency(dossier, event).name,
                "handler": handler,
                "received_by": received_by,
                "timing": _timing(event.at, due) if due is not None else "",
                "note": "" if event.action in ("claim", "assign") else event.note,
            }
        )
        # The due date in force after this step (receipt, extension, pause for supplements).
        recorded = data.get("due_at") if event.action == "receive" else data.get("new_due_at")
        if recorded:
            due = dt.datetime.fromisoformat(recorded)
    return rows


def control_slip_pdf(dossier: Dossier) -> bytes:
    """Form 06 as it stands now; dated by the last act recorded, so printing it twice without a
    new step gives the same text."""
    with translation.override(settings.LANGUAGE_CODE):
        rows = control_slip_rows(dossier)
        agency = dossier.current_agency or dossier.agency
        last = rows[-1]["at"] if rows else timezone.localtime(dossier.created_at, TZ)
        context = {
            "dossier": dossier,
            "snapshot": dossier.snapshot,
            "citizen_name": (dossier.applicant or {}).get("full_name") or dossier.citizen.full_name,
            "applicant": dossier.applicant or {},
            "rows": rows,
            "received_at": timezone.localtime(dossier.received_at, TZ) if dossier.received_at else None,
            "legal_due_at": _legal_due_at(dossier),
            "due_at": timezone.localtime(dossier.due_at, TZ) if dossier.due_at else None,
            "processing_time": processing_time_text(dossier.snapshot),
            "register_number": register_entry_number(dossier),
            "agency_name": dossier.agency.name,
            "agency_parent": _agency_parent(dossier.agency),
            "agency": agency,
            "place_date": _place_date(dossier.agency, last),
            "form_number": _("Form No. %(n)s") % {"n": "06"},
            "pdf_title": f"{_('Control slip of the processing of the dossier')} — {dossier.code}",
            "PORTAL_NAME": settings.PORTAL_NAME,
            "PORTAL_OWNER": settings.PORTAL_OWNER,
        }
        return pdf_render(template_name=CONTROL_SLIP_TEMPLATE, context=context)


# --- Form 07: register of dossiers ---------------------------------------------------------------


def register_check(*, user, agency) -> None:
    """Only the officials of that agency (and superusers) read its register."""
    if getattr(user, "is_superuser", False):
        return
    mine = official_agency(user) if getattr(user, "is_authenticated", False) else None
    if mine is None or mine.pk != agency.pk:
        raise PermissionDenied(_("Only the officials of %(agency)s may read its register.") % {"agency": agency.name})


def _period(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return (
        dt.datetime.combine(start, dt.time.min, TZ),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, TZ),
    )


def _when(event: DossierEvent | None) -> dt.datetime | None:
    return timezone.localtime(event.at, TZ) if event is not None else None


def register_rows(*, agency, start: dt.date, end: dt.date) -> list[dict]:
    """The dossiers the agency received in [start, end], in the order of receipt."""
    begin, stop = _period(start, end)
    dossiers = (
        Dossier.objects.filter(agency=agency, received_at__gte=begin, received_at__lt=stop)
        .select_related("citizen", "procedure_version", "current_agency")
        .order_by("received_at", "pk")
    )
    rows = []
    for d in dossiers:
        applicant = d.applicant or {}
        events = {e.action: e for e in d.events.filter(action__in=("transfer", "approve", "refuse", "return_result"))}
        ready = events.get("approve") or events.get("refuse")
        rows.append(
            {
                "number": register_entry_number(d),
                "code": d.code,
                "procedure": d.procedure_version.name,
                "sets": 1,
                "applicant": applicant.get("full_name") or d.citizen.full_name,
                "contact": ", ".join(x for x in (applicant.get("address", ""), applicant.get("phone", "")) if x),
                "handling_agency": (d.current_agency or d.agency).name,
                "received_at": timezone.localtime(d.received_at, TZ),
                "due_at": _legal_due_at(d),
                "transferred_at": _when(events.get("transfer")),
                "ready_at": _when(ready),
                "returned_at": _when(events.get("return_result")),
                "status": d.get_status_display(),
            }
        )
    return rows


def register_pdf(*, agency, start: dt.date, end: dt.date) -> bytes:
    """Form 07 for the period, dated by its last day (the same text whenever it is printed)."""
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "rows": register_rows(agency=agency, start=start, end=end),
            "start": start,
            "end": end,
            "agency": agency,
            "agency_name": agency.name,
            "agency_parent": _agency_parent(agency),
            "place_date": _place_date(agency, end),
            "form_number": _("Form No. %(n)s") % {"n": "07"},
            "pdf_title": f"{_('Register of dossiers')} — {agency.name} — {start:%d/%m/%Y}–{end:%d/%m/%Y}",
            "PORTAL_NAME": settings.PORTAL_NAME,
            "PORTAL_OWNER": settings.PORTAL_OWNER,
        }
        return pdf_render(template_name=REGISTER_TEMPLATE, context=context)


REGISTER_COLUMNS = [
    ("number", gettext_noop("Register entry No.")),
    ("code", gettext_noop("Dossier code")),
    ("procedure", gettext_noop("Name of the administrative procedure")),
    ("sets", gettext_noop("Number of sets")),
    ("applicant", gettext_noop("Applicant")),
    ("contact", gettext_noop("Address, phone")),
    ("handling_agency", gettext_noop("Agency handling it")),
    ("received_at", gettext_noop("Received at")),
    ("due_at", gettext_noop("Result due")),
    ("transferred_at", gettext_noop("Sent to the handling agency")),
    ("ready_at", gettext_noop("Result from the handling agency")),
    ("returned_at", gettext_noop("Result returned to the applicant")),
    ("status", gettext_noop("Status")),
]


def register_csv(*, agency, start: dt.date, end: dt.date) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([_(label) for _key, label in REGISTER_COLUMNS])
        for row in register_rows(agency=agency, start=start, end=end):
            writer.writerow(
                [
                    row[key].strftime("%d/%m/%Y %H:%M") if isinstance(row[key], dt.datetime) else row[key]
                    for key, _label in REGISTER_COLUMNS
                ]
            )
        return "\ufeff" + out.getvalue()
