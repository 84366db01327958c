"""The sandbox RFC 3161 timestamp authority: in process (SIGNING_TSA_URL empty) and over HTTP at
/sandbox/tsa/ (application/timestamp-query -> application/timestamp-reply), so a test or another
deployment can use it exactly like a real TSA. Its certificate is issued by the sandbox root."""

from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import sandbox_ca

MAX_QUERY_BYTES = 16 * 1024


def _timestamper_class():
    from asn1crypto import cms, core
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from pyhanko.sign import general
    from pyhanko.sign.general import simple_cms_attribute
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    class SandboxTimeStamper(DummyTimeStamper):
        """pyHanko's DummyTimeStamper, signing with the already parsed TSA key (the original
        parses it again for every token). Same signed attributes as the original."""

        rsa_key = None
        _signing_certificate_der = None

        def _sign_tst_info(self, tst_info_data, md_algorithm, dt):
            md = hashes.Hash(getattr(hashes, md_algorithm.upper())())
            md.update(tst_info_data)
            if self._signing_certificate_der is None:  # the same for every token: encoded once
                type(self)._signing_certificate_der = simple_cms_attribute(
                    "signing_certificate", general.as_signing_certificate(self.tsa_cert)
                ).dump()
            parts = [
                simple_cms_attribute("content_type", "tst_info").dump(),
                simple_cms_attribute("signing_time", cms.Time({"utc_time": core.UTCTime(dt)})).dump(),
                self._signing_certificate_der,
                simple_cms_attribute("message_digest", md.finalize()).dump(),
            ]
            from .cms_fast import _tlv

            # SET OF Attribute in DER order (sorted encodings): a verifier or pyHanko's own
            # embedding may re-encode the token canonically, and the signature must survive it.
            encoded = _tlv(0x31, b"".join(sorted(parts)))
            signed_attrs = cms.CMSAttributes.load(encoded)
            signature = self.rsa_key.sign(encoded, PKCS1v15(), getattr(hashes, md_algorithm.upper())())
            return signature, signed_attrs

        def request_tsa_response(self, req):
            from .cms_fast import timestamp_response

            return timestamp_response(self, req)

    return SandboxTimeStamper


_stampers: dict = {}


def sandbox_timestamper():
    """The in-process sandbox TSA, built once per TSA credential (parsing and indexing the
    certificates cost more than stamping)."""
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key, cert = sandbox_ca.credential(sandbox_ca.TSA)
    root_cert = sandbox_ca.root_certificate()
    cache_key = (cert.fingerprint(sandbox_ca.hashes.SHA256()), root_cert.fingerprint(sandbox_ca.hashes.SHA256()))
    stamper = _stampers.get(cache_key)
    if stamper is None:
        stamper_class = _timestamper_class()  # a class per TSA: its cached attribute is this TSA's
        stamper_class.rsa_key = key
        stamper = _stampers[cache_key] = stamper_class(
            tsa_cert=sandbox_ca.to_asn1(cert),
            tsa_key=sandbox_ca.to_asn1_key(key),
            certs_to_embed=SimpleCertificateStore.from_certs([sandbox_ca.to_asn1(root_cert)]),
        )
    return stamper


@csrf_exempt
@require_POST
def sandbox_tsa(request):
    from asn1crypto import tsp

    body = request.body if int(request.META.get("CONTENT_LENGTH") or 0) <= MAX_QUERY_BYTES else b""
    try:
        query = tsp.TimeStampReq.load(body)
        query.native  # noqa: B018 -- parse it all now: a malformed query is a 400, not a 500
        reply = sandbox_timestamper().request_tsa_response(query)
    except (ValueError, TypeError, KeyError):
        return HttpResponse("bad timestamp query", status=400, content_type="text/plain")
    return HttpResponse(reply.dump(), content_type="application/timestamp-reply")
