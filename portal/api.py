"""What every API of the portal shares: request parsers that refuse a body larger than
`API_MAX_BODY_BYTES` with 413 before it is decoded."""

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers, status
from rest_framework.exceptions import APIException


class RequestBodyTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "request_too_large"


def _body_check(parser_context, *, upload: bool = False) -> None:
    request = (parser_context or {}).get("request")
    meta = getattr(request, "META", {})
    try:
        length = int(meta.get("CONTENT_LENGTH") or 0)
    except (TypeError, ValueError):
        length = 0
    # DRF only parses a body whose Content-Length it knows, so the header is the body's size.
    limit = settings.API_MAX_BODY_BYTES
    if upload:  # a multipart body carries a file: the upload limits of the pages apply, plus the form
        limit = max(limit, *(int(getattr(settings, name, 0)) for name in UPLOAD_LIMIT_SETTINGS)) + 64 * 1024
    if length > limit:
        raise RequestBodyTooLarge(
            _("The request is too large: at most %(size)s KB can be sent.") % {"size": limit // 1024}
        )


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        _body_check(parser_context)
        return super().parse(stream, media_type, parser_context)


class FormParser(parsers.FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        _body_check(parser_context)
        return super().parse(stream, media_type, parser_context)


# The largest file a page accepts (the upload checker enforces each kind's own limit).
UPLOAD_LIMIT_SETTINGS = ("IDENTITY_DOCUMENT_MAX_BYTES", "DOSSIER_UPLOAD_MAX_FILE_SIZE")


class MultiPartParser(parsers.MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        _body_check(parser_context, upload=True)
        return super().parse(stream, media_type, parser_context)
