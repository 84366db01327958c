"""The signing plugins and the public verification page's answers to bad input."""

import datetime as dt
import io

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.core.files.uploadedfile import SimpleUploadedFile

from bench.pdf_render import sample_context
from portal.pdf import pdf_render
from portal.signing import SigningUnavailable, pdf_sign, signer_get
from portal.signing.verify import pdf_verify

pytestmark = pytest.mark.django_db

URL = "/kiem-tra-van-ban/"


@pytest.fixture(scope="module")
def plain_pdf():
    return pdf_render(template_name="pdf/sample_receipt.html", context=sample_context())


def _self_signed(cn="Kẻ mạo danh"):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _post(client, data: bytes, name="van-ban.pdf"):
    return client.post(URL, {"document": SimpleUploadedFile(name, data, "application/pdf")})


def test_page_is_public_and_vietnamese(client):
    page = client.get(URL)
    assert page.status_code == 200
    assert "Kiểm tra văn bản điện tử" in page.content.decode()


def test_not_a_pdf(client):
    page = _post(client, b"GIF89a not a pdf at all", name="anh.pdf")
    assert page.status_code == 200
    assert "Tệp này không phải là văn bản PDF." in page.content.decode()


def test_damaged_pdf_is_an_answer_not_a_500(client):
    page = _post(client, b"%PDF-1.7\n" + b"\x00garbage" * 100)
    assert page.status_code == 200
    assert "Tệp này không phải là văn bản PDF." in page.content.decode()


def test_unsigned_pdf(client, plain_pdf):
    page = _post(client, plain_pdf)
    assert "Tệp PDF này không có chữ ký số." in page.content.decode()


def test_pdf_signed_by_an_unknown_ca(client, plain_pdf, tmp_path, settings):
    key, cert = _self_signed()
    p12 = tmp_path / "la.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(b"x", key, cert, None, serialization.BestAvailableEncryption(b"pw"))
    )
    settings.SIGNING_SIGNER = "pkcs12"  # the PKCS#12 plugin, with a certificate nobody trusts
    settings.SIGNING_PKCS12_FILE = str(p12)
    settings.SIGNING_PKCS12_PASSWORD = "pw"
    signed = pdf_sign(plain_pdf, agency_code="X", agency_name="Cơ quan lạ", signer_name="Kẻ mạo danh")
    settings.SIGNING_SIGNER = "sandbox"
    page = _post(client, signed)
    body = page.content.decode()
    assert "không phải của chứng thư số mà Cổng tin cậy" in body
    assert "Kẻ mạo danh" in body  # who signed is still said


def test_a_60_mb_file_is_refused_clearly(client):
    page = _post(client, b"%PDF-1.7\n" + b"0" * (60 * 1024 * 1024))
    assert page.status_code == 413
    assert "Tệp quá lớn, không thể là văn bản do Cổng cấp (tối đa 20 MB)." in page.content.decode()


def test_the_page_is_rate_limited(client, settings):
    settings.SIGNING_VERIFY_RATE = "2/m"
    codes = [_post(client, b"not a pdf").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_sandbox_signed_pdf_is_valid_and_timestamped(plain_pdf):
    result = pdf_verify(pdf_sign(plain_pdf, agency_code="T.1", agency_name="UBND xã Thử", signer_name="Trần Văn B"))
    assert result.outcome == "valid" and result.timestamped
    assert result.signer == "UBND xã Thử"


def test_wrong_pkcs12_password_is_a_signing_outage(plain_pdf, tmp_path, settings):
    key, cert = _self_signed()
    p12 = tmp_path / "a.p12"
    p12.write_bytes(
        pkcs12.serialize_key_and_certificates(b"x", key, cert, None, serialization.BestAvailableEncryption(b"pw"))
    )
    settings.SIGNING_SIGNER = "pkcs12"
    settings.SIGNING_PKCS12_FILE = str(p12)
    settings.SIGNING_PKCS12_PASSWORD = "sai"
    with pytest.raises(SigningUnavailable, match="Could not load key material from PKCS#12 data"):
        pdf_sign(plain_pdf, agency_code="X", agency_name="X")


def test_pkcs11_signer_says_what_it_needs(settings):
    settings.SIGNING_SIGNER = "pkcs11"
    settings.SIGNING_PKCS11_MODULE = ""
    with pytest.raises(SigningUnavailable, match="SIGNING_PKCS11_MODULE, SIGNING_PKCS11_TOKEN_LABEL"):
        signer_get()


def test_sandbox_tsa_and_remote_signer_refuse_bad_requests(client):
    assert client.post("/sandbox/tsa/", b"nonsense", content_type="application/timestamp-query").status_code == 400
    assert client.get("/sandbox/signing/certificates?key_id=A").status_code == 401
    wrong = client.post(
        "/sandbox/signing/sign",
        {"key_id": "A", "hash_algorithm": "sha256", "digest": "AAAA"},
        content_type="application/json",
        headers={"Authorization": "Bearer sandbox-signing-token"},
    )
    assert wrong.status_code == 400


def test_signed_pdf_stays_pdf_a_and_tagged(plain_pdf):
    from pypdf import PdfReader

    signed = pdf_sign(plain_pdf, agency_code="T.1", agency_name="UBND xã Thử")
    reader = PdfReader(io.BytesIO(signed))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "vi"
    assert bool(root["/MarkInfo"]["/Marked"]) and "/StructTreeRoot" in root
    xmp = root["/Metadata"].get_object().get_data()
    assert b'pdfaid:part="3"' in xmp and b'pdfaid:conformance="B"' in xmp
    assert signed.startswith(plain_pdf)  # an incremental update: the PDF/A original is kept byte for byte
