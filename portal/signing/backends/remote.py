"""A remote signing service over HTTPS (the agency's key stays in the service's HSM; the portal
sends only a digest). The protocol (docs/signing.md), JSON over HTTPS with a bearer token:

    GET  {SIGNING_REMOTE_URL}/certificates?key_id=K
         -> {"certificate": "<base64 DER>", "chain": ["<base64 DER>", ...]}
    POST {SIGNING_REMOTE_URL}/sign
         {"key_id": K, "hash_algorithm": "sha256", "digest": "<base64>"}
         -> {"signature": "<base64 raw signature>", "signature_algorithm": "rsassa_pkcs1v15"}

The digest is the hash of the CMS signed attributes; the service returns the raw RSA PKCS#1 v1.5
signature over it. The sandbox speaks it at /sandbox/signing/ (portal/signing/remote_sandbox.py)."""

import base64
import hashlib

from django.conf import settings

from portal.signing import SigningConfigurationError, SigningUnavailable, signers


class RemoteError(SigningUnavailable):
    pass


def _call(method: str, path: str, **kwargs) -> dict:
    import requests

    url = settings.SIGNING_REMOTE_URL.rstrip("/") + path
    headers = {"Authorization": f"Bearer {settings.SIGNING_REMOTE_TOKEN}", "Accept": "application/json"}
    try:
        response = requests.request(
            method, url, headers=headers, timeout=settings.SIGNING_TIMEOUT_SECONDS, allow_redirects=False, **kwargs
        )
    except requests.RequestException as exc:
        raise RemoteError(f"remote signer unreachable: {exc}") from exc
    if response.status_code != 200:
        raise RemoteError(f"remote signer answered HTTP {response.status_code}")
    try:
        return response.json()
    except ValueError as exc:
        raise RemoteError("remote signer answered something else than JSON") from exc


def _make_signer_class():
    from asn1crypto import x509
    from pyhanko.sign.signers import Signer
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    from portal.signing.cms_fast import FastPackagingMixin

    class RemotePyHankoSigner(FastPackagingMixin, Signer):
        def __init__(self, key_id: str):
            answer = _call("GET", "/certificates", params={"key_id": key_id})
            try:
                cert = x509.Certificate.load(base64.b64decode(answer["certificate"]))
                chain = [x509.Certificate.load(base64.b64decode(c)) for c in answer.get("chain", [])]
            except (KeyError, ValueError, TypeError) as exc:
                raise RemoteError("remote signer sent no usable certificate") from exc
            self.key_id = key_id
            super().__init__(signing_cert=cert, cert_registry=SimpleCertificateStore.from_certs(chain))

        async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run=False) -> bytes:
            if dry_run:  # pyHanko sizes the signature container first
                return bytes(self.signing_cert.public_key.byte_size)
            if digest_algorithm != "sha256":
                raise RemoteError(f"unsupported digest {digest_algorithm}")
            digest = hashlib.sha256(data).digest()
            answer = _call(
                "POST",
                "/sign",
                json={"key_id": self.key_id, "hash_algorithm": "sha256", "digest": base64.b64encode(digest).decode()},
            )
            try:
                return base64.b64decode(answer["signature"])
            except (KeyError, ValueError, TypeError) as exc:
                raise RemoteError("remote signer sent no signature") from exc

    return RemotePyHankoSigner


@signers.register
class RemoteSigner:
    id = "remote"

    def __init__(self):
        if not settings.SIGNING_REMOTE_URL:
            raise SigningConfigurationError("The remote signer needs SIGNING_REMOTE_URL")

    def pyhanko_signer(self, request):
        key_id = settings.SIGNING_REMOTE_KEY_ID or request.agency_code
        return _make_signer_class()(key_id)
