"""The embedded default: each agency signs with its certificate from the sandbox CA."""

from portal.signing import sandbox_ca, signers


@signers.register
class SandboxSigner:
    id = "sandbox"

    _built: dict = {}

    def pyhanko_signer(self, request):
        key, cert = sandbox_ca.agency_credential(agency_code=request.agency_code, agency_name=request.agency_name)
        root_cert = sandbox_ca.root_certificate()
        cache_key = (cert.fingerprint(sandbox_ca.hashes.SHA256()), root_cert.fingerprint(sandbox_ca.hashes.SHA256()))
        signer = self._built.get(cache_key)
        if signer is None:  # built once per agency certificate (parsing the chain costs more than signing)
            signer = self._built[cache_key] = _signer_class()(
                key, sandbox_ca.to_asn1(cert), sandbox_ca.to_asn1(root_cert)
            )
        return signer

    @staticmethod
    def trust_roots():
        return [sandbox_ca.to_asn1(sandbox_ca.root_certificate())]


def _signer_class():
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from pyhanko.sign.signers import Signer
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    from portal.signing.cms_fast import FastPackagingMixin

    class SandboxKeySigner(FastPackagingMixin, Signer):
        # RSA PKCS#1 v1.5 with the parsed key (pyHanko's SimpleSigner parses it per signature)
        def __init__(self, key, cert, root):
            self._key = key
            super().__init__(signing_cert=cert, cert_registry=SimpleCertificateStore.from_certs([root]))

        async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run=False) -> bytes:
            return self._key.sign(data, PKCS1v15(), getattr(hashes, digest_algorithm.upper())())

    return SandboxKeySigner
