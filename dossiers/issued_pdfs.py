"""The PDFs a dossier is issued (forms 01–04, result cover sheet): rendering (portal.pdf,
WeasyPrint with the Vietnamese fonts) and storage."""

from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.outbox import outbox_enqueue, outbox_redeliver_pending
from portal.pdf import pdf_render, qr_data_uri

from .models import Dossier, DossierEvent, IssuedDocument
from .notify import lookup_url
from .selectors import dossier_files

TEMPLATES = {
    IssuedDocument.Kind.RECEIPT: "dossiers/pdf/form01_receipt.html",
    IssuedDocument.Kind.SUPPLEMENT: "dossiers/pdf/form02_supplement.html",
    IssuedDocument.Kind.REFUSAL: "dossiers/pdf/form03_refusal.html",
    IssuedDocument.Kind.APOLOGY: "dossiers/pdf/form04_apology.html",
    IssuedDocument.Kind.RESULT: "dossiers/pdf/result_cover.html",
}


def _agency_parent(agency) -> str:
    parent = agency.parent if agency.parent_id else None
    return parent.name if parent else ""


def _place_date(agency, when) -> str:
    place = agency.province.name if agency.province_id else ""
    text = _("day %(d)s month %(m)s year %(y)s") % {"d": f"{when.day:02d}", "m": f"{when.month:02d}", "y": when.year}
    return f"{place}, {text}" if place else text


def _due_at(dossier: Dossier, event: DossierEvent | None):
    """The appointment as it was when the document was issued (a receipt keeps its first date)."""
    import datetime as dt

    recorded = ((event.data or {}).get("due_at") or (event.data or {}).get("new_due_at")) if event else None
    if recorded:
        return timezone.localtime(dt.datetime.fromisoformat(recorded))
    return timezone.localtime(dossier.due_at) if dossier.due_at else None


def issued_document_context(*, dossier: Dossier, event: DossierEvent | None) -> dict:
    snapshot = dossier.snapshot
    now = timezone.localtime()
    return {
        "dossier": dossier,
        "event": event,
        "data": (event.data if event else {}) or {},
        "note": event.note if event else "",
        "snapshot": snapshot,
        "agency": dossier.current_agency or dossier.agency,
        "receiving_agency": dossier.agency,
        "applicant": dossier.applicant or {},
        "citizen_name": (dossier.applicant or {}).get("full_name") or dossier.citizen.full_name,
        "documents": snapshot.get("documents", []),
        "files": list(dossier_files(dossier)),
        "issued_at": now,
        "received_at": timezone.localtime(dossier.received_at) if dossier.received_at else None,
        "due_at": _due_at(dossier, event),
        "official": event.actor if event else None,
        "lookup_url": lookup_url(dossier),
        "qr_image": qr_data_uri(lookup_url(dossier)),
        "qr_caption": _("Look up the dossier"),
        "agency_name": (dossier.current_agency or dossier.agency).name,
        "agency_parent": _agency_parent(dossier.current_agency or dossier.agency),
        "document_number": f"{dossier.code}/{event.pk if event else ''}" if dossier.code else "",
        "place_date": _place_date(dossier.current_agency or dossier.agency, now),
        "PORTAL_NAME": settings.PORTAL_NAME,
        "PORTAL_OWNER": settings.PORTAL_OWNER,
    }


def issued_document_create(*, dossier_id: int, kind: str, event_id: int | None = None, force: bool = False):
    """Render and store one PDF; does nothing when it already exists (unless `force`)."""
    existing = IssuedDocument.objects.filter(dossier_id=dossier_id, kind=kind, event_id=event_id).first()
    if existing is not None and existing.file and not force:
        return existing
    dossier = Dossier.objects.select_related("citizen", "agency", "current_agency", "procedure_version").get(
        pk=dossier_id
    )
    event = DossierEvent.objects.select_related("actor").filter(pk=event_id).first() if event_id else None
    with translation.override(settings.LANGUAGE_CODE):
        pdf = pdf_render(template_name=TEMPLATES[kind], context=issued_document_context(dossier=dossier, event=event))
    name = f"{dossier.code or dossier.pk}-{kind}.pdf"
    with transaction.atomic():
        doc = (
            IssuedDocument.objects.select_for_update()
            .filter(dossier_id=dossier_id, kind=kind, event_id=event_id)
            .first()
        )
        if doc is None:
            try:
                with transaction.atomic():
                    doc = IssuedDocument.objects.create(dossier=dossier, kind=kind, event=event)
            except IntegrityError:
                doc = IssuedDocument.objects.select_for_update().get(
                    dossier_id=dossier_id, kind=kind, event_id=event_id
                )
        if doc.file and not force:
            return doc
        old = doc.file.name if doc.file else None
        doc.file.save(name, ContentFile(pdf), save=True)
        if old and old != doc.file.name:
            doc.file.storage.delete(old)
    return doc


PDF_JOB = "dossiers.pdf"


def _pdf_job_key(dossier_id: int, kind: str, event_id: int | None) -> str:
    return f"pdf:{dossier_id}:{kind}:{event_id or 0}"


def issued_document_job_run(*, dossier_id: int, kind: str, event_id: int | None = None, force: bool = False) -> None:
    """The outbox handler of issued PDFs (registered in DossiersConfig.ready)."""
    issued_document_create(dossier_id=dossier_id, kind=kind, event_id=event_id, force=force)


def issued_documents_publish(jobs: list[tuple[int, str, int | None, bool]]) -> None:
    """Record PDF jobs in the outbox (delivered after commit; a broker outage only delays them).
    A forced job (regeneration) runs again even if the PDF was made before."""
    for dossier_id, kind, event_id, force in jobs:
        outbox_enqueue(
            kind=PDF_JOB,
            key=_pdf_job_key(dossier_id, kind, event_id),
            payload={"dossier_id": dossier_id, "kind": kind, "event_id": event_id, "force": force},
            again=force,
        )


def issued_document_schedule(*, dossier_id: int, kind: str, event_id: int | None, force: bool = False) -> None:
    """Record that a PDF is due (a pending row and its outbox job, in the caller's transaction)."""
    IssuedDocument.objects.get_or_create(dossier_id=dossier_id, kind=kind, event_id=event_id)
    issued_documents_publish([(dossier_id, kind, event_id, force)])


def issued_documents_redeliver_pending(*, older_than_seconds: int = 60, limit: int = 500) -> int:
    """Queue again the PDFs still without a file; returns how many. PDFs due from before the
    outbox existed get their job here; the rest is the outbox's own redelivery."""
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    pending = list(
        IssuedDocument.objects.filter(file="", created_at__lt=cutoff)
        .order_by("created_at")
        .values_list("dossier_id", "kind", "event_id")[:limit]
    )
    with transaction.atomic():
        for dossier_id, kind, event_id in pending:
            job = outbox_enqueue(
                kind=PDF_JOB,
                key=_pdf_job_key(dossier_id, kind, event_id),
                payload={"dossier_id": dossier_id, "kind": kind, "event_id": event_id, "force": False},
            )
            if job.status == job.Status.DONE:  # done, yet the file is gone: make it again
                outbox_enqueue(kind=PDF_JOB, key=job.key, payload=job.payload, again=True)
    return outbox_redeliver_pending(older_than_seconds=older_than_seconds, limit=limit, kinds=[PDF_JOB])


def declaration_pdf(*, dossier: Dossier) -> bytes:
    """The declaration (tờ khai) as the official reads and files it, made from the e-form's
    answers: the e-form is the declaration, it is not uploaded a second time."""
    from .eform import answers_display
    from .identity_facts import applicant_identity

    identity = applicant_identity(dossier)
    birth = (dossier.applicant or {}).get("date_of_birth") or ""
    context = {
        **issued_document_context(dossier=dossier, event=None),
        "answers": answers_display(dossier.snapshot.get("form_schema") or [], dossier.form_data, language="vi"),
        "birth_date": "/".join(reversed(birth.split("-"))) if len(birth) == 10 else birth,
        "identity_level": identity["level"],
        "identity_via": identity["via"],
        "submitted_at": timezone.localtime(dossier.submitted_at) if dossier.submitted_at else None,
        "document_number": dossier.code or "",
    }
    with translation.override(settings.LANGUAGE_CODE):
        return pdf_render(template_name="dossiers/pdf/declaration.html", context=context)
