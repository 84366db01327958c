"""A PKCS#11 token or HSM (the agency's USB token, a network HSM) through its vendor's module
(SIGNING_PKCS11_MODULE, e.g. /usr/lib/softhsm/libsofthsm2.so), token label, PIN and key label.

pyHanko's pkcs11 support needs the `python-pkcs11` package (requirements.txt); without it this
signer refuses with a clear message. A session is opened per document and closed once the
signature is made: tokens drop idle sessions, and a document a minute does not need a pool.
Tested against SoftHSM2 (tests/dossiers/test_signing_pkcs11.py)."""

from django.conf import settings

from portal.signing import SigningConfigurationError, signers


@signers.register
class Pkcs11Signer:
    id = "pkcs11"

    def __init__(self):
        self.module = settings.SIGNING_PKCS11_MODULE
        self.token_label = settings.SIGNING_PKCS11_TOKEN_LABEL
        self.pin = settings.SIGNING_PKCS11_PIN
        self.key_label = settings.SIGNING_PKCS11_KEY_LABEL
        missing = [
            name
            for name, value in (
                ("SIGNING_PKCS11_MODULE", self.module),
                ("SIGNING_PKCS11_TOKEN_LABEL", self.token_label),
                ("SIGNING_PKCS11_KEY_LABEL", self.key_label),
            )
            if not value
        ]
        if missing:
            raise SigningConfigurationError("The PKCS#11 signer needs " + ", ".join(missing))

    def pyhanko_signer(self, request):
        try:
            from pyhanko.config.pkcs11 import TokenCriteria
            from pyhanko.sign import pkcs11
        except ImportError as exc:  # python-pkcs11 not installed
            raise SigningConfigurationError("The PKCS#11 signer needs the python-pkcs11 package") from exc

        class SessionClosingSigner(pkcs11.PKCS11Signer):
            """Closes the token session after the one real signature of the document (the
            certificate and key were read from the token before; the timestamp needs neither)."""

            async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run=False) -> bytes:
                try:
                    return await super().async_sign_raw(data, digest_algorithm, dry_run=dry_run)
                finally:
                    if not dry_run:
                        self.pkcs11_session.close()

        session = pkcs11.open_pkcs11_session(
            self.module, token_criteria=TokenCriteria(label=self.token_label), user_pin=self.pin or None
        )
        try:
            signer = SessionClosingSigner(session, key_label=self.key_label, cert_label=self.key_label)
            signer.signing_cert  # noqa: B018 - read the certificate now: a wrong label fails here, clearly
        except Exception:
            session.close()
            raise
        return signer
