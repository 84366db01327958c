"""The REST API (Django REST framework) and its OpenAPI schema (drf-spectacular)."""

from portal.settings.base import env

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "portal.api_errors.AutoSchema",
    "EXCEPTION_HANDLER": "portal.api_errors.api_exception_handler",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Citizen tokens are for citizens only: staff need the second factor of a session.
        "identity.authentication.CitizenTokenAuthentication",
        # Systems: a service account's scoped bearer token (identity.service_accounts).
        "identity.authentication.ServiceTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "DEFAULT_PARSER_CLASSES": ["portal.api.JSONParser", "portal.api.FormParser", "portal.api.MultiPartParser"],
    "PAGE_SIZE": 20,
    "DEFAULT_THROTTLE_RATES": {"lookup": env.str("LOOKUP_RATE", default="30/min"), "anon": "120/min"},
    # DRF's own client address never trusts X-Forwarded-For; the throttles in portal.throttling
    # take it from portal.client_ip (TRUSTED_PROXIES) instead.
    "NUM_PROXIES": 0,
}
# Largest API request body (bytes), refused with 413 above it: a dossier's JSON is a few KB.
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=1024 * 1024)
# How long the first answer to a POST with an `Idempotency-Key` is kept and replayed (hours).
API_IDEMPOTENCY_TTL_HOURS = env.int("API_IDEMPOTENCY_TTL_HOURS", default=24)
SPECTACULAR_SETTINGS = {
    "TITLE": "Cổng Dịch vụ công — API",
    "DESCRIPTION": "Public catalog of administrative procedures, citizens' dossiers and payments.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # OpenAPI links (what to call next with a response's dossier code): clients and schemathesis's stateful run.
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "dossiers.api_links.add_links"],
}
