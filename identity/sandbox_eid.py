"""The built-in sandbox e-ID issuer: a small but real OpenID Connect provider (discovery, JWKS,
authorize with a resident picker and the RFC 9207 `iss` in its answer, token with PKCE and
client_secret_basic / client_secret_post, userinfo as JSON or signed JWT, end_session),
backed by the sandbox residents. Mounted under /sandbox/eid/ only when SANDBOX_ENABLED."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from urllib.parse import unquote_plus, urlencode

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import IntegrityError
from django.db.models import Q
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .eid import pkce_challenge
from .models import SandboxResident, SandboxSigningKey

KEY_ID = "sandbox-eid-1"
CODE_TTL = 120
TOKEN_TTL = 300


def sandbox_signing_key() -> tuple[str, rsa.RSAPrivateKey]:
    row = SandboxSigningKey.objects.filter(kid=KEY_ID).first()
    if row is None:
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        try:
            row = SandboxSigningKey.objects.create(kid=KEY_ID, private_pem=pem)
        except IntegrityError:
            row = SandboxSigningKey.objects.get(kid=KEY_ID)
    return row.kid, serialization.load_pem_private_key(row.private_pem.encode(), password=None)


def _int_b64(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def issuer_url(request) -> str:
    return request.build_absolute_uri(reverse("sandbox-eid:root")).rstrip("/")


def subject_for(resident: SandboxResident) -> str:
    return hashlib.sha256(f"sandbox-eid:{resident.personal_id}".encode()).hexdigest()[:32]


def resident_claims(resident: SandboxResident) -> dict:
    return {
        "sub": subject_for(resident),
        settings.EID_CLAIM_PERSONAL_ID: resident.personal_id,
        settings.EID_CLAIM_NAME: resident.full_name,
        settings.EID_CLAIM_BIRTH_DATE: resident.date_of_birth.strftime("%Y%m%d"),
        settings.EID_CLAIM_LEVEL: str(resident.eid_level),
        "gender": "Nam" if resident.sex == "M" else "Nữ",
    }


def sandbox_id_token(
    *,
    resident: SandboxResident,
    audience: str,
    nonce: str,
    issuer: str,
    lifetime: int = TOKEN_TTL,
    scope: str = "openid profile",
):
    kid, key = sandbox_signing_key()
    now = int(time.time())
    # Like many issuers, identity claims go into the ID token only for the "profile" scope;
    # otherwise the client fetches them from userinfo.
    personal = resident_claims(resident) if "profile" in scope.split() else {"sub": subject_for(resident)}
    claims = {
        **personal,
        "iss": issuer,
        "aud": audience,
        "iat": now,
        "exp": now + lifetime,
        "auth_time": now,
        "nonce": nonce,
        "acr": f"LoA{resident.eid_level}",
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


@require_GET
def discovery(request):
    issuer = issuer_url(request)
    return JsonResponse(
        {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/authorize/",
            "token_endpoint": f"{issuer}/token/",
            "userinfo_endpoint": f"{issuer}/userinfo/",
            "end_session_endpoint": f"{issuer}/logout/",
            "jwks_uri": f"{issuer}/jwks/",
            "authorization_response_iss_parameter_supported": True,
            "userinfo_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", *resident_claims_names()],
        }
    )


def resident_claims_names() -> list[str]:
    return [
        settings.EID_CLAIM_PERSONAL_ID,
        settings.EID_CLAIM_NAME,
        settings.EID_CLAIM_BIRTH_DATE,
        settings.EID_CLAIM_LEVEL,
    ]


@require_GET
def jwks(request):
    kid, key = sandbox_signing_key()
    numbers = key.public_key().public_numbers()
    return JsonResponse(
        {
            "keys": [
                {
                    "kty": "RSA",
                    "use": "sig",
                    "alg": "RS256",
                    "kid": kid,
                    "n": _int_b64(numbers.n),
                    "e": _int_b64(numbers.e),
                }
            ]
        }
    )


def _authorize_params_error(params) -> str | None:
    if params.get("response_type") != "code":
        return "unsupported response_type"
    if params.get("client_id") != settings.EID_CLIENT_ID:
        return "unknown client_id"
    if not params.get("redirect_uri", "").startswith(settings.SITE_URL + "/"):
        return "redirect_uri is not registered for this client"
    if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
        return "PKCE with S256 is required"
    if "openid" not in params.get("scope", "").split():
        return "scope must include openid"
    return None


@never_cache
@require_http_methods(["GET", "POST"])
def authorize(request):
    params = request.POST if request.method == "POST" else request.GET
    keys = (
        "response_type",
        "client_id",
        "redirect_uri",
        "scope",
        "state",
        "nonce",
        "code_challenge",
        "code_challenge_method",
    )
    flow = {k: params.get(k, "") for k in keys}
    problem = _authorize_params_error(flow)
    if problem:
        return HttpResponseBadRequest(f"invalid_request: {problem}")
    if request.method == "POST":
        if "cancel" in request.POST:
            answer = {"error": "access_denied", "state": flow["state"], "iss": issuer_url(request)}
            return redirect(f"{flow['redirect_uri']}?{urlencode(answer)}")
        resident = SandboxResident.objects.filter(pk=request.POST.get("resident") or 0).first()
        if resident is not None:
            code = secrets.token_urlsafe(32)
            cache.set(f"sandbox-eid:code:{code}", {**flow, "resident": resident.pk}, CODE_TTL)
            answer = {"code": code, "state": flow["state"], "iss": issuer_url(request)}
            return redirect(f"{flow['redirect_uri']}?{urlencode(answer)}")
    query = request.GET.get("q", "").strip()
    residents = SandboxResident.objects.select_related("ward").order_by("full_name")
    if query:
        residents = residents.filter(Q(full_name__icontains=query) | Q(personal_id__startswith=query))
    page = Paginator(residents, 60).get_page(request.GET.get("page"))
    return render(
        request,
        "identity/sandbox/eid_authorize.html",
        {"flow": flow, "page": page, "query": query, "error": request.method == "POST"},
    )


def _client_authenticated(request) -> bool:
    client_id = request.POST.get("client_id", "")
    secret = request.POST.get("client_secret", "")
    header = request.headers.get("Authorization", "")
    if header.startswith("Basic "):
        try:
            client_id, secret = (unquote_plus(part) for part in base64.b64decode(header[6:]).decode().split(":", 1))
        except (ValueError, UnicodeDecodeError):
            return False
    return secrets.compare_digest(client_id, settings.EID_CLIENT_ID) and secrets.compare_digest(
        secret, settings.EID_CLIENT_SECRET
    )


def _token_error(error: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": error}, status=status)


@csrf_exempt
@require_POST
def token(request):
    if not _client_authenticated(request):
        return _token_error("invalid_client", 401)
    if request.POST.get("grant_type") != "authorization_code":
        return _token_error("unsupported_grant_type")
    key = f"sandbox-eid:code:{request.POST.get('code', '')}"
    flow = cache.get(key)
    # Codes are single use: whoever deletes the entry first wins.
    if flow is None or not cache.delete(key):
        return _token_error("invalid_grant")
    if flow["redirect_uri"] != request.POST.get("redirect_uri"):
        return _token_error("invalid_grant")
    verifier = request.POST.get("code_verifier", "")
    if not verifier or not secrets.compare_digest(pkce_challenge(verifier), flow["code_challenge"]):
        return _token_error("invalid_grant")
    resident = SandboxResident.objects.filter(pk=flow["resident"]).first()
    if resident is None:
        return _token_error("invalid_grant")
    access_token = secrets.token_urlsafe(32)
    cache.set(f"sandbox-eid:access:{access_token}", resident.pk, TOKEN_TTL)
    id_token = sandbox_id_token(
        resident=resident,
        audience=flow["client_id"],
        nonce=flow["nonce"],
        issuer=issuer_url(request),
        scope=flow["scope"],
    )
    response = JsonResponse(
        {"access_token": access_token, "token_type": "Bearer", "expires_in": TOKEN_TTL, "id_token": id_token}
    )
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
@require_http_methods(["GET", "POST"])
def userinfo(request):
    header = request.headers.get("Authorization", "")
    resident_pk = cache.get(f"sandbox-eid:access:{header[7:]}") if header.startswith("Bearer ") else None
    resident = SandboxResident.objects.filter(pk=resident_pk).first() if resident_pk else None
    if resident is None:
        response = JsonResponse({"error": "invalid_token"}, status=401)
        response["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        return response
    claims = resident_claims(resident)
    if getattr(settings, "SANDBOX_EID_SIGNED_USERINFO", False):
        # As a client registered with userinfo_signed_response_alg=RS256 gets it.
        kid, key = sandbox_signing_key()
        token = jwt.encode(
            {**claims, "iss": issuer_url(request), "aud": settings.EID_CLIENT_ID},
            key,
            algorithm="RS256",
            headers={"kid": kid},
        )
        return HttpResponse(token, content_type="application/jwt")
    return JsonResponse(claims)


@never_cache
@require_GET
def end_session(request):
    """RP-initiated logout. The sandbox keeps no login session (the resident is picked each
    time), so it only sends the browser back to the portal."""
    target = request.GET.get("post_logout_redirect_uri", "")
    if target and not target.startswith(settings.SITE_URL + "/"):
        return HttpResponseBadRequest("invalid_request: post_logout_redirect_uri is not registered for this client")
    return redirect(target or settings.SITE_URL + "/")
