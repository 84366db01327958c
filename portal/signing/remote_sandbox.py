"""The sandbox remote signing service: speaks the protocol of portal/signing/backends/remote.py,
signing with the sandbox CA's agency certificate whose key id is the agency code."""

import base64
import json

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, utils
from django.conf import settings
from django.http import JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from . import sandbox_ca


def _authorised(request) -> bool:
    header = request.headers.get("Authorization", "")
    return header.startswith("Bearer ") and constant_time_compare(header[7:], settings.SANDBOX_SIGNING_TOKEN)


def _credential(key_id: str):
    key_id = (key_id or "").strip()[:64]
    if not key_id:
        return None
    return sandbox_ca.agency_credential(agency_code=key_id, agency_name=f"Cơ quan {key_id} (sandbox)")


@require_GET
def certificates(request):
    if not _authorised(request):
        return JsonResponse({"error": "unauthorised"}, status=401)
    found = _credential(request.GET.get("key_id", ""))
    if found is None:
        return JsonResponse({"error": "key_id required"}, status=400)
    der = found[1].public_bytes(serialization.Encoding.DER)
    root = sandbox_ca.root_certificate().public_bytes(serialization.Encoding.DER)
    return JsonResponse({"certificate": base64.b64encode(der).decode(), "chain": [base64.b64encode(root).decode()]})


@csrf_exempt
@require_POST
def sign(request):
    if not _authorised(request):
        return JsonResponse({"error": "unauthorised"}, status=401)
    try:
        body = json.loads(request.body[:4096])
        digest = base64.b64decode(body["digest"], validate=True)
        if body.get("hash_algorithm") != "sha256" or len(digest) != 32:
            raise ValueError("sha256 digests only")
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error": "bad request"}, status=400)
    found = _credential(str(body.get("key_id", "")))
    if found is None:
        return JsonResponse({"error": "key_id required"}, status=400)
    signature = found[0].sign(digest, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
    return JsonResponse({"signature": base64.b64encode(signature).decode(), "signature_algorithm": "rsassa_pkcs1v15"})
