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
    if content_type is None:
        raise UploadRefused(
            _("%(name)s is not a PDF, JPEG or PNG file. Please scan or save the document in one of these formats.")
            % {"name": name}
        )
    return content_type
