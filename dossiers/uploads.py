"""A dossier's upload quotas (how many files, how many bytes in all); what a file may contain is
decided by the kernel's one upload checker (portal/kernel/uploads.py)."""

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from portal.kernel.uploads import UploadRefused
from portal.kernel.uploads import upload_check as file_check

__all__ = ["UploadRefused", "upload_check"]


def upload_check(*, upload, used_bytes: int, used_files: int) -> str:
    """The content type of an acceptable upload; raises UploadRefused saying why otherwise."""
    name = getattr(upload, "name", "") or _("the file")
    if used_files >= settings.DOSSIER_UPLOAD_MAX_FILES:
        raise UploadRefused(
            _("A dossier can hold at most %(count)d files: remove one before adding %(name)s.")
            % {"count": settings.DOSSIER_UPLOAD_MAX_FILES, "name": name}
        )
    content_type = file_check(upload=upload, max_size=settings.DOSSIER_UPLOAD_MAX_FILE_SIZE)
    if used_bytes + upload.size > settings.DOSSIER_UPLOAD_MAX_TOTAL_SIZE:
        raise UploadRefused(
            _("Adding %(name)s would make the dossier larger than %(max)s in total.")
            % {"name": name, "max": filesizeformat(settings.DOSSIER_UPLOAD_MAX_TOTAL_SIZE)}
        )
    return content_type
