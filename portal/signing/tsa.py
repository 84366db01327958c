"""The sandbox RFC 3161 timestamp authority: in process (SIGNING_TSA_URL empty) and over HTTP at
/sandbox/tsa/ (application/timestamp-query -> application/timestamp-reply), so a test or another
deployment can use it exactly like a real TSA. Its certificate is issued by the sandbox root."""

from __future__ import annotations

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import sandbox_ca

MAX_QUERY_BYTES = 16 * 1024


def sandbox_timestamper():
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key, cert = sandbox_ca.credential(sandbox_ca.TSA)
    root = sandbox_ca.to_asn1(sandbox_ca.root_certificate())
    return DummyTimeStamper(
        tsa_cert=sandbox_ca.to_asn1(cert),
        tsa_key=sandbox_ca.to_asn1_key(key),
        certs_to_embed=SimpleCertificateStore.from_certs([root]),
    )


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
