"""What every API of the portal shares: request parsers that refuse a body larger than
`API_MAX_BODY_BYTES` with 413 before it is decoded, and output serializers whose fields are
bound once per class (`BoundOnceSerializer`)."""

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import parsers, serializers, status
from rest_framework.exceptions import APIException
from rest_framework.fields import SkipField, empty
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
    """A serializer whose declared fields are copied and bound once per class.

    DRF deep-copies every declared field for each serializer instance it makes — each dossier of
    a list, each event of a timeline, the applicant and each document of a filing — before it
    reads or checks a single value; for a filing through the API that was a fifth of the
    request's CPU (issue 13). Neither reading a value nor checking one needs anything of the
    instance a field is bound to (its source path, null, default and length rules, its
    formatting), so the fields bound to one template instance serve every later one, and the
    loops are DRF's own, field by field:
    - out: `to_representation`; a `SerializerMethodField` calls the method of the instance at
      hand (it reads that instance's context);
    - in: `to_internal_value` validates through the template's writable fields.
    For plain fields only: a field or validator that reads the serializer's context or instance
    (a unique check against the database, a `CurrentUserDefault`) needs DRF's own serializer."""

    @property
    def _writable_fields(self):
        return _bound(type(self)).writable

    def _read_only_defaults(self):
        # DRF's reads `self.fields` (a deep copy of every field) to find read-only fields with
        # a default; the template's list is the same for every instance.
        defaults = {}
        for field in _bound(type(self)).read_only_defaults:
            try:
                defaults[field.source] = field.get_default()
            except SkipField:
                continue
        return defaults

    def to_representation(self, instance):
        ret = {}
        for name, field, method in _bound(type(self)).readable:
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


class _Bound:
    """The fields of one serializer class, bound to a template instance of it."""

    def __init__(self, cls: type):
        template = cls()
        fields = list(template.fields.values())
        self.writable = [field for field in fields if not field.read_only]
        self.read_only_defaults = [
            field
            for field in fields
            if field.read_only and field.default is not empty and field.source != "*" and "." not in field.source
        ]
        self.readable = [
            (field.field_name, field, field.method_name if isinstance(field, serializers.SerializerMethodField) else "")
            for field in fields
            if not field.write_only
        ]


_BOUND: dict[type, _Bound] = {}


def _bound(cls: type) -> _Bound:
    """Made once per class (a race makes it twice, alike)."""
    found = _BOUND.get(cls)
    if found is None:
        found = _BOUND[cls] = _Bound(cls)
    return found
