"""Digital signing of issued PDFs (portal/signing, docs/signing.md).

SIGNING_SIGNER picks the signer plugin: "sandbox" (embedded CA, the default outside production),
"pkcs12", "pkcs11" or "remote". Production without sandboxes refuses to start with the sandbox
signer or without a real timestamp authority, as it refuses the demo payment keys."""

from django.core.exceptions import ImproperlyConfigured

from portal.settings.base import PRODUCTION, env

_SIGNING_REAL = PRODUCTION and not env.bool("SANDBOX_ENABLED", default=False)
SIGNING_SIGNER = env.str("SIGNING_SIGNER", default="" if _SIGNING_REAL else "sandbox")
SIGNING_PKCS12_FILE = env.str("SIGNING_PKCS12_FILE", default="")
SIGNING_PKCS12_PASSWORD = env.str("SIGNING_PKCS12_PASSWORD", default="")
SIGNING_PKCS11_MODULE = env.str("SIGNING_PKCS11_MODULE", default="")
SIGNING_PKCS11_TOKEN_LABEL = env.str("SIGNING_PKCS11_TOKEN_LABEL", default="")
SIGNING_PKCS11_PIN = env.str("SIGNING_PKCS11_PIN", default="")
SIGNING_PKCS11_KEY_LABEL = env.str("SIGNING_PKCS11_KEY_LABEL", default="")
SIGNING_REMOTE_URL = env.str("SIGNING_REMOTE_URL", default="").rstrip("/")
SIGNING_REMOTE_TOKEN = env.str("SIGNING_REMOTE_TOKEN", default="")
SIGNING_REMOTE_KEY_ID = env.str("SIGNING_REMOTE_KEY_ID", default="")
# RFC 3161 timestamp authority; empty = the embedded sandbox TSA, in process.
SIGNING_TSA_URL = env.str("SIGNING_TSA_URL", default="")
SIGNING_TIMEOUT_SECONDS = env.float("SIGNING_TIMEOUT_SECONDS", default=10.0)
# PEM files of the root certificates the verification page trusts (the sandbox root is added
# while the sandbox signer is in use).
SIGNING_TRUST_ROOTS = env.list("SIGNING_TRUST_ROOTS", default=[])
# Largest PDF the public verification page accepts (bytes).
SIGNING_VERIFY_MAX_BYTES = env.int("SIGNING_VERIFY_MAX_BYTES", default=20 * 1024 * 1024)
SIGNING_VERIFY_RATE = env.str("SIGNING_VERIFY_RATE", default="20/m")
# The bearer token the built-in sandbox remote signer (/sandbox/signing/) accepts.
SANDBOX_SIGNING_TOKEN = "sandbox-signing-token"  # noqa: S105 -- sandbox only, like SANDBOX_SMS_TOKEN

if _SIGNING_REAL:
    if SIGNING_SIGNER in ("", "sandbox"):
        raise ImproperlyConfigured(
            "Production signs with a real signer: set SIGNING_SIGNER to pkcs12, pkcs11 or remote (docs/signing.md)"
        )
    if not SIGNING_TSA_URL:
        raise ImproperlyConfigured("Production needs a real timestamp authority: set SIGNING_TSA_URL")
    if not SIGNING_TRUST_ROOTS:
        raise ImproperlyConfigured("Production needs SIGNING_TRUST_ROOTS (the CA certificates of its signer)")
