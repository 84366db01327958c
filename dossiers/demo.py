"""Demo dossiers for citizen1/citizen2 in different states, at each demo officials' agency.

Idempotent: each demo dossier carries a key in its applicant data and is made only once.
"""

import datetime as dt
import io

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from . import services
from .models import Dossier
from .services import DossierActionError

# (key, citizen email, final state, needs a free procedure: fees must be paid before intake)
PLAN = [
    ("demo-new", "citizen2@example.vn", "submitted", False),
    ("demo-processing", "citizen2@example.vn", "in_processing", True),
    ("demo-supplement", "citizen2@example.vn", "supplement_requested", True),
    ("demo-completed", "citizen2@example.vn", "completed", True),
    ("demo-refused", "citizen2@example.vn", "refused", True),
    ("demo-c1-processing", "citizen1@example.vn", "in_processing", True),
    ("demo-c1-draft", "citizen1@example.vn", "draft", False),
    # For the leaders' service-quality indicators: a result returned late, a dossier overdue now,
    # one filed at the counter on the citizen's behalf.
    ("demo-c1-late", "citizen1@example.vn", "completed_late", True),
    ("demo-c1-overdue", "citizen1@example.vn", "overdue", True),
    ("demo-counter", "citizen2@example.vn", "counter", False),
]


def _sample_pdf(text: str) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (595, 842), "white")
    ImageDraw.Draw(image).text((60, 80), text, fill="black")
    buffer = io.BytesIO()
    image.save(buffer, "PDF")
    return buffer.getvalue()


def _answers(schema: list, user) -> dict:
    from .eform import prefill_values

    values = prefill_values(schema, user)
    for field in schema:
        name, kind = field.get("name"), field.get("type")
        if not name or (name in values and (kind != "address" or (values[name] or {}).get("ward"))):
            continue
        validation = field.get("validation") or {}
        if kind == "number":
            values[name] = str(validation.get("min", 1))
        elif kind == "date":
            values[name] = dt.date(1995, 6, 15).isoformat()
        elif kind == "select":
            values[name] = (field.get("options") or [{"value": ""}])[0]["value"]
        elif kind == "checkbox":
            values[name] = True
        elif kind == "address":
            from portal.models import Ward

            ward = user.ward or Ward.objects.select_related("province").order_by("code").first()
            values[name] = {"province": ward.province_id, "ward": ward.code, "line": "Số 1 Đường 2/9"} if ward else {}
        elif kind == "cccd":
            values[name] = user.personal_id or "086090000123"
        elif kind == "textarea":
            values[name] = "Nộp hồ sơ để làm thủ tục theo quy định."
        else:
            values[name] = "Nguyễn Minh Khang" if "name" in name else "Phường Long Châu, tỉnh Vĩnh Long"
    return values


def _versions_for(agency_id: int, free: bool):
    from catalog.models import ProcedureVersion

    qs = ProcedureVersion.objects.filter(status="published", agencies__id=agency_id).order_by("code")
    result = []
    for version in qs:
        snap = version.snapshot or {}
        if snap.get("is_bundle"):
            continue
        if free and (version.total_fee or 0) > 0:
            continue
        result.append(version)
    return result


def seed(*, password: str, stdout) -> list[tuple[str, str]]:
    """File the demo plan at each demo officials' agency (intake@, intake2@ …) that implements
    published procedures, so every demo official opens a realistic queue."""
    from .calendar import seed_calendar_exceptions

    if added := seed_calendar_exceptions():
        stdout.write(f"Calendar: {added} known exception(s) added (make-up working days).")
    User = get_user_model()
    made = 0
    for suffix in ("", "2"):
        intake = User.objects.filter(email=f"intake{suffix}@example.vn").select_related("official_profile").first()
        processing = User.objects.filter(email=f"processing{suffix}@example.vn").first()
        if intake is None or processing is None or not hasattr(intake, "official_profile"):
            continue
        agency_id = intake.official_profile.agency_id
        if not _versions_for(agency_id, False):
            stdout.write(f"Demo dossiers for intake{suffix}@example.vn skipped: nothing published at their agency.")
            continue
        made += _seed_at(suffix, intake, processing, agency_id, stdout)
    total = Dossier.objects.filter(applicant__has_key="demo_key").count()
    if not total:
        stdout.write("Demo dossiers skipped: no demo official works at an agency with published procedures.")
    else:
        stdout.write(f"Demo dossiers: {made} made, {total} in all.")
    return []


def _seed_at(suffix, intake, processing, agency_id, stdout) -> int:
    User = get_user_model()
    made = 0
    for index, (key, email, state, free) in enumerate(PLAN):
        key = f"{key}{suffix}"
        citizen = User.objects.filter(email=email).first()
        if citizen is None or Dossier.objects.filter(citizen=citizen, applicant__demo_key=key).exists():
            continue
        versions = [
            v
            for v in _versions_for(agency_id, free)
            if citizen.identity_level >= int(v.snapshot.get("min_eid_level") or 1)
        ]
        if not versions:
            stdout.write(f"Demo dossier {key} skipped: no suitable published procedure at the demo agency.")
            continue
        # Start at a different procedure for each plan line; a procedure whose e-form the
        # generic demo answers cannot satisfy is skipped for the next one.
        start = index % len(versions)
        errors = []
        for version in versions[start:] + versions[:start]:
            try:
                with transaction.atomic():
                    _make(key, citizen, version, state, intake, processing, agency_id)
                made += 1
                break
            except DossierActionError as exc:
                errors.append(exc.message)
        else:
            stdout.write(f"Demo dossier {key} not made: {errors[-1] if errors else 'no procedure'}")
    return made


def _make(key, citizen, version, state, intake, processing, agency_id):
    from catalog.models import Agency

    snapshot = version.snapshot
    agency = Agency.objects.get(pk=agency_id)
    on_behalf = {"filed_by": intake, "channel": "counter"} if state == "counter" else {}
    draft = services.dossier_draft_create(citizen=citizen, procedure_version=version, agency=agency, **on_behalf)
    if on_behalf:  # at the counter, the citizen signed a consent form
        signed = SimpleUploadedFile("giay-dong-y.pdf", _sample_pdf("Giấy đồng ý nộp hồ sơ thay"), "application/pdf")
        draft = services.on_behalf_consent_form_attach(dossier=draft, by=intake, upload=signed)
    applicant = {**draft.applicant, "demo_key": key}
    if not applicant.get("personal_id"):
        applicant.update({"personal_id": "086090000123", "date_of_birth": "1990-03-20", "sex": "M"})
    services.dossier_draft_update(
        dossier=draft, by=citizen, applicant=applicant, form_data=_answers(snapshot.get("form_schema") or [], citizen)
    )
    for doc in snapshot.get("documents", []):
        if doc.get("mandatory"):
            upload = SimpleUploadedFile(f"{doc['key']}.pdf", _sample_pdf(doc.get("name", "")), "application/pdf")
            services.dossier_file_add(dossier=draft, by=citizen, doc_key=doc["key"], upload=upload)
    if state == "draft":
        return
    dossier = services.dossier_submit(dossier=draft, by=intake if on_behalf else citizen)
    if state in ("submitted", "counter"):
        return
    dossier = services.dossier_receive(dossier=dossier, by=intake)
    if state == "in_processing":
        return
    if state == "overdue":
        _age(dossier, days=10, due_days_ago=2)
        return
    if state == "supplement_requested":
        services.dossier_request_supplement(
            dossier=dossier, by=intake, missing=["Bản sao Giấy khai sinh có chứng thực", "Ảnh chân dung 4x6"]
        )
        return
    if state == "refused":
        _decide(dossier, processing, "refuse", reason="Người yêu cầu không đủ điều kiện theo quy định.")
        return
    if state == "completed_late":
        dossier = _decide(dossier, processing, "approve", paper_result=True)
        dossier = services.dossier_return_result(dossier=dossier, by=intake)
        services.dossier_rate(dossier=dossier, by=citizen, score=3, comment="Kết quả trả chậm một ngày.")
        _age(dossier, days=8, due_days_ago=1)
        return
    result = SimpleUploadedFile("ket-qua.pdf", _sample_pdf("Ket qua giai quyet"), "application/pdf")
    dossier = _decide(dossier, processing, "approve", result_file=result)
    dossier = services.dossier_return_result(dossier=dossier, by=intake)
    services.dossier_rate(
        dossier=dossier, by=citizen, score=5, comment="Cán bộ hướng dẫn tận tình, trả kết quả đúng hẹn."
    )


def _decide(dossier, processing, outcome: str, **inputs):
    """The decision as the law orders it: the processing official proposes, the agency's head
    (the demo leader of the same agency) signs off; one step when the procedure needs no sign-off."""
    from .lifecycle import needs_signoff

    if not needs_signoff(dossier):
        return services.dossier_act(dossier=dossier, by=processing, action=outcome, **inputs)
    email = processing.email.replace("processing", "leader", 1)
    leader = get_user_model().objects.filter(email=email).first()
    if leader is None:
        raise DossierActionError(f"no demo leader {email} to sign off")
    dossier = services.dossier_act(dossier=dossier, by=processing, action=f"propose_{outcome}", **inputs)
    return services.dossier_act(dossier=dossier, by=leader, action="sign_off")


def _age(dossier, *, days: int, due_days_ago: int) -> None:
    """Demo only: the services stamp `now`, so a dossier made today is moved back in time
    (filed and received `days` ago, due `due_days_ago` days ago) to show a late or overdue one."""
    from django.utils import timezone

    now = timezone.now()
    Dossier.objects.filter(pk=dossier.pk).update(
        submitted_at=now - dt.timedelta(days=days),
        received_at=now - dt.timedelta(days=days),
        due_at=now - dt.timedelta(days=due_days_ago),
        legal_due_at=now - dt.timedelta(days=due_days_ago),
    )
