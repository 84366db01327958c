"""A PKCS#12 file (.p12/.pfx) holding the agency's key and certificate chain
(SIGNING_PKCS12_FILE, SIGNING_PKCS12_PASSWORD). One file signs for the whole deployment."""

from pathlib import Path

from django.conf import settings

from portal.signing import SigningConfigurationError, signers


@signers.register
class Pkcs12Signer:
    id = "pkcs12"

    def __init__(self):
        self.path = Path(settings.SIGNING_PKCS12_FILE) if settings.SIGNING_PKCS12_FILE else None
        self.password = settings.SIGNING_PKCS12_PASSWORD

    def pyhanko_signer(self, request):
        from pyhanko.sign.signers import SimpleSigner

        if self.path is None or not self.path.is_file():
            raise SigningConfigurationError(f"SIGNING_PKCS12_FILE is not a readable file: {self.path}")
        signer = SimpleSigner.load_pkcs12_data(
            self.path.read_bytes(), other_certs=(), passphrase=self.password.encode() if self.password else None
        )
        if signer is None:
            raise SigningConfigurationError("SIGNING_PKCS12_FILE could not be opened (wrong password?)")
        return signer
