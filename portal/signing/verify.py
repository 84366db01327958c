"""Verification of a signed PDF, for the public page and the tests: is the signature valid, who
signed, when (the timestamp), was the file changed after signing, which issued document it is.

Every failure is an outcome with a Vietnamese message, never an exception to the caller."""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from . import file_sha256, signed_document_resolve

logger = logging.getLogger(__name__)

# outcomes
VALID = "valid"
MODIFIED = "modified"
UNTRUSTED = "untrusted"
INVALID = "invalid"
UNSIGNED = "unsigned"
NOT_PDF = "not_pdf"
TOO_LARGE = "too_large"

MESSAGES = {
    VALID: _("The digital signature is valid and the document has not been changed since it was signed."),
    MODIFIED: _("The document was changed after it was signed: this copy is not the document that was issued."),
    UNTRUSTED: _(
        "The document is signed, but not by a certificate this portal trusts: it was not issued through this portal."
    ),
    INVALID: _("The digital signature is not valid."),
    UNSIGNED: _("This PDF carries no digital signature."),
    NOT_PDF: _("This file is not a PDF document."),
    TOO_LARGE: _("The file is too large to be an issued document (at most %(mb)s MB)."),
}


@dataclass
class VerificationResult:
    outcome: str
    signer: str = ""
    signer_organisation: str = ""
    signed_at: object = None  # the timestamp (TSA time), else the time the signer claimed
    timestamped: bool = False
    sha256: str = ""
    document: dict | None = None
    details: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.outcome == VALID

    @property
    def message(self) -> str:
        text = MESSAGES[self.outcome]
        if self.outcome == TOO_LARGE:
            return str(text) % {"mb": settings.SIGNING_VERIFY_MAX_BYTES // (1024 * 1024)}
        return str(text)


def trust_roots() -> list:
    from asn1crypto import pem
    from asn1crypto import x509 as asn1_x509

    roots = []
    for path in settings.SIGNING_TRUST_ROOTS:
        data = Path(path).read_bytes()
        if pem.detect(data):
            roots += [asn1_x509.Certificate.load(der) for _t, _h, der in pem.unarmor(data, multiple=True)]
        else:
            roots.append(asn1_x509.Certificate.load(data))
    if settings.SIGNING_SIGNER == "sandbox" or settings.SANDBOX_ENABLED:
        from . import sandbox_ca

        roots.append(sandbox_ca.to_asn1(sandbox_ca.root_certificate()))
    return roots


def _name_part(name, key: str) -> str:
    try:
        return str(name.native.get(key, "") or "")
    except (AttributeError, ValueError):
        return ""


def pdf_verify(data: bytes) -> VerificationResult:
    if len(data) > settings.SIGNING_VERIFY_MAX_BYTES:
        return VerificationResult(TOO_LARGE)
    sha = file_sha256(data)
    if data.lstrip()[:5] != b"%PDF-":
        return VerificationResult(NOT_PDF, sha256=sha)
    try:
        return _verify(data, sha)
    except Exception:  # a damaged file: pyHanko/asn1crypto raise many kinds
        logger.info("PDF verification failed on a damaged file", exc_info=True)
        signed = b"/ByteRange" in data
        return VerificationResult(MODIFIED if signed else NOT_PDF, sha256=sha)


def _verify(data: bytes, sha: str) -> VerificationResult:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(io.BytesIO(data), strict=False)
    sigs = reader.embedded_signatures
    if not sigs:
        return VerificationResult(UNSIGNED, sha256=sha)
    sig = sigs[-1]
    context = ValidationContext(trust_roots=trust_roots(), allow_fetching=False, revocation_mode="soft-fail")
    status = validate_pdf_signature(sig, signer_validation_context=context, ts_validation_context=context)
    cert = status.signing_cert
    ts = status.timestamp_validity
    result = VerificationResult(
        INVALID,
        signer=_name_part(cert.subject, "common_name"),
        signer_organisation=_name_part(cert.subject, "organization_name"),
        signed_at=ts.timestamp if ts is not None else status.signer_reported_dt,
        timestamped=ts is not None and ts.valid and ts.intact,
        sha256=sha,
    )
    if not status.intact:
        result.outcome = MODIFIED
    elif not status.valid:
        result.outcome = INVALID
    elif status.coverage != SignatureCoverageLevel.ENTIRE_FILE and not (
        status.coverage == SignatureCoverageLevel.ENTIRE_REVISION and status.docmdp_ok
    ):
        result.outcome = MODIFIED
    elif not status.trusted:
        result.outcome = UNTRUSTED
    else:
        result.outcome = VALID
    if result.outcome == VALID:
        result.document = signed_document_resolve(sha256=sha)
    result.details = [status.summary()]
    return result
