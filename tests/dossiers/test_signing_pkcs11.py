"""The PKCS#11 signer against a real token: SoftHSM2 holds an agency key whose certificate the
sandbox CA issued; the leader's sign-off issues the result through the normal task, signed on the
token, and it verifies with pyHanko, with poppler's pdfsig and on the verification page.

Needs Debian's `softhsm2` and the `python-pkcs11` package; skipped (with the reason) when either is
missing, except under REQUIRE_SOFTHSM=1 (.ci/run), where a missing one fails the test."""

import datetime as dt
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from django.core.files.uploadedfile import SimpleUploadedFile

from dossiers import services
from dossiers.models import Dossier, IssuedDocument, Status
from portal.signing import sandbox_ca
from portal.signing.verify import trust_roots

MODULE_CANDIDATES = ["/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"]
TOKEN, PIN, SO_PIN, LABEL = "portal-agency", "123456", "654321", "ky-so-don-vi"
AGENCY = "UBND phường Long Châu"


def _missing() -> str:
    if not shutil.which("softhsm2-util") or not any(Path(p).is_file() for p in MODULE_CANDIDATES):
        return "needs SoftHSM2 (apt-get install softhsm2)"
    try:
        import pkcs11  # noqa: F401
    except ImportError:
        return "needs the python-pkcs11 package (requirements.txt)"
    return ""


_reason = _missing()
if _reason and os.environ.get("REQUIRE_SOFTHSM"):
    raise RuntimeError(f"REQUIRE_SOFTHSM is set but this machine {_reason}")

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("real_pdf"),
    pytest.mark.skipif(bool(_reason), reason=_reason or "-"),
]


@pytest.fixture(scope="module")
def token(tmp_path_factory):
    """A SoftHSM2 token (its own token directory) holding one RSA key under LABEL. SoftHSM reads
    SOFTHSM2_CONF once, when the module is first loaded in this process."""
    base = tmp_path_factory.mktemp("softhsm")
    (base / "tokens").mkdir()
    conf = base / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {base / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    env = {**os.environ, "SOFTHSM2_CONF": str(conf)}
    module = next(p for p in MODULE_CANDIDATES if Path(p).is_file())
    run = {"env": env, "check": True, "capture_output": True, "text": True, "timeout": 60}
    subprocess.run(
        ["softhsm2-util", "--init-token", "--free", "--label", TOKEN, "--pin", PIN, "--so-pin", SO_PIN], **run
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_pem = base / "key.pem"
    key_pem.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    subprocess.run(
        ["softhsm2-util", "--import", str(key_pem), "--token", TOKEN, "--label", LABEL, "--id", "01", "--pin", PIN],
        **run,
    )
    key_pem.unlink()  # from now on the key exists only in the token
    old = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    yield module, key.public_key()
    if old is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = old


def _certify_on_token(module: str, public_key) -> x509.Certificate:
    """The sandbox root certifies the token's key; the certificate goes onto the token under the
    key's label, as a CA's issuance tool would put it."""
    from pkcs11 import Attribute, CertificateType, ObjectClass
    from pyhanko.sign.pkcs11 import p11_lib

    root_key, root_cert = sandbox_ca.credential(sandbox_ca.ROOT)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, AGENCY),
            x509.NameAttribute(NameOID.COMMON_NAME, AGENCY),
        ]
    )
    now = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(root_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256())
    )
    session = p11_lib(module).get_token(token_label=TOKEN).open(rw=True, user_pin=PIN)
    try:
        for old in session.get_objects({Attribute.CLASS: ObjectClass.CERTIFICATE}):
            old.destroy()  # a certificate from an earlier test's (rolled back) sandbox root
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.LABEL: LABEL,
                Attribute.ID: b"\x01",
                Attribute.SUBJECT: subject.public_bytes(),
                Attribute.ISSUER: root_cert.subject.public_bytes(),
                Attribute.SERIAL_NUMBER: cert.serial_number.to_bytes(20, "big").lstrip(b"\x00"),
                Attribute.VALUE: cert.public_bytes(serialization.Encoding.DER),
            }
        )
    finally:
        session.close()
    return cert


@pytest.fixture
def pkcs11_settings(token, settings):
    module, public_key = token
    settings.SIGNING_SIGNER = "pkcs11"
    settings.SIGNING_PKCS11_MODULE = module
    settings.SIGNING_PKCS11_TOKEN_LABEL = TOKEN
    settings.SIGNING_PKCS11_PIN = PIN
    settings.SIGNING_PKCS11_KEY_LABEL = LABEL
    return _certify_on_token(module, public_key)


def _approve(received, processor, capture):
    Dossier.objects.filter(pk=received.pk).update(status=Status.IN_PROCESSING)
    received.refresh_from_db()
    with capture(execute=True):
        return services.dossier_approve(dossier=received, by=processor, paper_result=True)


def test_result_signed_on_a_softhsm_token_verifies_with_pyhanko_pdfsig_and_the_page(
    received, processor, django_capture_on_commit_callbacks, pkcs11_settings, tmp_path, client
):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    d = _approve(received, processor, django_capture_on_commit_callbacks)
    doc = IssuedDocument.objects.get(dossier=d, kind=IssuedDocument.Kind.RESULT)
    assert doc.file, doc.signing_error
    with doc.file.open("rb") as fh:
        data = fh.read()

    sig = PdfFileReader(io.BytesIO(data)).embedded_signatures[0]
    ctx = ValidationContext(trust_roots=trust_roots(), allow_fetching=False, revocation_mode="soft-fail")
    status = validate_pdf_signature(sig, signer_validation_context=ctx, ts_validation_context=ctx)
    assert status.bottom_line and status.intact and status.trusted
    assert status.timestamp_validity is not None and status.timestamp_validity.valid
    # signed with the token's certificate, not the sandbox signer's
    assert status.signing_cert.serial_number == pkcs11_settings.serial_number

    path = tmp_path / "ket-qua.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60).stdout
    assert "Signature Validation: Signature is Valid." in out
    assert f"Signer Certificate Common Name: {AGENCY}" in out
    assert "Total document signed" in out

    page = client.post("/kiem-tra-van-ban/", {"document": SimpleUploadedFile("kq.pdf", data, "application/pdf")})
    body = page.content.decode()
    assert "Chữ ký số hợp lệ" in body and d.code in body


def test_wrong_token_pin_delays_the_result_instead_of_issuing_it_unsigned(
    received, processor, django_capture_on_commit_callbacks, pkcs11_settings, settings
):
    settings.SIGNING_PKCS11_PIN = "000000"
    d = _approve(received, processor, django_capture_on_commit_callbacks)
    doc = IssuedDocument.objects.get(dossier=d, kind=IssuedDocument.Kind.RESULT)
    assert not doc.file
    assert "PinIncorrect" in doc.signing_error or "PIN" in doc.signing_error.upper(), doc.signing_error
