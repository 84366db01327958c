"""e-ID sign-in (VNeID / national SSO) as plugins behind a small interface.

The OpenID Connect provider runs the authorization-code flow with PKCE, state and nonce,
checks the RFC 9207 `iss` of the answer, authenticates to the token endpoint the way discovery
allows (client_secret_basic, else client_secret_post), verifies the ID token (RS256 signature
from the issuer's JWKS, issuer, audience and `azp`, expiry, nonce), reads plain or signed
UserInfo, and ends the issuer's session on sign-out (RP-initiated logout). Everything about
the issuer comes from settings (EID_*), read at call time.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import logging
import re
import secrets
from urllib.parse import quote_plus, urlencode

import jwt
import requests
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.kernel.plugins import PluginNotFound, PluginRegistry

from .services import EidIdentity, EidLoginError

SESSION_KEY = "identity.eid.flow"
# Kept in the session of an e-ID sign-in, for RP-initiated logout.
LOGOUT_SESSION_KEY = "identity.eid.logout"
# Set on the browser at every portal sign-out: the next e-ID sign-in asks the issuer for a fresh
# login (prompt=login), so that a shared device never hands the previous citizen's e-ID session on.
PROMPT_LOGIN_COOKIE = "eid_prompt_login"

logger = logging.getLogger(__name__)


class EidProvider:
    """Interface of an e-ID provider."""

    id: str = ""

    def authorization_url(self, request, *, next_url: str = "", prompt: str = "") -> str:
        raise EidLoginError(_("This e-ID provider cannot start a sign-in."))

    def complete(self, request) -> EidIdentity:
        raise EidLoginError(_("This e-ID provider cannot complete a sign-in."))

    def logout_url(self, *, id_token: str) -> str | None:
        """Where to send the browser to end the provider's session, or None."""
        return None


eid_providers: PluginRegistry[type[EidProvider]] = PluginRegistry("e-ID provider", setting="EID_PROVIDER")
eid_provider_register = eid_providers.register


def eid_provider(provider_id: str | None = None) -> EidProvider:
    provider_id = provider_id or getattr(settings, "EID_PROVIDER", "oidc")
    try:
        return eid_providers.get(provider_id)()
    except PluginNotFound as exc:
        raise EidLoginError(_("e-ID sign-in is not configured.")) from exc


def _conf(name: str, default=""):
    return getattr(settings, name, default)


def eid_issuer() -> str:
    return (_conf("EID_ISSUER") or f"{settings.SITE_URL}/sandbox/eid").rstrip("/")


def eid_redirect_uri() -> str:
    return f"{settings.SITE_URL}{reverse('identity:eid-callback')}"


def eid_post_logout_redirect_uri() -> str:
    return _conf("EID_POST_LOGOUT_REDIRECT_URI") or f"{settings.SITE_URL}/"


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
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    # OIDC Core 3.1.3.7: with several audiences the token must name us as its authorized party.
    if (len(audiences) > 1 or "azp" in claims) and claims.get("azp") != _conf("EID_CLIENT_ID"):
        raise EidLoginError(_("The identity token was issued for another application."))
    return claims


def _signing_key_for(config: dict, token: str, *, allowed: tuple[str, ...]):
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise EidLoginError(_("The e-ID service returned an unreadable answer.")) from exc
    alg = header.get("alg")
    if alg not in allowed:
        raise EidLoginError(_("The identity token is not signed the way we expect."))
    for refresh in (False, True):
        for jwk in oidc_jwks(config, refresh=refresh).get("keys", []):
            if jwk.get("use", "sig") != "sig":
                continue
            if jwk.get("kid") == header.get("kid") or not header.get("kid"):
                try:
                    return alg, jwt.PyJWK(jwk, algorithm=alg).key
                except jwt.PyJWTError:
                    continue
    raise EidLoginError(_("The identity token is signed with an unknown key."))


USERINFO_ALGORITHMS = ("RS256", "PS256", "ES256")


def oidc_userinfo(config: dict, *, access_token: str, subject: str) -> dict:
    """The UserInfo claims, answered as JSON or as a JWT signed with the issuer's key."""
    try:
        response = requests.get(
            config["userinfo_endpoint"],
            headers={"Authorization": f"Bearer {access_token}", "Accept": "application/json, application/jwt"},
            timeout=float(_conf("EID_HTTP_TIMEOUT", 5)),
        )
        response.raise_for_status()
    except requests.RequestException as exc:
        raise EidLoginError(_("The e-ID service cannot be reached right now. Please try again later.")) from exc
    content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if content_type == "application/jwt":
        token = response.text.strip()
        if token.count(".") != 2:  # five parts: encrypted (JWE), which we do not register for
            raise EidLoginError(_("The e-ID service returned encrypted user information, which we cannot read."))
        alg, key = _signing_key_for(config, token, allowed=USERINFO_ALGORITHMS)
        try:
            info = jwt.decode(token, key, algorithms=[alg], options={"verify_aud": False, "verify_iss": False})
        except jwt.PyJWTError as exc:
            raise EidLoginError(_("The e-ID service's signature on the user information is invalid.")) from exc
        audiences = info.get("aud", [])
        audiences = audiences if isinstance(audiences, list) else [audiences]
        if ("iss" in info and info["iss"] != config["issuer"]) or (
            "aud" in info and _conf("EID_CLIENT_ID") not in audiences
        ):
            raise EidLoginError(_("The user information was issued for another application."))
    else:
        try:
            info = response.json()
        except ValueError as exc:
            raise EidLoginError(_("The e-ID service returned an unreadable answer.")) from exc
    if not isinstance(info, dict) or str(info.get("sub", "")) != subject:
        raise EidLoginError(_("The user information does not belong to the signed-in person."))
    return info


def oidc_token_auth(config: dict) -> str:
    """client_secret_basic or client_secret_post, from EID_TOKEN_AUTH_METHOD or discovery
    (basic when both are offered; basic is the default of the specification)."""
    forced = _conf("EID_TOKEN_AUTH_METHOD", "")
    if forced:
        return forced
    methods = config.get("token_endpoint_auth_methods_supported") or ["client_secret_basic"]
    for method in ("client_secret_basic", "client_secret_post"):
        if method in methods:
            return method
    raise EidLoginError(_("The e-ID service is misconfigured (no supported client authentication)."))


def _provider_error(source: str, params) -> str:
    """Log the provider's error answer; return its code, safe to show."""
    code = str(params.get("error", "") or "")
    logger.warning(
        "e-ID %s error from the provider: error=%r error_description=%r",
        source,
        code[:100],
        str(params.get("error_description", "") or "")[:300],
    )
    return re.sub(r"[^a-z0-9_]", "", code.lower())[:40] or "unknown"


def _provider_error_message(code: str) -> str:
    if code in ("access_denied", "consent_required", "login_required", "interaction_required"):
        return _("The e-ID sign-in was cancelled or refused.")
    if code in ("temporarily_unavailable", "server_error"):
        return _("The e-ID service is busy right now. Please try again in a few minutes.")
    return _("The e-ID service refused the sign-in (error code: %(code)s). Please start again.") % {"code": code}


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

    def authorization_url(self, request, *, next_url: str = "", prompt: str = "") -> str:
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
        if prompt:
            params["prompt"] = prompt
        return f"{config['authorization_endpoint']}?{urlencode(params)}"

    def complete(self, request) -> EidIdentity:
        flow = request.session.pop(SESSION_KEY, None)
        if not flow:
            raise EidLoginError(_("The e-ID sign-in has expired or was already used. Please start again."))
        if not secrets.compare_digest(request.GET.get("state", ""), flow["state"]):
            raise EidLoginError(_("The e-ID answer does not match this sign-in (state mismatch). Please start again."))
        config = oidc_discovery()
        # RFC 9207: the answer names its issuer; a mix-up attack answers with another one.
        iss = request.GET.get("iss")
        if iss is None and config.get("authorization_response_iss_parameter_supported"):
            raise EidLoginError(_("The e-ID answer does not say which service issued it. Please start again."))
        if iss is not None and iss != config["issuer"]:
            raise EidLoginError(_("The e-ID answer comes from an unexpected service. Please start again."))
        if request.GET.get("error"):
            raise EidLoginError(_provider_error_message(_provider_error("authorization", request.GET)))
        code = request.GET.get("code", "")
        if not code:
            raise EidLoginError(_("The e-ID service did not return an authorization code."))
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": eid_redirect_uri(),
            "code_verifier": flow["verifier"],
        }
        auth = None
        if oidc_token_auth(config) == "client_secret_basic":
            # RFC 6749 2.3.1: both parts form-urlencoded before Base64.
            auth = (quote_plus(_conf("EID_CLIENT_ID")), quote_plus(_conf("EID_CLIENT_SECRET")))
        else:
            data.update(client_id=_conf("EID_CLIENT_ID"), client_secret=_conf("EID_CLIENT_SECRET"))
        try:
            response = requests.post(
                config["token_endpoint"], data=data, auth=auth, timeout=float(_conf("EID_HTTP_TIMEOUT", 5))
            )
        except requests.RequestException as exc:
            raise EidLoginError(_("The e-ID service cannot be reached right now. Please try again later.")) from exc
        try:
            tokens = response.json()
        except ValueError as exc:
            if response.status_code != 200:
                logger.warning("e-ID token endpoint answered HTTP %s", response.status_code)
                raise EidLoginError(_("The e-ID service refused to complete the sign-in. Please start again.")) from exc
            raise EidLoginError(_("The e-ID service returned an unreadable answer.")) from exc
        if response.status_code != 200 or not isinstance(tokens, dict):
            _provider_error("token", tokens if isinstance(tokens, dict) else {})
            raise EidLoginError(_("The e-ID service refused to complete the sign-in. Please start again."))
        id_token = tokens.get("id_token", "")
        claims = oidc_verify_id_token(id_token, nonce=flow["nonce"], config=config)
        claim_pid = _conf("EID_CLAIM_PERSONAL_ID", "citizen_pid")
        if claim_pid not in claims and tokens.get("access_token") and config.get("userinfo_endpoint"):
            info = oidc_userinfo(config, access_token=tokens["access_token"], subject=str(claims["sub"]))
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
            issuer=config["issuer"],
            id_token=id_token,
        )

    def logout_url(self, *, id_token: str) -> str | None:
        try:
            config = oidc_discovery()
        except EidLoginError:
            return None
        endpoint = config.get("end_session_endpoint")
        if not endpoint:
            return None
        params = {"client_id": _conf("EID_CLIENT_ID"), "post_logout_redirect_uri": eid_post_logout_redirect_uri()}
        if id_token:
            params["id_token_hint"] = id_token
        return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}"


def eid_on_sign_out(sender, request=None, user=None, **kwargs) -> None:
    """`user_logged_out` receiver (the session is still there): remember, for EidSignOutMiddleware,
    that this browser signed out and where to end the issuer's session."""
    if request is None:
        return
    request.eid_signed_out = True
    data = request.session.get(LOGOUT_SESSION_KEY) if hasattr(request, "session") else None
    if data:
        try:
            request.eid_end_session_url = eid_provider(data.get("provider")).logout_url(
                id_token=data.get("id_token", "")
            )
        except EidLoginError:
            request.eid_end_session_url = None
