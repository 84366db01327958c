"""The embedded default: each agency signs with its certificate from the sandbox CA."""

from portal.signing import sandbox_ca, signers


@signers.register
class SandboxSigner:
    id = "sandbox"

    def pyhanko_signer(self, request):
        from pyhanko.sign.signers import SimpleSigner
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        key, cert = sandbox_ca.agency_credential(agency_code=request.agency_code, agency_name=request.agency_name)
        root = sandbox_ca.to_asn1(sandbox_ca.root_certificate())
        return SimpleSigner(
            signing_cert=sandbox_ca.to_asn1(cert),
            signing_key=sandbox_ca.to_asn1_key(key),
            cert_registry=SimpleCertificateStore.from_certs([root]),
        )

    @staticmethod
    def trust_roots():
        return [sandbox_ca.to_asn1(sandbox_ca.root_certificate())]
