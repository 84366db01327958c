"""The embedded default: each agency signs with its certificate from the sandbox CA."""

from portal.signing import sandbox_ca, signers


@signers.register
class SandboxSigner:
    id = "sandbox"

    def pyhanko_signer(self, request):
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
        from pyhanko.sign.signers import Signer
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        from portal.signing.cms_fast import FastPackagingMixin

        key, cert = sandbox_ca.agency_credential(agency_code=request.agency_code, agency_name=request.agency_name)
        root = sandbox_ca.to_asn1(sandbox_ca.root_certificate())

        class SandboxKeySigner(FastPackagingMixin, Signer):
            # RSA PKCS#1 v1.5 with the parsed key (pyHanko's SimpleSigner parses it per signature)
            async def async_sign_raw(self, data: bytes, digest_algorithm: str, dry_run=False) -> bytes:
                return key.sign(data, PKCS1v15(), getattr(hashes, digest_algorithm.upper())())

        return SandboxKeySigner(
            signing_cert=sandbox_ca.to_asn1(cert), cert_registry=SimpleCertificateStore.from_certs([root])
        )

    @staticmethod
    def trust_roots():
        return [sandbox_ca.to_asn1(sandbox_ca.root_certificate())]
