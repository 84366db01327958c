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
from portal.signing import SigningUnavailable, file_sha256, pdf_sign, signature_block, verification_url

from .lifecycle import SUCCESS_STATUSES
from .models import CertificationEntry, Dossier, DossierEvent, DossierFile, IssuedDocument
from .notify import lookup_url
from .selectors import dossier_files

TEMPLATES = {
    IssuedDocument.Kind.RECEIPT: "dossiers/pdf/form01_receipt.html",
    IssuedDocument.Kind.SUPPLEMENT: "dossiers/pdf/form02_supplement.html",
    IssuedDocument.Kind.REFUSAL: "dossiers/pdf/form03_refusal.html",
    IssuedDocument.Kind.APOLOGY: "dossiers/pdf/form04_apology.html",
    IssuedDocument.Kind.STOP: "dossiers/pdf/form05_stop.html",
    IssuedDocument.Kind.RESULT: "dossiers/pdf/result_cover.html",
    IssuedDocument.Kind.CERTIFIED_COPY: "dossiers/pdf/certified_copy.html",
}
CONTROL_SLIP_TEMPLATE = "dossiers/pdf/form06_control_slip.html"
REGISTER_TEMPLATE = "dossiers/pdf/form07_register.html"

# Acts issued in the name of the agency that received the dossier, whoever holds it now.
_RECEIVING_AGENCY_ACTS = {"submit", "receive", "reject_intake"}


def _agency_parent(agency) -> str:
    """The issuing agency's direct parent as the catalog records it (the header's first line);
    empty for an agency without one (e.g. a commune People's Committee)."""
    parent = agency.parent if agency.parent_id else None
    return parent.name if parent else ""


def _place_date(agency, when) -> str:
    place = agency.province.name if agency.province_id else ""
    text = _("day %(d)s month %(m)s year %(y)s") % {"d": f"{when.day:02d}", "m": f"{when.month:02d}", "y": when.year}
    return f"{place}, {text}" if place else text


def act_moment(dossier: Dossier, event: DossierEvent | None):
    """The date a document carries: the moment of the act it records (its timeline event),
    never the moment it is (re)rendered."""
    if event is not None:
        return timezone.localtime(event.at)
    return timezone.localtime(dossier.received_at or dossier.submitted_at or dossier.created_at)


def issuing_agency(dossier: Dossier, event: DossierEvent | None):
    """The agency that made the act: the receiving agency for intake acts, else the agency that
    held the dossier at that moment (following the transfers recorded before it)."""
    if event is None or event.action in _RECEIVING_AGENCY_ACTS:
        return dossier.agency
    from catalog.selectors import agency_get

    holder = dossier.agency
    moves = dossier.events.filter(action__in=("transfer", "transfer_back"), at__lte=event.at).exclude(pk=event.pk)
    for moved in moves.order_by("at", "id"):
        if moved.action == "transfer_back":
            holder = dossier.agency
        elif (moved.data or {}).get("to_agency"):
            holder = agency_get(id=moved.data["to_agency"]) or holder
    return holder


def processing_time_text(snapshot: dict) -> str:
    """The legal processing time of the procedure, e.g. "05 ngày làm việc"."""
    from catalog.selectors import time_unit_label

    time = snapshot.get("processing_time") or {}
    if not time.get("value"):
        return ""
    return f"{time['value']} {time_unit_label(time.get('unit') or 'working_days')}"


def result_collection_text(dossier: Dossier, agency) -> str:
    """Where and how the result is collected (the receipt and the result cover state it)."""
    desk = f"{agency.name}, {agency.address}" if agency.address else agency.name
    if dossier.channel == "online":
        return _("Online, on the portal (dossier page); a paper result at the one-stop desk of %(desk)s.") % {
            "desk": desk
        }
    if dossier.channel == "post":
        return _("By post, to the address given in the dossier.")
    return _("At the one-stop desk of %(desk)s.") % {"desk": desk}


def register_entry_number(dossier: Dossier) -> int | None:
    """The dossier's entry number in the receiving agency's register (form 07): its rank among
    the dossiers that agency received in the same year, by time of receipt. Never changes."""
    if dossier.received_at is None:
        return None
    year = timezone.localtime(dossier.received_at).year
    same_year = Dossier.objects.filter(agency_id=dossier.agency_id, received_at__year=year)
    from django.db.models import Q

    return same_year.filter(
        Q(received_at__lt=dossier.received_at) | Q(received_at=dossier.received_at, pk__lte=dossier.pk)
    ).count()


def _due_at(dossier: Dossier, event: DossierEvent | None):
    """The appointment as it was when the document was issued (a receipt keeps its first date)."""
    import datetime as dt

    recorded = ((event.data or {}).get("due_at") or (event.data or {}).get("new_due_at")) if event else None
    if recorded:
        return timezone.localtime(dt.datetime.fromisoformat(recorded))
    return timezone.localtime(dossier.due_at) if dossier.due_at else None


FORM_NUMBERS = {
    IssuedDocument.Kind.RECEIPT: "01",
    IssuedDocument.Kind.SUPPLEMENT: "02",
    IssuedDocument.Kind.REFUSAL: "03",
    IssuedDocument.Kind.APOLOGY: "04",
    IssuedDocument.Kind.STOP: "05",
}


def _legal_due_at(dossier: Dossier):
    """The original legal due date (the lifecycle branch's Dossier.legal_due_at, else the
    appointment the intake receipt recorded)."""
    import datetime as dt

    legal = dossier.legal_due_at
    if legal:
        return timezone.localtime(legal)
    receive = dossier.events.filter(action="receive").order_by("at", "id").first()
    recorded = (receive.data or {}).get("due_at") if receive else None
    if recorded:
        return timezone.localtime(dt.datetime.fromisoformat(recorded))
    return timezone.localtime(dossier.due_at) if dossier.due_at else None


def _signer(event: DossierEvent | None, agency) -> dict:
    """Who signs and under which title: "Head of the agency" only above a leader of the issuing
    agency; anyone else signs with their own job title (or their role's)."""
    from identity import roles
    from identity.selectors import user_has_role

    actor = event.actor if event is not None else None
    if actor is None:
        return {"name": "", "title": ""}
    profile = getattr(actor, "official_profile", None)
    if user_has_role(actor, roles.LEADER) and (profile is None or profile.agency_id == agency.pk):
        title = _("Head of the agency")
    elif profile is not None and profile.title:
        title = profile.title
    elif user_has_role(actor, roles.PROCESSING):
        title = _("Official in charge")
    elif user_has_role(actor, roles.INTAKE):
        title = _("Receiving official")
    else:
        title = _("Official in charge")
    return {"name": actor.get_full_name(), "title": title}


def issued_document_context(*, dossier: Dossier, event: DossierEvent | None) -> dict:
    snapshot = dossier.snapshot
    now = act_moment(dossier, event)
    agency = issuing_agency(dossier, event)
    return {
        "dossier": dossier,
        "event": event,
        "data": (event.data if event else {}) or {},
        "note": event.note if event else "",
        "snapshot": snapshot,
        "agency": agency,
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
        "agency_name": agency.name,
        "agency_parent": _agency_parent(agency),
        "document_number": f"{dossier.code}/{event.pk if event else ''}" if dossier.code else "",
        "place_date": _place_date(agency, now),
        "processing_time": processing_time_text(snapshot),
        "sets": int((event.data or {}).get("sets") or 1) if event else 1,
        "result_collection": result_collection_text(dossier, dossier.agency),
        "register_number": register_entry_number(dossier),
        "signer": _signer(event, agency),
        "legal_due_at": _legal_due_at(dossier),
        "PORTAL_NAME": settings.PORTAL_NAME,
        "PORTAL_OWNER": settings.PORTAL_OWNER,
    }


VERIFY_PREFIX = "d"  # verification references of issued documents: d<pk>-<mac>


def _row(*, dossier_id: int, kind: str, event_id: int | None) -> IssuedDocument:
    doc = IssuedDocument.objects.filter(dossier_id=dossier_id, kind=kind, event_id=event_id).first()
    if doc is None:
        try:
            with transaction.atomic():
                doc = IssuedDocument.objects.create(dossier_id=dossier_id, kind=kind, event_id=event_id)
        except IntegrityError:
            doc = IssuedDocument.objects.get(dossier_id=dossier_id, kind=kind, event_id=event_id)
    return doc


def issued_document_create(*, dossier_id: int, kind: str, event_id: int | None = None, force: bool = False):
    """Render, sign and store one PDF; does nothing when it already exists (unless `force`).

    A signing outage raises SigningUnavailable (the outbox retries the job) and leaves the row
    without a file, marked "waiting for its digital signature": never an unsigned document."""
    existing = IssuedDocument.objects.filter(dossier_id=dossier_id, kind=kind, event_id=event_id).first()
    if existing is not None and existing.file and not force:
        return existing
    dossier = Dossier.objects.select_related("citizen", "agency", "current_agency", "procedure_version").get(
        pk=dossier_id
    )
    event = DossierEvent.objects.select_related("actor").filter(pk=event_id).first() if event_id else None
    row = existing or _row(dossier_id=dossier_id, kind=kind, event_id=event_id)
    agency = issuing_agency(dossier, event)
    with translation.override(settings.LANGUAGE_CODE):
        context = issued_document_context(dossier=dossier, event=event)
        if kind in FORM_NUMBERS:
            context["form_number"] = _("Form No. %(n)s") % {"n": FORM_NUMBERS[kind]}
        label = str(IssuedDocument.Kind(kind).label)
        context["pdf_title"] = f"{label} — {dossier.code}" if dossier.code else label
        context["pdf_subject"] = label
        context["verify_url"] = verification_url(VERIFY_PREFIX, row.pk)
        if kind == IssuedDocument.Kind.CERTIFIED_COPY:
            entry = CertificationEntry.objects.select_related("source_file__personal_document").get(event_id=event_id)
            context["certification"] = entry
            context["scan_images"] = scan_page_images(entry.source_file)
        signer = context["signer"]
        block = signature_block(
            agency_name=agency.name,
            signer_name=signer["name"],
            signer_title=str(signer["title"]),
            verify_url=context["verify_url"],
        )
        context["digital_signature"] = block
        pdf = pdf_render(template_name=TEMPLATES[kind], context=context)
        try:
            pdf = pdf_sign(
                pdf,
                agency_code=agency.code,
                agency_name=agency.name,
                signer_name=signer["name"],
                signer_title=str(signer["title"]),
                reason=label,
                location=agency.province.name if agency.province_id else "",
                signed_at=block["signed_at"],
            )
        except SigningUnavailable as exc:
            IssuedDocument.objects.filter(pk=row.pk).update(signing_error=str(exc)[:300])
            raise
        if kind == IssuedDocument.Kind.RESULT:
            # The uploaded result document itself, signed by the same job before the cover is
            # stored (the citizen's store then takes it instead of the cover).
            signed_result_create(dossier=dossier, event=event, context=context, force=force)
    name = f"{dossier.code or dossier.pk}-{kind}.pdf"
    with transaction.atomic():
        doc = IssuedDocument.objects.select_for_update().get(pk=row.pk)
        if doc.file and not force:
            return doc
        old = doc.file.name if doc.file else None
        doc.sha256 = file_sha256(pdf)
        doc.signing_error = ""
        doc.file.save(name, ContentFile(pdf), save=False)
        doc.save(update_fields=["file", "sha256", "signing_error"])
        if old and old != doc.file.name:
            doc.file.storage.delete(old)
        if kind in STORE_KINDS and dossier.status in SUCCESS_STATUSES:  # signed after completion
            transaction.on_commit(lambda: results_to_store(dossier_id=dossier_id))
    return doc


def _uploaded_result(dossier: Dossier) -> DossierFile | None:
    """The result document the agency uploaded for this dossier (the latest one: a proposal
    redone replaces the draft), not one handed on from a previous part of a bundle."""
    return dossier.files.filter(kind=DossierFile.Kind.RESULT, doc_key="").order_by("-created_at", "-id").first()


def signed_result_create(*, dossier: Dossier, event: DossierEvent | None, context: dict, force: bool = False):
    """Sign the uploaded result document with the agency's signer and store it as an issued
    document (kind SIGNED_RESULT, same event as the cover sheet). A PDF is signed as it is
    (invisible PAdES B-T signature: nothing is drawn over a layout the portal did not make; the
    cover sheet carries the visible block and its QR code); an image is put on a PDF page with
    the visible signature block. Raises SigningUnavailable like the cover (the job is retried)."""
    upload = _uploaded_result(dossier)
    if upload is None:
        return None
    kind = IssuedDocument.Kind.SIGNED_RESULT
    existing = IssuedDocument.objects.filter(dossier_id=dossier.pk, kind=kind, event_id=event.pk if event else None)
    row = existing.first()
    if row is not None and row.file and not force:
        return row
    row = row or _row(dossier_id=dossier.pk, kind=kind, event_id=event.pk if event else None)
    agency = context["agency"]
    signer = context["signer"]
    label = str(IssuedDocument.Kind(kind).label)
    verify = verification_url(VERIFY_PREFIX, row.pk)
    data = _file_bytes(upload)
    sign_args = {
        "agency_code": agency.code,
        "agency_name": agency.name,
        "signer_name": signer["name"],
        "signer_title": str(signer["title"]),
        "reason": label,
        "location": agency.province.name if agency.province_id else "",
    }
    try:
        if data[:5] == b"%PDF-":
            pdf = pdf_sign(data, **sign_args, visible=False)
        else:  # an image (upload_check lets only PDF, JPEG and PNG through)
            block = signature_block(
                agency_name=agency.name,
                signer_name=signer["name"],
                signer_title=str(signer["title"]),
                verify_url=verify,
            )
            page_context = {
                **context,
                "digital_signature": block,
                "verify_url": verify,
                "scan_images": scan_page_images(upload),
                "pdf_title": f"{label} — {dossier.code}" if dossier.code else label,
                "pdf_subject": label,
            }
            pdf = pdf_render(template_name="dossiers/pdf/result_image.html", context=page_context)
            pdf = pdf_sign(pdf, **sign_args, signed_at=block["signed_at"])
    except SigningUnavailable as exc:
        IssuedDocument.objects.filter(pk=row.pk).update(signing_error=str(exc)[:300])
        raise
    with transaction.atomic():
        doc = IssuedDocument.objects.select_for_update().get(pk=row.pk)
        if doc.file and not force:
            return doc
        old = doc.file.name if doc.file else None
        doc.sha256 = file_sha256(pdf)
        doc.signing_error = ""
        doc.file.save(f"{dossier.code or dossier.pk}-{kind}.pdf", ContentFile(pdf), save=False)
        doc.save(update_fields=["file", "sha256", "signing_error"])
        if old and old != doc.file.name:
            doc.file.storage.delete(old)
    return doc


def _file_bytes(row: DossierFile) -> bytes:
    field = row.file if row.file else row.personal_document.file
    with field.open("rb") as fh:
        return fh.read()


SCAN_MAX_PAGES = 50


def scan_page_images(row: DossierFile) -> list[str]:
    """The pages of a scan as PNG/JPEG data URIs for the certified copy: an image as it is, a
    PDF's pages drawn by poppler's pdftoppm (at most SCAN_MAX_PAGES)."""
    import base64
    import shutil
    import subprocess
    import tempfile
    from pathlib import Path

    data = _file_bytes(row)
    if data[:5] != b"%PDF-":
        mime = "image/png" if data[:8] == b"\x89PNG\r\n\x1a\n" else "image/jpeg"
        return [f"data:{mime};base64,{base64.b64encode(data).decode()}"]
    with tempfile.TemporaryDirectory(prefix="portal-scan-") as tmp:
        source = Path(tmp) / "scan.pdf"
        source.write_bytes(data)
        pdftoppm = shutil.which("pdftoppm") or "/usr/bin/pdftoppm"
        subprocess.run(  # noqa: S603 - a fixed argument list, no shell; the file is ours
            [pdftoppm, "-r", "110", "-png", "-l", str(SCAN_MAX_PAGES), str(source), str(Path(tmp) / "page")],
            check=True,
            capture_output=True,
            timeout=120,
        )
        pages = sorted(Path(tmp).glob("page*.png"), key=lambda p: (len(p.name), p.name))
        return [f"data:image/png;base64,{base64.b64encode(p.read_bytes()).decode()}" for p in pages]


STORE_ORIGIN = "dossier-result:"
# What a completed dossier puts into the citizen's store: its signed result, its certified copy.
STORE_KINDS = (IssuedDocument.Kind.RESULT, IssuedDocument.Kind.SIGNED_RESULT, IssuedDocument.Kind.CERTIFIED_COPY)


def results_to_store(*, dossier_id: int) -> int:
    """A completed dossier's signed electronic results go to the citizen's document store (called
    when the result is returned, and when a signature arrives after that). Idempotent; returns how
    many documents were stored or refreshed."""
    dossier = Dossier.objects.select_related("citizen", "agency", "current_agency").get(pk=dossier_id)
    if dossier.status not in SUCCESS_STATUSES:
        return 0
    count = 0
    for doc in (
        IssuedDocument.objects.filter(dossier=dossier, kind__in=STORE_KINDS).exclude(file="").select_related("event")
    ):
        count += result_to_store(doc=doc, dossier=dossier)
    return count


def result_to_store(*, doc: IssuedDocument, dossier: Dossier) -> int:
    """One signed result into the citizen's store as a reusable document of the kind the
    procedure's catalog names (`result_doc_type`), issued by the agency and verified. A paper
    result (no result file attached) stays at the desk: nothing is stored."""
    snapshot = dossier.snapshot
    if doc.kind == IssuedDocument.Kind.CERTIFIED_COPY:
        entry = CertificationEntry.objects.filter(event_id=doc.event_id).first()
        doc_type = snapshot.get("result_doc_type") or "certified_copy"
        what = (entry.document_title if entry else "") or snapshot.get("name", "")
        title = _("Certified copy: %(what)s (No. %(number)s)") % {
            "what": what,
            "number": f"{entry.number}, {entry.book}" if entry else "",
        }
    else:
        if not dossier.files.filter(kind=DossierFile.Kind.RESULT, doc_key="").exists():
            return 0
        if (
            doc.kind == IssuedDocument.Kind.RESULT
            and IssuedDocument.objects.filter(dossier=dossier, kind=IssuedDocument.Kind.SIGNED_RESULT)
            .exclude(file="")
            .exists()
        ):
            return 0  # the signed result document itself is stored, not its cover sheet
        doc_type = snapshot.get("result_doc_type") or "result"
        title = f"{snapshot.get('name', '')} — {dossier.code}"
    from identity.services import personal_document_issue

    agency = issuing_agency(dossier, doc.event)
    with doc.file.open("rb") as fh:
        content = fh.read()
    personal_document_issue(
        owner=dossier.citizen,
        doc_type=doc_type,
        title=title,
        content=content,
        filename=doc.file.name.rsplit("/", 1)[-1],
        issuer=agency.name,
        origin=f"{STORE_ORIGIN}{doc.pk}",
        sha256=doc.sha256,
        verify_url=verification_url(VERIFY_PREFIX, doc.pk),
        number=dossier.code or "",
        issued_on=timezone.localtime(act_moment(dossier, doc.event)).date(),
    )
    return 1


def issued_document_resolve(*, sha256: str = "", reference: str = "") -> dict | None:
    """portal.signing resolver: which issued document a signed file or a printed reference is
    (kind, dossier code and number only: nothing personal)."""
    from portal.signing import verification_reference_parse

    doc = None
    if sha256:
        doc = IssuedDocument.objects.select_related("dossier").filter(sha256=sha256).exclude(file="").first()
    elif reference:
        parsed = verification_reference_parse(reference)
        if parsed and parsed[0] == VERIFY_PREFIX:
            doc = IssuedDocument.objects.select_related("dossier").filter(pk=parsed[1]).first()
    if doc is None:
        return None
    number = ""
    if doc.kind == IssuedDocument.Kind.CERTIFIED_COPY:
        entry = CertificationEntry.objects.filter(event_id=doc.event_id).first()
        number = f"{entry.number}, {entry.book}" if entry else ""
    return {
        "kind": doc.get_kind_display(),
        "dossier_code": doc.dossier.code,
        "number": number,
        "file": doc.file if doc.file else None,
    }


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
        # a real title (the site name otherwise): the declaration's heading and the dossier code
        title = _("Declaration — %(name)s") % {"name": (dossier.snapshot or {}).get("name", "")}
        context["pdf_title"] = f"{title} — {dossier.code}" if dossier.code else title
        return pdf_render(template_name="dossiers/pdf/declaration.html", context=context)
