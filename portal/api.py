"""What every API of the portal shares: request parsers that refuse a body larger than
`API_MAX_BODY_BYTES` with 413 before it is decoded, and output serializers whose fields are
bound once per class (`BoundOnceSerializer`)."""

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers, serializers, status
from rest_framework.exceptions import APIException
from rest_framework.fields import SkipField
from rest_framework.relations import PKOnlyObject


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


class BoundOnceSerializer(serializers.Serializer):
    """An output serializer whose declared fields are copied and bound once per class.

    DRF deep-copies every declared field for each serializer instance it makes — each dossier of
    a list, each event of a timeline — before reading a single attribute; for the answer to a
    filing that was a tenth of the request's CPU (issue 13). Reading a value needs nothing of the
    instance a field is bound to (its source path, null and default rules, its formatting), so the
    fields bound to one template instance serve every later one; the representation is DRF's own
    loop, field by field. `SerializerMethodField`s call the method of the instance at hand (they
    read its context). Only for serializers that write nothing (`to_internal_value` still binds
    its own fields, as DRF does)."""

    def to_representation(self, instance):
        ret = {}
        for name, field, method in _bound_fields(type(self)):
            if method:
                ret[name] = getattr(self, method)(instance)
                continue
            try:
                attribute = field.get_attribute(instance)
            except SkipField:
                continue
            check = attribute.pk if isinstance(attribute, PKOnlyObject) else attribute
            ret[name] = None if check is None else field.to_representation(attribute)
        return ret


_BOUND: dict[type, list[tuple[str, serializers.Field, str]]] = {}


def _bound_fields(cls: type) -> list[tuple[str, serializers.Field, str]]:
    """(name, field bound to a template instance, method name of a SerializerMethodField or "")
    of the readable fields of `cls`, in order; made once per class (a race makes it twice, alike)."""
    found = _BOUND.get(cls)
    if found is None:
        template = cls()
        found = [
            (field.field_name, field, field.method_name if isinstance(field, serializers.SerializerMethodField) else "")
            for field in template._readable_fields
        ]
        _BOUND[cls] = found
    return found
