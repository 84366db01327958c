"""The API's errors and their documentation: 401 with `WWW-Authenticate` (never a 403 for
missing credentials), and every operation's error responses in the OpenAPI schema. Separate from
portal.api because DRF imports that module while it builds APIView."""

from drf_spectacular.openapi import AutoSchema as _SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.views import exception_handler as _drf_exception_handler

# What a client is told when its credentials are missing or wrong (RFC 9110 §11.6.1).
WWW_AUTHENTICATE = 'Token realm="api", Bearer realm="api"'


def api_exception_handler(exc, context):
    """DRF's handler, plus: a request without (valid) credentials is always 401 with
    `WWW-Authenticate` naming both schemes (a citizen's `Token`, a system's `Bearer`), never 403."""
    response = _drf_exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        response.status_code = status.HTTP_401_UNAUTHORIZED
        response["WWW-Authenticate"] = WWW_AUTHENTICATE
    return response


ErrorSerializer = inline_serializer("Error", {"detail": serializers.CharField()})
ValidationErrorSerializer = inline_serializer(
    "ValidationError",
    {
        "detail": serializers.CharField(required=False),
        "errors": serializers.DictField(required=False, help_text="Messages by field"),
    },
)


def _error(description: str, serializer=ErrorSerializer) -> OpenApiResponse:
    return OpenApiResponse(serializer, description=description)


class AutoSchema(_SpectacularAutoSchema):
    """Every operation documents the errors it can answer (messages Vietnamese by default,
    English with `Accept-Language: en`)."""

    def _get_response_headers_for_code(self, status_code, direction="response"):
        headers = super()._get_response_headers_for_code(status_code, direction)
        if str(status_code) == "401":
            headers["WWW-Authenticate"] = {
                "schema": {"type": "string"},
                "required": True,
                "description": "The schemes accepted: `Token` (citizens) and `Bearer` (service accounts)",
            }
        if str(status_code) in ("200", "201") and self.method == "POST":
            headers["Idempotent-Replayed"] = {
                "schema": {"type": "string", "enum": ["true"]},
                "description": "Present when the answer is the replay of an earlier request with this Idempotency-Key",
            }
        return headers

    def _get_response_bodies(self, direction="response"):
        bodies = super()._get_response_bodies(direction)
        if direction != "response":
            return bodies
        extra = {
            "400": _error("Invalid input: messages by field (`errors` or the field names).", ValidationErrorSerializer)
        }
        public = all(isinstance(p, AllowAny) for p in self.view.get_permissions())
        if not public:
            extra["401"] = _error("No or invalid credentials (see `WWW-Authenticate`).")
            extra["403"] = _error("Not allowed for this account.")
        extra["404"] = _error("Not found (or not yours).")
        if self.method == "POST":
            extra["409"] = _error("Not possible in the dossier's current state.")
            extra["413"] = _error("The request is too large.")
            extra["422"] = _error("The Idempotency-Key was used with a different request.")
        if getattr(self.view, "throttle_classes", None):
            extra["429"] = _error("Too many requests.")
        for code, response in extra.items():
            if code not in bodies:
                bodies[code] = self._get_response_for_code(response, code, direction=direction)
        return bodies
