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


def signature_block(
    *, agency_name: str, signer_name: str = "", signer_title: str = "", verify_url: str = "", when=None
):
    """What the visible signature block shows, for the template (`digital_signature` in the
    context of pdf/_signature_box.html): WeasyPrint draws it in the page, with the fonts it
    already embeds, and `pdf_sign(..., signed_at=block["signed_at"])` then signs with that very
    time (the signature dictionary's /M), so the printed signing time is the signature's.
    The QR code encodes the verification link."""
    from portal.pdf import qr_data_uri

    when = when or timezone.now()
    return {
        "agency_name": agency_name,
        "signer_name": signer_name,
        "signer_title": signer_title,
        "signed_at": when,
        "signed_at_text": timezone.localtime(when).strftime("%H:%M:%S %d/%m/%Y"),
        "verify_url": verify_url,
        "qr": qr_data_uri(verify_url) if verify_url else "",
    }


class _DrawnAppearance:
    """The widget's appearance: an empty form XObject. The block itself is page content drawn by
    WeasyPrint (signature_block); pyHanko's text stamp parsed and subset a font for every
    signature, most of the time signing took (bench/pdf_sign.py). PDF/A wants an /AP /N on every
    visible annotation: this is one."""

    def create_stamp(self, writer, box, text_params):
        from pyhanko.pdf_utils import generic

        class Stamp:
            def apply_appearance(self, sig_annot):
                xobj = generic.StreamObject(
                    {
                        generic.pdf_name("/Type"): generic.pdf_name("/XObject"),
                        generic.pdf_name("/Subtype"): generic.pdf_name("/Form"),
                        generic.pdf_name("/BBox"): generic.ArrayObject(
                            [
                                generic.FloatObject(0),
                                generic.FloatObject(0),
                                generic.FloatObject(box.width),
                                generic.FloatObject(box.height),
                            ]
                        ),
                        generic.pdf_name("/Resources"): generic.DictionaryObject(),
                    },
                    stream_data=b"",
                )
                sig_annot[generic.pdf_name("/AP")] = generic.DictionaryObject(
                    {generic.pdf_name("/N"): writer.add_object(xobj)}
                )

        return Stamp()


def _name_tree_get(node, key: str, depth: int = 0):
    if node is None or depth > 8:
        return None
    names = node.get("/Names")
    if names is not None:
        for i in range(0, len(names) - 1, 2):
            if str(names[i]) == key:
                return names[i + 1]
    for kid in node.get("/Kids", ()):
        found = _name_tree_get(kid.get_object(), key, depth + 1)
        if found is not None:
            return found
    return None


def _placeholder(writer):
    """(page index, box) of the signature placeholder (pdf/_signature_box.html's named
    destination, looked up in the document pyHanko has already parsed), or the bottom of the
    last page."""
    root = writer.root
    dests = root.get("/Names", {}).get("/Dests") if "/Names" in root else None
    dest = _name_tree_get(dests.get_object() if dests is not None else None, ANCHOR_ID)
    if dest is not None and not isinstance(dest, list | tuple) and hasattr(dest, "get"):
        dest = dest.get("/D")
    pages = root["/Pages"]
    count = int(pages["/Count"])
    if dest is not None and len(dest) >= 4:
        page_ref = dest.raw_get(0) if hasattr(dest, "raw_get") else dest[0]
        for index in range(count):
            ref, _resources = writer.find_page_for_modification(index)
            if ref.idnum == page_ref.idnum:
                left, top = float(dest[2]), float(dest[3])
                return index, (left, top - BOX_HEIGHT, left + BOX_WIDTH, top)
    return count - 1, (62.0, 60.0, 62.0 + BOX_WIDTH, 60.0 + BOX_HEIGHT)


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


_reserved_sizes: dict[tuple, int] = {}


def _pdf_signer_class():
    from pyhanko.sign import signers as ph_signers

    class FixedTimePdfSigner(ph_signers.PdfSigner):
        """Signs with a given signing time (/M): the one the visible block printed."""

        signed_at = None

        def init_signing_session(self, pdf_out, existing_fields_only=False):
            session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
            if self.signed_at is not None:
                session.system_time = self.signed_at
            return session

    return FixedTimePdfSigner


def _bytes_reserved(signer, timestamper) -> int | None:
    """The room for the CMS blob. pyHanko estimates it by making a whole dummy signature (and
    a dummy timestamp) each time, doubling the cost; the size depends only on the certificates,
    so the first estimate per signer certificate and TSA is kept (with pyHanko's own margin)."""
    cert = getattr(signer, "signing_cert", None)
    if cert is None:
        return None
    return _reserved_sizes.get(_reserved_key(signer, timestamper))


def _reserved_key(signer, timestamper) -> tuple:
    return (signer.signing_cert.sha256, type(timestamper).__name__, settings.SIGNING_TSA_URL)


def pdf_sign(
    pdf: bytes,
    *,
    agency_code: str,
    agency_name: str,
    signer_name: str = "",
    signer_title: str = "",
    reason: str = "",
    location: str = "",
    signed_at=None,
    visible: bool = True,
) -> bytes:
    """Sign `pdf` (PAdES B-T) over the visible block the template drew (signature_block) where
    pdf/base.html put its placeholder; `signed_at` is the time that block printed.
    `visible=False`: an invisible signature (a PDF the portal did not lay out, e.g. the result
    document an official uploaded: nothing is drawn over its content)."""
    import io

    from pyhanko.sign import fields
    from pyhanko.sign import signers as ph_signers
    from pyhanko.sign.fields import SigSeedSubFilter

    _KeepMetadataWriter = _writer_class()
    request = SignatureRequest(agency_code, agency_name, signer_name, signer_title, reason, location)
    try:
        signer = signer_get().pyhanko_signer(request)
        timestamper = timestamper_get()
        writer = _KeepMetadataWriter(io.BytesIO(pdf), strict=False)
        if visible:
            page, box = _placeholder(writer)
            spec = fields.SigFieldSpec(sig_field_name=FIELD_NAME, on_page=page, box=tuple(round(v, 2) for v in box))
        else:
            spec = fields.SigFieldSpec(sig_field_name=_free_field_name(writer))
        fields.append_signature_field(writer, spec)
        meta = ph_signers.PdfSignatureMetadata(
            field_name=spec.sig_field_name,
            md_algorithm="sha256",
            subfilter=SigSeedSubFilter.PADES,
            reason=reason or None,
            location=location or None,
            name=signer_name or None,
        )
        pdf_signer = _pdf_signer_class()(
            meta, signer=signer, timestamper=timestamper, stamp_style=_DrawnAppearance(), new_field_spec=None
        )
        pdf_signer.signed_at = signed_at or timezone.now()
        reserved = _bytes_reserved(signer, timestamper)
        out = io.BytesIO()
        try:
            _outside_event_loop(lambda: pdf_signer.sign_pdf(writer, output=out, bytes_reserved=reserved))
        except Exception:
            if reserved is not None:  # perhaps a bigger token than the kept size: estimate again next time
                _reserved_sizes.pop(_reserved_key(signer, timestamper), None)
            raise
        signed = out.getvalue()
        if reserved is None and getattr(signer, "signing_cert", None) is not None:
            _reserved_sizes[_reserved_key(signer, timestamper)] = _reserved_size_used(signed)
        return signed
    except SigningUnavailable:
        raise
    except Exception as exc:  # a token, a network, a TSA: all mean "not signed now"
        logger.warning("Signing failed (%s): %s", settings.SIGNING_SIGNER, exc)
        raise SigningUnavailable(f"{type(exc).__name__}: {exc}"[:500]) from exc


def _free_field_name(writer) -> str:
    """FIELD_NAME, or FIELD_NAME-2, -3... when an uploaded PDF already has fields of that name."""
    from pyhanko.sign.fields import enumerate_sig_fields

    try:
        taken = {name for name, _value, _ref in enumerate_sig_fields(writer)}
    except Exception:  # no usable AcroForm: any name is free
        taken = set()
    name, n = FIELD_NAME, 1
    while name in taken:
        n += 1
        name = f"{FIELD_NAME}-{n}"
    return name


def _reserved_size_used(signed: bytes) -> int:
    """The /Contents room pyHanko reserved in `signed` (bytes), found from its /ByteRange."""
    import re

    found = None
    for m in re.finditer(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", signed):
        found = m
    if found is None:
        return 0
    start_gap, end_gap = int(found.group(2)), int(found.group(3))
    return end_gap - start_gap - 2  # the hex digits between < and > (pyHanko counts those)


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
