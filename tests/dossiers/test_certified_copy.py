"""Electronic certified copies from the original (chứng thực bản sao điện tử từ bản chính): the
certifier compares the scan with the original and takes "certify_copy" (the lifecycle table);
the portal issues the scan wrapped in a signed PDF with the certification statement, the
register number and the certifier's name; it reaches the citizen's store and verifies."""

import io
import os
import threading
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from dossiers import services
from dossiers.models import CertificationEntry, IssuedDocument
from dossiers.services import DossierActionError
from identity.models import PersonalDocument
from tests.support.mfa import staff_login

from .factories import PDF_BYTES, PNG_BYTES, AgencyFactory, version

ORIGINAL = {
    "key": "ban-chinh",
    "name": "Bản chính giấy tờ, văn bản làm cơ sở để chứng thực bản sao",
    "description": "",
    "form": "original",
    "copies": 1,
    "mandatory": True,
    "template_url": "",
    "reusable_kinds": [],
}
SCHEMA = [{"name": "document_title", "type": "text", "label": {"vi": "Tên giấy tờ", "en": "Document"}}]


def _certification_dossier(*, agency, citizen, intake, scan=("bang-tot-nghiep.png", PNG_BYTES, "image/png")):
    pv = version(
        code="2.000815",
        name="Chứng thực bản sao từ bản chính",
        agencies=[agency],
        documents=[ORIGINAL],
        schema=SCHEMA,
        certified_copy=True,
        result_doc_type="certified_copy",
    )
    draft = services.dossier_draft_create(citizen=citizen, procedure_version=pv)
    services.dossier_draft_update(
        dossier=draft, by=citizen, form_data={"document_title": "Bằng tốt nghiệp trung học phổ thông"}
    )
    services.dossier_file_add(dossier=draft, by=citizen, doc_key="ban-chinh", upload=SimpleUploadedFile(*scan))
    d = services.dossier_submit(dossier=draft, by=citizen)
    return services.dossier_act(dossier=d, by=intake, action="receive")


@pytest.mark.django_db
@pytest.mark.usefixtures("real_pdf")
def test_certified_copy_issued_signed_numbered_verifiable_and_in_the_store(
    agency, citizen, intake, leader, django_capture_on_commit_callbacks, client
):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    from portal.signing.verify import trust_roots

    d = _certification_dossier(agency=agency, citizen=citizen, intake=intake)
    scan = d.files.get(doc_key="ban-chinh")
    with pytest.raises(DossierActionError, match="đối chiếu bản chụp với bản chính"):
        services.dossier_act(dossier=d, by=leader, action="certify_copy", file_id=scan.pk, compared=False)
    with django_capture_on_commit_callbacks(execute=True):
        d = services.dossier_act(dossier=d, by=leader, action="certify_copy", file_id=scan.pk, compared=True)
    entry = CertificationEntry.objects.get(dossier=d)
    assert (entry.number, entry.year, entry.agency_id) == (1, timezone.localdate().year, agency.pk)
    assert entry.certifier == leader and entry.source_file == scan

    doc = IssuedDocument.objects.get(dossier=d, kind=IssuedDocument.Kind.CERTIFIED_COPY)
    with doc.file.open("rb") as fh:
        data = fh.read()
    if os.environ.get("STORE_SHOTS"):  # to look at it (pdftoppm)
        Path(os.environ["STORE_SHOTS"]).mkdir(parents=True, exist_ok=True)
        (Path(os.environ["STORE_SHOTS"]) / "certified-copy.pdf").write_bytes(data)
    sig = PdfFileReader(io.BytesIO(data)).embedded_signatures[0]
    ctx = ValidationContext(trust_roots=trust_roots(), allow_fetching=False, revocation_mode="soft-fail")
    status = validate_pdf_signature(sig, signer_validation_context=ctx, ts_validation_context=ctx)
    assert status.bottom_line and status.intact and status.trusted
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
    assert "CHỨNG THỰC BẢN SAO ĐÚNG VỚI BẢN CHÍNH" in text
    assert f"Số chứng thực: 1 — Quyển số: {entry.year}-SCT/BS" in text
    assert leader.get_full_name() in text and "Bằng tốt nghiệp trung học phổ thông" in text
    assert any("/XObject" in (p.get("/Resources") or {}) for p in reader.pages)  # the scan is in it

    page = client.post("/kiem-tra-van-ban/", {"document": SimpleUploadedFile("bs.pdf", data, "application/pdf")})
    body = page.content.decode()
    assert "Chữ ký số hợp lệ" in body and d.code in body
    assert "Bản sao điện tử chứng thực từ bản chính" in body and f"1, {entry.year}-SCT/BS" in body

    assert not PersonalDocument.objects.filter(owner=citizen, signed=True).exists()  # not before it is returned
    with django_capture_on_commit_callbacks(execute=True):
        services.dossier_act(dossier=d, by=intake, action="return_result")
    stored = PersonalDocument.objects.get(owner=citizen, signed=True)
    assert stored.doc_type == "certified_copy" and stored.sha256 == doc.sha256 and stored.verified
    assert stored.issuer == agency.name
    assert stored.title == f"Bản sao chứng thực: Bằng tốt nghiệp trung học phổ thông (số 1, {entry.year}-SCT/BS)"

    # the next certification of the agency takes the next number; a PDF scan works too
    d2 = _certification_dossier(
        agency=agency, citizen=citizen, intake=intake, scan=("hoc-ba.pdf", PDF_BYTES, "application/pdf")
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.dossier_act(dossier=d2, by=leader, action="certify_copy", file_id=d2.files.get().pk, compared=True)
    assert CertificationEntry.objects.get(dossier=d2).number == 2
    assert IssuedDocument.objects.get(dossier=d2, kind=IssuedDocument.Kind.CERTIFIED_COPY).file


@pytest.mark.django_db
def test_certify_copy_only_for_certification_procedures_and_by_the_head(
    received, processor, leader, client, agency, citizen, intake
):
    scan = received.files.first()
    with pytest.raises(DossierActionError, match="không cấp bản sao điện tử được chứng thực"):
        services.dossier_act(dossier=received, by=leader, action="certify_copy", file_id=scan.pk, compared=True)
    d = _certification_dossier(agency=agency, citizen=citizen, intake=intake)
    with pytest.raises(DossierActionError, match="Chứng thực bản sao từ bản chính"):
        services.dossier_act(dossier=d, by=processor, action="certify_copy", file_id=d.files.get().pk, compared=True)
    # the head's panel offers it, with the scan to choose and the comparison to confirm
    staff_login(client, leader)
    page = client.get(reverse("admin:dossiers_dossier_change", args=[d.pk])).content.decode()
    assert "Chứng thực bản sao từ bản chính (Bản sao điện tử chứng thực từ bản chính)" in page
    assert "Tôi đã đối chiếu bản chụp này với bản chính được xuất trình" in page
    response = client.post(
        reverse("admin:dossiers_dossier_action", args=[d.pk, "certify_copy"]),
        {"certify_copy-file_id": d.files.get().pk, "certify_copy-compared": "on"},
    )
    assert response.status_code == 302
    assert CertificationEntry.objects.get(dossier=d).number == 1


@pytest.mark.django_db(transaction=True)
def test_register_numbers_are_sequential_under_concurrency():
    """Eight certifications at once in one agency: numbers 1..8, none shared, none skipped
    (PostgreSQL: the register row is locked; SQLite serialises writers anyway)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    from dossiers.services.transitions import _certification_number

    agency = AgencyFactory()
    year = timezone.localdate().year
    barrier = threading.Barrier(8)
    numbers, errors = [], []

    def take():
        try:
            barrier.wait(timeout=30)
            with transaction.atomic():
                numbers.append(_certification_number(agency_id=agency.pk, year=year))
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=take) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    assert sorted(numbers) == list(range(1, 9))
    # another year starts again at 1
    with transaction.atomic():
        assert _certification_number(agency_id=agency.pk, year=year + 1) == 1


def test_demo_catalog_certification_procedure_issues_certified_copies():
    """seed_demo imports these (catalog.transfer reads `certified_copy` and `result_doc_type`;
    the import updates rows in place, so seeding twice changes nothing)."""
    from catalog.demo_catalog import procedures

    by_code = {p["code"]: p for p in procedures()}
    assert by_code["2.000815"]["certified_copy"] is True
    assert by_code["2.000815"]["result_doc_type"] == "certified_copy"
    assert by_code["1.001193"]["result_doc_type"] == "birth_extract"
    assert not by_code["1.001193"]["certified_copy"]
    kinds = [k for d in by_code["1.000229"]["documents"] for k in d.get("reusable_kinds") or []]
    assert "store:birth_extract" in kinds
