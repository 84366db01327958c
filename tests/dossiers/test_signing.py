"""Issued PDFs are signed (PAdES B-T, sandbox CA and TSA) by the task that renders them, verify
with pyHanko and with poppler's pdfsig, and a signing outage delays them visibly instead of
issuing them unsigned."""

import io
import shutil
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from dossiers import services
from dossiers.issued_pdfs import issued_documents_redeliver_pending
from dossiers.models import Dossier, IssuedDocument, Status
from portal.models import OutboxJob
from portal.signing.verify import trust_roots
from tests.support.mfa import staff_login

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("real_pdf")]


def _approve(received, processor, capture):
    Dossier.objects.filter(pk=received.pk).update(status=Status.IN_PROCESSING)
    received.refresh_from_db()
    with capture(execute=True):
        return services.dossier_approve(dossier=received, by=processor, paper_result=True)


def _bytes(doc) -> bytes:
    with doc.file.open("rb") as fh:
        return fh.read()


def test_result_signed_by_the_task_verifies_with_pyhanko_and_pdfsig(
    received, processor, django_capture_on_commit_callbacks, tmp_path
):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    d = _approve(received, processor, django_capture_on_commit_callbacks)
    doc = IssuedDocument.objects.get(dossier=d, kind=IssuedDocument.Kind.RESULT)
    data = _bytes(doc)

    sig = PdfFileReader(io.BytesIO(data)).embedded_signatures[0]
    ctx = ValidationContext(trust_roots=trust_roots(), allow_fetching=False, revocation_mode="soft-fail")
    status = validate_pdf_signature(sig, signer_validation_context=ctx, ts_validation_context=ctx)
    assert status.bottom_line and status.intact and status.trusted
    assert status.timestamp_validity is not None and status.timestamp_validity.valid  # B-T
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    assert "UBND phường Long Châu" in status.signing_cert.subject.human_friendly

    path = tmp_path / "result.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60).stdout
    assert "Signature Validation: Signature is Valid." in out
    assert "Signer Certificate Common Name: UBND phường Long Châu" in out
    assert "Total document signed" in out
    # still the rendered document, with its text, title and language
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert d.code in text.replace("\n", "")
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, timeout=60).stdout
    assert "Tagged:          yes" in info
    assert f"Title:           Trang bìa kết quả — {d.code}" in info or ("Title:" in info and d.code in info)
    assert doc.sha256 and not doc.signing_error


def test_verification_page_valid_then_one_changed_byte_is_modified(
    received, processor, django_capture_on_commit_callbacks, client
):
    d = _approve(received, processor, django_capture_on_commit_callbacks)
    data = _bytes(IssuedDocument.objects.get(dossier=d, kind=IssuedDocument.Kind.RESULT))

    page = client.post("/kiem-tra-van-ban/", {"document": SimpleUploadedFile("kq.pdf", data, "application/pdf")})
    body = page.content.decode()
    assert page.status_code == 200
    assert "Chữ ký số hợp lệ" in body and d.code in body and "UBND phường Long Châu" in body
    assert "Nguyễn Thị Hằng" not in body  # nothing personal, only the dossier code

    # one byte inside the signed range (the page content stream), changed after signing
    start = data.index(b"stream", len(data) // 4) + 20
    changed = data[:start] + bytes([data[start] ^ 0x01]) + data[start + 1 :]
    page = client.post("/kiem-tra-van-ban/", {"document": SimpleUploadedFile("kq.pdf", changed, "application/pdf")})
    body = page.content.decode()
    assert page.status_code == 200
    assert "Văn bản đã bị thay đổi sau khi ký" in body
    assert d.code not in body


def test_every_issued_kind_is_signed_and_verifies_on_the_page(
    submitted, intake, processor, django_capture_on_commit_callbacks, client
):
    with django_capture_on_commit_callbacks(execute=True):
        d = services.dossier_receive(dossier=submitted, by=intake)
    with django_capture_on_commit_callbacks(execute=True):
        d = services.dossier_request_supplement(dossier=d, by=processor, missing="Bản sao sổ hộ khẩu")
    Dossier.objects.filter(pk=d.pk).update(status=Status.IN_PROCESSING)
    with django_capture_on_commit_callbacks(execute=True):
        d = services.dossier_refuse(dossier=Dossier.objects.get(pk=d.pk), by=processor, reason="Không đủ điều kiện")
    kinds = set()
    for doc in IssuedDocument.objects.filter(dossier=d).exclude(file=""):
        page = client.post(
            "/kiem-tra-van-ban/", {"document": SimpleUploadedFile("x.pdf", _bytes(doc), "application/pdf")}
        )
        assert "Chữ ký số hợp lệ" in page.content.decode(), doc.kind
        kinds.add(doc.kind)
    assert kinds == {"receipt", "supplement", "refusal"}


def test_signing_outage_delays_the_document_and_says_so(
    received, processor, django_capture_on_commit_callbacks, settings, client
):
    settings.SIGNING_SIGNER = "remote"
    settings.SIGNING_REMOTE_URL = "http://127.0.0.1:9/ky-so"  # nobody listens: the signer is down
    d = _approve(received, processor, django_capture_on_commit_callbacks)
    doc = IssuedDocument.objects.get(dossier=d, kind=IssuedDocument.Kind.RESULT)
    assert not doc.file  # not issued unsigned
    assert "remote signer unreachable" in doc.signing_error
    job = OutboxJob.objects.get(key=f"pdf:{d.pk}:result:{doc.event_id}")
    assert job.status == OutboxJob.Status.PENDING and job.attempts == 1  # retried later

    staff_login(client, d.citizen, second_factor=False) if d.citizen.is_staff else client.force_login(d.citizen)
    page = client.get(f"/ho-so/{d.pk}/").content.decode()
    assert "đang chờ ký số" in page

    settings.SIGNING_SIGNER = "sandbox"  # the signer is back: the retry issues it, signed
    OutboxJob.objects.filter(pk=job.pk).update(next_attempt_at=job.created_at)
    with django_capture_on_commit_callbacks(execute=True):
        issued_documents_redeliver_pending(older_than_seconds=0)
    doc.refresh_from_db()
    assert doc.file and doc.sha256 and not doc.signing_error
    assert "đang chờ ký số" not in client.get(f"/ho-so/{d.pk}/").content.decode()


@pytest.mark.skipif(not shutil.which("pdfsig"), reason="needs poppler-utils")
def test_remote_signer_and_tsa_over_real_http(
    received, processor, django_capture_on_commit_callbacks, settings, live_server, client
):
    settings.SIGNING_SIGNER = "remote"
    settings.SIGNING_REMOTE_URL = live_server.url + "/sandbox/signing"
    settings.SIGNING_REMOTE_TOKEN = settings.SANDBOX_SIGNING_TOKEN
    settings.SIGNING_TSA_URL = live_server.url + "/sandbox/tsa/"
    d = _approve(received, processor, django_capture_on_commit_callbacks)
    doc = IssuedDocument.objects.get(dossier=d, kind=IssuedDocument.Kind.RESULT)
    assert doc.file, doc.signing_error
    page = client.post("/kiem-tra-van-ban/", {"document": SimpleUploadedFile("x.pdf", _bytes(doc), "application/pdf")})
    body = page.content.decode()
    assert "Chữ ký số hợp lệ" in body and "000.00.31.H57" in body  # the remote key id is the agency code


def test_printed_link_verifies_the_stored_original(received, processor, django_capture_on_commit_callbacks, client):
    d = _approve(received, processor, django_capture_on_commit_callbacks)
    doc = IssuedDocument.objects.get(dossier=d, kind=IssuedDocument.Kind.RESULT)
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(_bytes(doc))).pages).replace("\n", "")
    link = text[text.index("/kiem-tra-van-ban/") :].split("/")[2]
    page = client.get(f"/kiem-tra-van-ban/{link}/")
    assert page.status_code == 200 and "Chữ ký số hợp lệ" in page.content.decode()
    assert client.get(f"/kiem-tra-van-ban/{link[:-1]}0/").status_code == 404  # a forged reference
