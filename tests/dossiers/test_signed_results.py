"""Issue 11: the signed documents carry a QR code of their verification link, and the result
document the official uploaded is itself signed by the agency when the result is issued (a PDF
as it is, an image on a signed PDF page), through the real outbox job with the sandbox CA;
verified with pyHanko and poppler's pdfsig."""

import io
import shutil
import subprocess
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from dossiers import services
from dossiers.models import Dossier, DossierFile, IssuedDocument, Status
from portal.signing.verify import trust_roots
from tests.support.world import PDF_BYTES

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("real_pdf"),
    pytest.mark.skipif(not (shutil.which("pdfsig") and shutil.which("pdftoppm")), reason="needs poppler-utils"),
]


def _approve(received, processor, capture, result_file=None):
    Dossier.objects.filter(pk=received.pk).update(status=Status.IN_PROCESSING)
    received.refresh_from_db()
    with capture(execute=True):
        return services.dossier_approve(
            dossier=received, by=processor, result_file=result_file, paper_result=result_file is None
        )


def _bytes(doc) -> bytes:
    with doc.file.open("rb") as fh:
        return fh.read()


def _validate(data: bytes, index: int = -1):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    sig = PdfFileReader(io.BytesIO(data)).embedded_signatures[index]
    ctx = ValidationContext(trust_roots=trust_roots(), allow_fetching=False, revocation_mode="soft-fail")
    status = validate_pdf_signature(sig, signer_validation_context=ctx, ts_validation_context=ctx)
    assert status.bottom_line and status.intact and status.trusted
    assert status.timestamp_validity is not None and status.timestamp_validity.valid  # B-T
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    return sig, status


def _pdfsig(data: bytes, tmp_path) -> str:
    path = tmp_path / "signed.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60).stdout


def _qr_codes(data: bytes, tmp_path, page: int = 1) -> list[str]:
    import zxingcpp
    from PIL import Image

    path = tmp_path / "page.pdf"
    path.write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-r", "300", "-png", "-f", str(page), "-l", str(page), str(path), str(tmp_path / "p")],
        check=True,
        timeout=120,
    )
    png = next(tmp_path.glob("p*.png"))
    return [b.text for b in zxingcpp.read_barcodes(Image.open(png))]


def test_signed_cover_shows_a_qr_of_its_verification_link_and_the_signature_time(
    received, processor, django_capture_on_commit_callbacks, client, tmp_path
):
    from pypdf import PdfReader

    d = _approve(received, processor, django_capture_on_commit_callbacks)
    doc = IssuedDocument.objects.get(dossier=d, kind=IssuedDocument.Kind.RESULT)
    data = _bytes(doc)
    sig, _status = _validate(data)

    codes = _qr_codes(data, tmp_path)
    links = [c for c in codes if "/kiem-tra-van-ban/" in c]
    assert len(links) == 1, codes
    page = client.get(urlsplit(links[0]).path)
    assert page.status_code == 200 and "Chữ ký số hợp lệ" in page.content.decode()

    # The block WeasyPrint drew shows the signature's own signing time (/M), to the second.
    signed_at = timezone.localtime(sig.self_reported_timestamp).strftime("%H:%M:%S %d/%m/%Y")
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert f"Thời gian ký: {signed_at}" in text
    assert "Ký số bởi: UBND phường Long Châu" in text


def test_uploaded_pdf_result_is_signed_by_the_agency_and_recognised(
    received, processor, django_capture_on_commit_callbacks, client, tmp_path
):
    d = _approve(
        received,
        processor,
        django_capture_on_commit_callbacks,
        result_file=SimpleUploadedFile("giay-phep.pdf", PDF_BYTES, "application/pdf"),
    )
    signed = IssuedDocument.objects.get(dossier=d, kind=IssuedDocument.Kind.SIGNED_RESULT)
    data = _bytes(signed)
    assert data.startswith(PDF_BYTES)  # the official's file byte for byte, signed as an incremental update
    _sig, status = _validate(data)
    assert "UBND phường Long Châu" in status.signing_cert.subject.human_friendly
    out = _pdfsig(data, tmp_path)
    assert "Signature Validation: Signature is Valid." in out and "Total document signed" in out

    # The citizen downloads it from "Documents issued"; the verification page names it.
    client.force_login(d.citizen)
    detail = client.get(f"/ho-so/{d.pk}/").content.decode()
    assert "Văn bản kết quả (đã ký số)" in detail
    # the result file in the dossier's file list downloads as signed, too
    row = d.files.get(kind=DossierFile.Kind.RESULT)
    response = client.get(reverse("dossiers:file_download", args=[d.pk, row.pk]))
    assert b"".join(response.streaming_content if response.streaming else [response.content]) == data
    page = client.post("/kiem-tra-van-ban/", {"document": SimpleUploadedFile("kq.pdf", data, "application/pdf")})
    body = page.content.decode()
    assert "Chữ ký số hợp lệ" in body and "Văn bản kết quả (đã ký số)" in body and d.code in body


def test_uploaded_image_result_becomes_a_signed_pdf_page(
    received, processor, django_capture_on_commit_callbacks, tmp_path
):
    import segno

    png = io.BytesIO()
    segno.make("ảnh kết quả", micro=False).save(png, kind="png", scale=6)
    d = _approve(
        received,
        processor,
        django_capture_on_commit_callbacks,
        result_file=SimpleUploadedFile("ket-qua.png", png.getvalue(), "image/png"),
    )
    signed = IssuedDocument.objects.get(dossier=d, kind=IssuedDocument.Kind.SIGNED_RESULT)
    data = _bytes(signed)
    _validate(data)
    assert "Signature Validation: Signature is Valid." in _pdfsig(data, tmp_path)
    codes = _qr_codes(data, tmp_path)
    assert "ảnh kết quả" in codes  # the uploaded image is on the page
    assert any(f"/kiem-tra-van-ban/d{signed.pk}-" in c for c in codes)  # and the signature block's QR
