"""Checks on uploaded files: the type is decided by the content (magic bytes), never by the
name or the browser's claim; sizes and counts are limited by settings."""

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

SIGNATURES = [
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
]


class UploadRefused(Exception):
    pass


def sniff_content_type(upload) -> str | None:
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for magic, content_type in SIGNATURES:
        if head.startswith(magic):
            return content_type
    return None


def upload_check(*, upload, used_bytes: int, used_files: int) -> str:
    """The content type of an acceptable upload; raises UploadRefused saying why otherwise."""
    name = getattr(upload, "name", "") or _("the file")
    if used_files >= settings.DOSSIER_UPLOAD_MAX_FILES:
        raise UploadRefused(
            _("A dossier can hold at most %(count)d files: remove one before adding %(name)s.")
            % {"count": settings.DOSSIER_UPLOAD_MAX_FILES, "name": name}
        )
    if upload.size == 0:
        raise UploadRefused(_("%(name)s is empty.") % {"name": name})
    if upload.size > settings.DOSSIER_UPLOAD_MAX_FILE_SIZE:
        raise UploadRefused(
            _("%(name)s is %(size)s; a file may be at most %(max)s.")
            % {
                "name": name,
                "size": filesizeformat(upload.size),
                "max": filesizeformat(settings.DOSSIER_UPLOAD_MAX_FILE_SIZE),
            }
        )
    if used_bytes + upload.size > settings.DOSSIER_UPLOAD_MAX_TOTAL_SIZE:
        raise UploadRefused(
            _("Adding %(name)s would make the dossier larger than %(max)s in total.")
            % {"name": name, "max": filesizeformat(settings.DOSSIER_UPLOAD_MAX_TOTAL_SIZE)}
        )
    content_type = sniff_content_type(upload)
    if content_type is None or not _structure_ok(upload, content_type):
        raise UploadRefused(
            _("%(name)s is not a PDF, JPEG or PNG file. Please scan or save the document in one of these formats.")
            % {"name": name}
        )
    return content_type


HOSTILE_MARKERS = (b"<script", b"<html", b"<!doctype html", b"<svg", b"<iframe")


def _structure_ok(upload, content_type: str) -> bool:
    """More than the first bytes: the whole file must be what it claims, with nothing hidden
    after its end (polyglots: a JPEG header before an HTML page, a ZIP after a PDF)."""
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    lowered = data.lower()
    if any(marker in lowered for marker in HOSTILE_MARKERS):
        return False
    if content_type == "application/pdf":
        end = data.rfind(b"%%EOF")
        return end != -1 and not data[end + 5 :].strip(b" \t\r\n\x00")
    import io

    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ("JPEG", "PNG"):
                return False
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return False
    if content_type == "image/jpeg":
        return data.rstrip(b"\x00").endswith(b"\xff\xd9")
    return b"IEND" in data[-16:]
