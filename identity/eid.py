"""e-ID sign-in (VNeID / national SSO) as plugins behind a small interface.

The OpenID Connect provider runs the authorization-code flow with PKCE, state and nonce and
verifies the ID token (RS256 signature from the issuer's JWKS, issuer, audience, expiry,
nonce). Everything about the issuer comes from settings (EID_*), read at call time.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import secrets
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import gettext as _

from .services import EidIdentity, EidLoginError

SESSION_KEY = "identity.eid.flow"


class EidProvider:
    """Interface of an e-ID provider."""

    id: str = ""

    def authorization_url(self, request, *, next_url: str = "") -> str:
        raise EidLoginError(_("This e-ID provider cannot start a sign-in."))

    def complete(self, request) -> EidIdentity:
        raise EidLoginError(_("This e-ID provider cannot complete a sign-in."))


_registry: dict[str, type[EidProvider]] = {}


def eid_provider_register(cls: type[EidProvider]) -> type[EidProvider]:
    _registry[cls.id] = cls
    return cls


def eid_provider(provider_id: str | None = None) -> EidProvider:
    provider_id = provider_id or getattr(settings, "EID_PROVIDER", "oidc")
    try:
        return _registry[provider_id]()
    except KeyError as exc:
        raise EidLoginError(_("e-ID sign-in is not configured.")) from exc


def _conf(name: str, default=""):
    return getattr(settings, name, default)


def eid_issuer() -> str:
    return (_conf("EID_ISSUER") or f"{settings.SITE_URL}/sandbox/eid").rstrip("/")


def eid_redirect_uri() -> str:
    return f"{settings.SITE_URL}{reverse('identity:eid-callback')}"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def pkce_challenge(verifier: str) -> str:
    return _b64url(hashlib.sha256(verifier.encode("ascii")).digest())


def _http_get_json(url: str, **kwargs) -> dict:
    timeout = float(_conf("EID_HTTP_TIMEOUT", 5))
    response = requests.get(url, timeout=timeout, **kwargs)
    response.raise_for_status()
    return response.json()


def oidc_discovery(issuer: str | None = None) -> dict:
    issuer = issuer or eid_issuer()
    key = "identity:eid:discovery:" + hashlib.sha256(issuer.encode()).hexdigest()[:32]
    config = cache.get(key)
    if config is None:
        try:
            config = _http_get_json(f"{issuer}/.well-known/openid-configuration")
        except (requests.RequestException, ValueError) as exc:
            raise EidLoginError(_("The e-ID service cannot be reached right now. Please try again later.")) from exc
        if config.get("issuer", "").rstrip("/") != issuer:
            raise EidLoginError(_("The e-ID service is misconfigured (issuer mismatch)."))
        cache.set(key, config, 3600)
    return config


def oidc_jwks(config: dict, *, refresh: bool = False) -> dict:
    key = "identity:eid:jwks:" + hashlib.sha256(config["jwks_uri"].encode()).hexdigest()[:32]
    jwks = None if refresh else cache.get(key)
    if jwks is None:
        try:
            jwks = _http_get_json(config["jwks_uri"])
        except (requests.RequestException, ValueError) as exc:
            raise EidLoginError(_("The e-ID service cannot be reached right now. Please try again later.")) from exc
        cache.set(key, jwks, 600)
    return jwks


def oidc_verify_id_token(token: str, *, nonce: str, config: dict | None = None) -> dict:
    """Verify the ID token completely; return its claims or raise EidLoginError."""
    config = config or oidc_discovery()
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise EidLoginError(_("The e-ID service returned an unreadable identity token.")) from exc
    if header.get("alg") != "RS256":
        raise EidLoginError(_("The identity token is not signed the way we expect."))
    signing_key = None
    for refresh in (False, True):  # a key rotation makes us fetch the key set once more
        for jwk in oidc_jwks(config, refresh=refresh).get("keys", []):
            if jwk.get("kid") == header.get("kid") or (not header.get("kid") and jwk.get("kty") == "RSA"):
                signing_key = jwt.PyJWK(jwk, algorithm="RS256").key
                break
        if signing_key is not None:
            break
    if signing_key is None:
        raise EidLoginError(_("The identity token is signed with an unknown key."))
    try:
        claims = jwt.decode(
            token,
            signing_key,
            algorithms=["RS256"],
            audience=_conf("EID_CLIENT_ID"),
            issuer=config["issuer"],
            leeway=int(_conf("EID_CLOCK_SKEW", 30)),
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise EidLoginError(_("The identity token has expired. Please sign in again.")) from exc
    except jwt.InvalidAudienceError as exc:
        raise EidLoginError(_("The identity token was issued for another application.")) from exc
    except jwt.InvalidIssuerError as exc:
        raise EidLoginError(_("The identity token comes from an unexpected issuer.")) from exc
    except jwt.InvalidSignatureError as exc:
        raise EidLoginError(_("The identity token's signature is invalid.")) from exc
    except jwt.PyJWTError as exc:
        raise EidLoginError(_("The identity token is invalid.")) from exc
    if not nonce or not secrets.compare_digest(str(claims.get("nonce", "")), nonce):
        raise EidLoginError(_("The identity token does not belong to this sign-in (nonce mismatch)."))
    return claims


def _parse_birth_date(value) -> dt.date | None:
    text = re.sub(r"\D", "", str(value or ""))
    if len(text) != 8:
        return None
    for fmt in ("%Y%m%d", "%d%m%Y"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _parse_level(value) -> int:
    digits = re.findall(r"\d", str(value or ""))
    return int(digits[-1]) if digits else 1


@eid_provider_register
class OidcProvider(EidProvider):
    id = "oidc"

    def authorization_url(self, request, *, next_url: str = "") -> str:
        config = oidc_discovery()
        state = secrets.token_urlsafe(24)
        nonce = secrets.token_urlsafe(24)
        verifier = secrets.token_urlsafe(48)
        request.session[SESSION_KEY] = {"state": state, "nonce": nonce, "verifier": verifier, "next": next_url}
        params = {
            "response_type": "code",
            "client_id": _conf("EID_CLIENT_ID"),
            "redirect_uri": eid_redirect_uri(),
            "scope": _conf("EID_SCOPES", "openid profile"),
            "state": state,
            "nonce": nonce,
            "code_challenge": pkce_challenge(verifier),
            "code_challenge_method": "S256",
        }
        if _conf("EID_ACR_VALUES"):
            params["acr_values"] = _conf("EID_ACR_VALUES")
        return f"{config['authorization_endpoint']}?{urlencode(params)}"

    def complete(self, request) -> EidIdentity:
        flow = request.session.pop(SESSION_KEY, None)
        if not flow:
            raise EidLoginError(_("The e-ID sign-in has expired or was already used. Please start again."))
        if not secrets.compare_digest(request.GET.get("state", ""), flow["state"]):
            raise EidLoginError(_("The e-ID answer does not match this sign-in (state mismatch). Please start again."))
        if request.GET.get("error"):
            raise EidLoginError(_("The e-ID sign-in was cancelled or refused."))
        code = request.GET.get("code", "")
        if not code:
            raise EidLoginError(_("The e-ID service did not return an authorization code."))
        config = oidc_discovery()
        try:
            response = requests.post(
                config["token_endpoint"],
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": eid_redirect_uri(),
                    "code_verifier": flow["verifier"],
                    "client_id": _conf("EID_CLIENT_ID"),
                    "client_secret": _conf("EID_CLIENT_SECRET"),
                },
                timeout=float(_conf("EID_HTTP_TIMEOUT", 5)),
            )
        except requests.RequestException as exc:
            raise EidLoginError(_("The e-ID service cannot be reached right now. Please try again later.")) from exc
        if response.status_code != 200:
            raise EidLoginError(_("The e-ID service refused to complete the sign-in. Please start again."))
        try:
            tokens = response.json()
        except ValueError as exc:
            raise EidLoginError(_("The e-ID service returned an unreadable answer.")) from exc
        claims = oidc_verify_id_token(tokens.get("id_token", ""), nonce=flow["nonce"], config=config)
        claim_pid = _conf("EID_CLAIM_PERSONAL_ID", "citizen_pid")
        if claim_pid not in claims and tokens.get("access_token") and config.get("userinfo_endpoint"):
            try:
                info = _http_get_json(
                    config["userinfo_endpoint"], headers={"Authorization": f"Bearer {tokens['access_token']}"}
                )
            except (requests.RequestException, ValueError) as exc:
                raise EidLoginError(_("The e-ID service cannot be reached right now. Please try again later.")) from exc
            if info.get("sub") == claims["sub"]:
                claims = {**info, **claims}
        personal_id = str(claims.get(claim_pid, "") or "")
        if personal_id and not re.fullmatch(r"\d{12}", personal_id):
            raise EidLoginError(_("The e-ID service returned an invalid personal identification number."))
        return EidIdentity(
            provider=self.id,
            subject=str(claims["sub"]),
            personal_id=personal_id,
            full_name=str(claims.get(_conf("EID_CLAIM_NAME", "full_name"), "") or ""),
            date_of_birth=_parse_birth_date(claims.get(_conf("EID_CLAIM_BIRTH_DATE", "birth_date"))),
            level=_parse_level(claims.get(_conf("EID_CLAIM_LEVEL", "identity_level"))),
        )
