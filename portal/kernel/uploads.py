"""The one upload checker: a file's type is decided by its content (magic bytes), never by its
name or the browser's claim; the whole file must be what it claims (no web page or archive
hidden inside or after it), and an image's declared size is checked before anything decodes it."""

from __future__ import annotations

import io
import warnings

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

SIGNATURES = [
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
]
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
# Markers of active content a browser or viewer could run: refused anywhere in the file, also
# inside a PDF stream or a JPEG comment, since the file may be opened by someone else's browser.
HOSTILE_MARKERS = (b"<script", b"<html", b"<!doctype html", b"<svg", b"<iframe")


class UploadRefused(Exception):
    """str(error) is the user-facing reason."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ImageTooLarge(UploadRefused):
    """The image declares more pixels than UPLOAD_IMAGE_MAX_PIXELS (a decompression bomb or a
    needlessly huge photo): refused before any pixel is decoded."""


def image_max_pixels() -> int:
    return int(getattr(settings, "UPLOAD_IMAGE_MAX_PIXELS", 50_000_000))


def image_limits_apply() -> None:
    """Pillow's own guard follows the setting: it warns above it and refuses twice as much, so
    any code path that decodes an image is bounded, not only the ones that call image_open."""
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = image_max_pixels()


def _too_large() -> ImageTooLarge:
    limit = image_max_pixels()
    return ImageTooLarge(
        _(
            "The picture is too large (more than %(mp)s megapixels). Please take the photo again at a "
            "lower resolution or scan the document as a PDF."
        )
        % {"mp": round(limit / 1_000_000)}
    )


def image_open(data: bytes):
    """Open an image for decoding after its declared width × height passed the limit. Pillow
    reads only the header here; pixels are decoded later by .load(). Raises UploadRefused."""
    from PIL import Image, UnidentifiedImageError

    image_limits_apply()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_large() from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise UploadRefused(_("The file is not a picture we can read. Please upload a JPEG or PNG photo.")) from exc
    width, height = image.size
    if width * height > image_max_pixels():
        image.close()
        raise _too_large()
    return image


def sniff_content_type(upload) -> str | None:
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for magic, content_type in SIGNATURES:
        if head.startswith(magic):
            return content_type
    return None


def upload_check(*, upload, max_size: int) -> str:
    """The content type of an acceptable upload; raises UploadRefused saying why otherwise."""
    name = getattr(upload, "name", "") or _("the file")
    if upload.size == 0:
        raise UploadRefused(_("%(name)s is empty.") % {"name": name})
    if upload.size > max_size:
        raise UploadRefused(
            _("%(name)s is %(size)s; a file may be at most %(max)s.")
            % {"name": name, "size": filesizeformat(upload.size), "max": filesizeformat(max_size)}
        )
    content_type = sniff_content_type(upload)
    if content_type is None or not _structure_ok(upload, content_type):
        raise UploadRefused(
            _("%(name)s is not a PDF, JPEG or PNG file. Please scan or save the document in one of these formats.")
            % {"name": name}
        )
    return content_type


def _structure_ok(upload, content_type: str) -> bool:
    """More than the first bytes: the whole file must be what it claims, with nothing hidden
    after its end (polyglots: a JPEG header before an HTML page, a ZIP after a PDF). An image
    is checked chunk by chunk without decoding its pixels; UploadRefused for a huge one."""
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    lowered = data.lower()
    if any(marker in lowered for marker in HOSTILE_MARKERS):
        return False
    if content_type == "application/pdf":
        end = data.rfind(b"%%EOF")
        return end != -1 and not data[end + 5 :].strip(b" \t\r\n\x00")
    try:
        image = image_open(data)
    except ImageTooLarge:
        raise
    except UploadRefused:
        return False
    try:
        with image:
            if image.format not in ("JPEG", "PNG"):
                return False
            image.verify()
    except (OSError, SyntaxError, ValueError):
        return False
    if content_type == "image/jpeg":
        return data.rstrip(b"\x00").endswith(b"\xff\xd9")
    return b"IEND" in data[-16:]
