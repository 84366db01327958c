"""The CMS SignedData assembled from DER pieces.

pyHanko's `Signer._package_signature` builds the SignedData from asn1crypto objects; wrapping
each certificate in a `CertificateChoices` and the set in the implicitly tagged `certificates`
field copies the certificates and makes asn1crypto serialise them again node by node: about
two thirds of the time signing took (bench/pdf_sign.py, profile in docs/signing.md). The
structure here is the same (RFC 5652 5.1: version, digestAlgorithms, encapContentInfo,
certificates [0] IMPLICIT, signerInfos), made by concatenating the already encoded
certificates. Written for pyHanko 0.38 (`_package_signature` is its internal API; the signing
tests verify the result with pyHanko and poppler's pdfsig)."""

from __future__ import annotations


def _der_length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _der_length(len(content)) + content


def package_signature(
    signer, *, digest_algorithm, cms_version, signed_attrs, signature, unsigned_attrs, encap_content_info
):
    from asn1crypto import cms

    sig_info = signer.signer_info(digest_algorithm, signed_attrs, signature)
    if unsigned_attrs is not None:
        sig_info["unsigned_attrs"] = unsigned_attrs
    certs = {}
    for cert in signer.cert_registry or ():
        if signer.embed_roots or cert.self_signed == "no":
            certs[cert.sha256] = cert.dump()
    certs[signer.signing_cert.sha256] = signer.signing_cert.dump()
    if getattr(signer, "attribute_certs", None):
        return None  # not ours: let pyHanko do it
    der = signed_data_content_info(
        version=cms.CMSVersion(cms_version).dump(),
        digest_algorithm=sig_info["digest_algorithm"],
        encap_content_info=cms.EncapsulatedContentInfo(encap_content_info or {"content_type": "data"}).dump(),
        certificates=list(certs.values()),
        signer_info=sig_info.dump(),
    )
    return cms.ContentInfo.load(der)


def signed_data_content_info(*, version: bytes, digest_algorithm, encap_content_info: bytes, certificates, signer_info):
    """DER of ContentInfo{signed_data, SignedData} from encoded parts (one signer)."""
    from asn1crypto import cms

    signed_data = b"".join(
        [
            version,
            cms.DigestAlgorithms((digest_algorithm,)).dump(),
            encap_content_info,
            _tlv(0xA0, b"".join(sorted(set(certificates)))),  # DER: SET OF in encoding order
            _tlv(0x31, signer_info),
        ]
    )
    return _tlv(0x30, cms.ContentType("signed_data").dump() + _tlv(0xA0, _tlv(0x30, signed_data)))


def timestamp_response(stamper, req):
    """pyHanko's DummyTimeStamper.request_tsa_response (the sandbox TSA), with the token
    assembled from encoded parts (same fields)."""
    from datetime import datetime

    import tzlocal
    from asn1crypto import algos, cms, tsp

    message_imprint = req["message_imprint"]
    md_algorithm = stamper.override_md or message_imprint["hash_algorithm"]["algorithm"].native
    dt = stamper.fixed_dt or datetime.now(tz=tzlocal.get_localzone())
    tst_info_data = stamper._build_tst_info(message_imprint, dt, req).dump()
    signature, signed_attrs = stamper._sign_tst_info(tst_info_data, md_algorithm, dt)
    digest_algorithm = algos.DigestAlgorithm({"algorithm": md_algorithm})
    sig_info = cms.SignerInfo(
        {
            "version": "v1",
            "sid": cms.SignerIdentifier(
                {
                    "issuer_and_serial_number": cms.IssuerAndSerialNumber(
                        {"issuer": stamper.tsa_cert.issuer, "serial_number": stamper.tsa_cert.serial_number}
                    )
                }
            ),
            "digest_algorithm": digest_algorithm,
            "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "rsassa_pkcs1v15"}),
            "signed_attrs": signed_attrs,
            "signature": signature,
        }
    )
    encap = cms.EncapsulatedContentInfo(
        {"content_type": cms.ContentType("tst_info"), "content": cms.ParsableOctetString(tst_info_data)}
    )
    token = signed_data_content_info(
        version=cms.CMSVersion("v3").dump(),
        digest_algorithm=digest_algorithm,
        encap_content_info=encap.dump(),
        certificates=[c.dump() for c in stamper.certs_to_embed] + [stamper.tsa_cert.dump()],
        signer_info=sig_info.dump(),
    )
    status = tsp.PKIStatusInfo({"status": tsp.PKIStatus("granted")}).dump()
    return tsp.TimeStampResp.load(_tlv(0x30, status + token))


class FastPackagingMixin:
    """For pyHanko Signer subclasses: the SignedData assembled by package_signature(), and the
    signing-certificate-v2 attribute (a function of the certificate alone) encoded once per
    signer object and reused parsed."""

    _signing_certificate_v2_der: bytes | None = None

    def _package_signature(self, **kwargs):
        found = package_signature(self, **kwargs)
        return found if found is not None else super()._package_signature(**kwargs)

    def _signed_attr_providers(self, *args, **kwargs):
        from asn1crypto import tsp
        from pyhanko.sign.attributes import SigningCertificateV2Provider
        from pyhanko.sign.general import as_signing_certificate_v2

        signer = self

        class CachedSigningCertificateV2(SigningCertificateV2Provider):
            async def build_attr_value(self, dry_run=False):
                if signer._signing_certificate_v2_der is None:
                    signer._signing_certificate_v2_der = as_signing_certificate_v2(self.signing_cert).dump()
                return tsp.SigningCertificateV2.load(signer._signing_certificate_v2_der)

        for prov in super()._signed_attr_providers(*args, **kwargs):
            if type(prov) is SigningCertificateV2Provider:
                yield CachedSigningCertificateV2(prov.signing_cert)
            else:
                yield prov
