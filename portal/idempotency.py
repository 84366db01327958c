"""Idempotency keys for the API's POSTs that create something (as payment APIs do).

A client sends `Idempotency-Key: <up to 255 characters>`; the first answer (status and body) is
kept per principal (the authenticated user, a service account's user included) for
`API_IDEMPOTENCY_TTL_HOURS`. The same key with the same request replays that answer (header
`Idempotent-Replayed: true`); the same key with a different request is refused with 422. Server
errors (5xx) are not kept, so a retry after one runs again."""

import datetime as dt
import functools
import hashlib
import json

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response

from .models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def _principal(request) -> str:
    user = request.user
    return f"user:{user.pk}" if getattr(user, "is_authenticated", False) else ""


def _request_digest(request) -> str:
    """A digest of what the request asks: method, path, its fields and its files' contents."""
    h = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    data = request.data
    fields, files = {}, {}
    if hasattr(data, "lists"):  # a QueryDict (form or multipart)
        for key, values in data.lists():
            for value in values:
                if hasattr(value, "read"):
                    digest = hashlib.sha256()
                    for chunk in value.chunks():
                        digest.update(chunk)
                    value.seek(0)
                    files.setdefault(key, []).append(digest.hexdigest())
                else:
                    fields.setdefault(key, []).append(value)
    else:
        fields = data
    h.update(json.dumps([fields, files], sort_keys=True, default=str).encode())
    return h.hexdigest()


def idempotent(view_method):
    """Wrap an APIView's `post`: replay or refuse by the `Idempotency-Key` header."""

    @functools.wraps(view_method)
    def wrapper(view, request, *args, **kwargs):
        key = request.headers.get(HEADER)
        principal = _principal(request)
        if key is None or not principal:
            return view_method(view, request, *args, **kwargs)
        if not key.strip() or len(key) > MAX_KEY_LENGTH:
            return Response(
                {"detail": _("The Idempotency-Key header must be 1 to %(max)d characters.") % {"max": MAX_KEY_LENGTH}},
                status=status.HTTP_400_BAD_REQUEST,
            )
        now = timezone.now()
        IdempotencyRecord.objects.filter(principal=principal, key=key, expires_at__lte=now).delete()
        digest = _request_digest(request)
        record = IdempotencyRecord.objects.filter(principal=principal, key=key).first()
        if record is not None:
            if record.body_digest != digest:
                return Response(
                    {"detail": _("This Idempotency-Key was already used for a different request.")},
                    status=status.HTTP_422_UNPROCESSABLE_ENTITY,
                )
            response = Response(record.response, status=record.status_code)
            response["Idempotent-Replayed"] = "true"
            return response
        response = view_method(view, request, *args, **kwargs)
        if response.status_code < 500:
            try:
                with transaction.atomic():
                    IdempotencyRecord.objects.create(
                        principal=principal,
                        key=key,
                        method_path=f"{request.method} {request.path}"[:300],
                        body_digest=digest,
                        status_code=response.status_code,
                        response=json.loads(json.dumps(response.data, default=str)),
                        expires_at=now + dt.timedelta(hours=settings.API_IDEMPOTENCY_TTL_HOURS),
                    )
            except IntegrityError:  # a concurrent request with the same key answered first
                pass
        return response

    return wrapper
