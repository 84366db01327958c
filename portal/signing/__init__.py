"""Digital signatures on the PDFs the portal issues (PAdES baseline B-T: CMS signature plus an
RFC 3161 timestamp, visible signature block), and their verification.

Public interface:
- `pdf_sign(pdf, *, agency_code, agency_name, signer_name, signer_title, reason, location) -> bytes`
  signs a rendered PDF as an incremental update (PDF/A stays valid). It raises `SigningUnavailable`
  when the signer cannot sign now (token absent, remote service down): the caller must then keep
  the document pending and retry, never issue it unsigned.
- `signers`: the registry of signer plugins (portal/signing/backends/), chosen by SIGNING_SIGNER.
- `pdf_verify(data) -> VerificationResult` (portal/signing/verify.py).
- `signed_document_resolver_register(fn)`: apps tell the verification page which dossier a
  signed file (by its SHA-256) or a verification reference belongs to.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from portal.kernel.plugins import PluginRegistry

logger = logging.getLogger(__name__)

signers: PluginRegistry = PluginRegistry("document signer", setting="SIGNING_SIGNER")

FIELD_NAME = "ChuKySo"
ANCHOR_ID = "digital-signature"  # the placeholder element of pdf/base.html
# The placeholder's size in PDF points (pdf/base.html .digital-signature: 74mm x 17mm).
BOX_WIDTH = 74 * 72 / 25.4
BOX_HEIGHT = 17 * 72 / 25.4


class SigningUnavailable(Exception):
    """The document cannot be signed now; it stays pending and the job is retried."""


class SigningConfigurationError(SigningUnavailable):
    """The signer's settings are wrong (a missing file, a bad PIN)."""


@dataclass(frozen=True)
class SignatureRequest:
    agency_code: str
    agency_name: str
    signer_name: str
    signer_title: str
    reason: str
    location: str


def signer_get():
    """An instance of the configured signer plugin (settings read now)."""
    signers.autodiscover("portal.signing.backends")
    return signers.get(settings.SIGNING_SIGNER)()


def timestamper_get():
    """The RFC 3161 client: SIGNING_TSA_URL, or the embedded sandbox TSA when it is empty."""
    if settings.SIGNING_TSA_URL:
        from pyhanko.sign.timestamps import HTTPTimeStamper

        return HTTPTimeStamper(settings.SIGNING_TSA_URL, timeout=settings.SIGNING_TIMEOUT_SECONDS)
    from .tsa import sandbox_timestamper

    return sandbox_timestamper()


_stamp_font_path: str | None = None


def _stamp_font() -> str:
    """Noto Sans cut down to the characters of Vietnamese text, once per process: pyHanko parses
    and subsets the stamp font for every signature, and the full font takes seconds to parse."""
    global _stamp_font_path
    if _stamp_font_path is None or not os.path.exists(_stamp_font_path):
        from fontTools import subset

        options = subset.Options()
        options.layout_features = ["*"]
        font = subset.load_font(str(settings.PDF_FONT_DIR / "NotoSans-Regular.ttf"), options)
        subsetter = subset.Subsetter(options)
        ranges = [(0x20, 0x7E), (0xA0, 0x24F), (0x300, 0x323), (0x1EA0, 0x1EF9), (0x2010, 0x2026)]
        subsetter.populate(unicodes=[c for lo, hi in ranges for c in range(lo, hi + 1)])
        subsetter.subset(font)
        fd, path = tempfile.mkstemp(prefix="portal-stamp-", suffix=".ttf")
        with os.fdopen(fd, "wb") as fh:
            font.save(fh)
        _stamp_font_path = path
    return _stamp_font_path


def _stamp_style():
    from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.stamp import TextStampStyle

    font = GlyphAccumulatorFactory(_stamp_font())
    return TextStampStyle(
        stamp_text="%(text)s",
        text_box_style=TextBoxStyle(font=font, font_size=6.5, leading=8),
        border_width=1,
        background=None,
    )


def _stamp_text(request: SignatureRequest, when) -> str:
    lines = [
        "Ký số bởi: " + request.agency_name,
        (request.signer_title + ": " if request.signer_title else "") + (request.signer_name or ""),
        "Thời gian ký: " + timezone.localtime(when).strftime("%H:%M:%S %d/%m/%Y"),
        "Kiểm tra: " + settings.SITE_URL + "/kiem-tra-van-ban/",
    ]
    return "\n".join(line for line in lines if line.strip(": "))


def _placeholder(pdf: bytes):
    """(page index, box) of the signature placeholder, or the bottom of the last page."""
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf))
    dest = reader.named_destinations.get(ANCHOR_ID)
    if dest is not None:
        page = reader.get_destination_page_number(dest)
        left, top = float(dest.left), float(dest.top)
        return page, (left, top - BOX_HEIGHT, left + BOX_WIDTH, top)
    page = len(reader.pages) - 1
    return page, (62.0, 60.0, 62.0 + BOX_WIDTH, 60.0 + BOX_HEIGHT)


def _outside_event_loop(fn):
    """pyHanko's sync API calls asyncio.run(), which fails inside a running event loop (an ASGI
    thread, Playwright's sync API in the browser tests): then run it in a thread of its own.
    Only the signing itself runs there; the database was read before."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return fn()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn).result()


def _writer_class():
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    class KeepMetadataWriter(IncrementalPdfFileWriter):
        """pyHanko rewrites the document's XMP and /Info on write, and in doing so drops the
        PDF/A identification (pdfaid) WeasyPrint wrote: the signed file would no longer claim
        PDF/A. The rendered metadata is right as it is, so it is left untouched."""

        def _update_meta(self):
            return None

    return KeepMetadataWriter


def pdf_sign(
    pdf: bytes,
    *,
    agency_code: str,
    agency_name: str,
    signer_name: str = "",
    signer_title: str = "",
    reason: str = "",
    location: str = "",
) -> bytes:
    """Sign `pdf` (PAdES B-T, visible block where pdf/base.html put its placeholder)."""
    import io

    from pyhanko.sign import fields
    from pyhanko.sign import signers as ph_signers
    from pyhanko.sign.fields import SigSeedSubFilter

    _KeepMetadataWriter = _writer_class()
    request = SignatureRequest(agency_code, agency_name, signer_name, signer_title, reason, location)
    try:
        signer = signer_get().pyhanko_signer(request)
        timestamper = timestamper_get()
        page, box = _placeholder(pdf)
        now = timezone.now()
        writer = _KeepMetadataWriter(io.BytesIO(pdf), strict=False)
        fields.append_signature_field(
            writer, fields.SigFieldSpec(sig_field_name=FIELD_NAME, on_page=page, box=tuple(round(v, 2) for v in box))
        )
        meta = ph_signers.PdfSignatureMetadata(
            field_name=FIELD_NAME,
            md_algorithm="sha256",
            subfilter=SigSeedSubFilter.PADES,
            reason=reason or None,
            location=location or None,
            name=signer_name or None,
        )
        pdf_signer = ph_signers.PdfSigner(
            meta, signer=signer, timestamper=timestamper, stamp_style=_stamp_style(), new_field_spec=None
        )
        out = io.BytesIO()
        _outside_event_loop(
            lambda: pdf_signer.sign_pdf(writer, output=out, appearance_text_params={"text": _stamp_text(request, now)})
        )
        return out.getvalue()
    except SigningUnavailable:
        raise
    except Exception as exc:  # a token, a network, a TSA: all mean "not signed now"
        logger.warning("Signing failed (%s): %s", settings.SIGNING_SIGNER, exc)
        raise SigningUnavailable(f"{type(exc).__name__}: {exc}"[:500]) from exc


# --- what the verification page can say about a file ------------------------------------------

_resolvers: list[Callable[..., dict | None]] = []


def signed_document_resolver_register(fn: Callable[..., dict | None]) -> None:
    """fn(*, sha256: str = "", reference: str = "") -> {"kind", "dossier_code", "number",
    "file" (a FieldFile, only for a reference)} or None."""
    if fn not in _resolvers:
        _resolvers.append(fn)


def signed_document_resolve(*, sha256: str = "", reference: str = "") -> dict | None:
    for fn in _resolvers:
        found = fn(sha256=sha256, reference=reference)
        if found:
            return found
    return None


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def verification_reference(kind: str, pk: int) -> str:
    """A short, unguessable reference of one issued document (printed as a QR code link)."""
    from django.utils.crypto import salted_hmac

    mac = salted_hmac("portal.signing.reference", f"{kind}:{pk}").hexdigest()[:16]
    return f"{kind}{pk}-{mac}"


def verification_reference_parse(reference: str) -> tuple[str, int] | None:
    import re

    from django.utils.crypto import constant_time_compare

    m = re.fullmatch(r"([a-z]{1,3})(\d{1,12})-([0-9a-f]{16})", reference or "")
    if not m:
        return None
    kind, pk = m.group(1), int(m.group(2))
    if not constant_time_compare(verification_reference(kind, pk), reference):
        return None
    return kind, pk


def verification_url(kind: str, pk: int) -> str:
    return f"{settings.SITE_URL}/kiem-tra-van-ban/{verification_reference(kind, pk)}/"


__all__ = [
    "SigningUnavailable",
    "file_sha256",
    "pdf_sign",
    "signed_document_resolver_register",
    "signers",
    "verification_url",
]
