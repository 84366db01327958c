"""Built-in sandbox SMS gateway (mounted under /sandbox/sms/ only when SANDBOX_ENABLED): speaks
the protocol of portal.channels.SmsHttpChannel and records every message it accepts."""

import json

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import path
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from .channels import SMS_MAX_SEGMENTS, sms_length, sms_plain, sms_segments
from .models import SandboxSmsMessage


@csrf_exempt
@require_POST
def sms_send(request):
    auth = request.headers.get("Authorization", "")
    if not constant_time_compare(auth, f"Bearer {settings.SANDBOX_SMS_TOKEN}"):
        return JsonResponse({"status": "error", "error": "unauthorized"}, status=401)
    try:
        payload = json.loads(request.body)
        to, text, reference = str(payload["to"]), str(payload["text"]), str(payload["reference"])
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"status": "error", "error": "expected JSON with to, text, reference"}, status=400)
    digits = to.removeprefix("+")
    if not digits.isdigit() or not 9 <= len(digits) <= 15:
        return JsonResponse({"status": "error", "error": "invalid phone number"}, status=422)
    if sms_plain(text) != text or sms_length(text) == 0:
        return JsonResponse({"status": "error", "error": "text must be non-empty GSM-7 without diacritics"}, status=422)
    segments = len(sms_segments(text))
    if segments > SMS_MAX_SEGMENTS:
        return JsonResponse({"status": "error", "error": f"more than {SMS_MAX_SEGMENTS} segments"}, status=422)
    brandname = str(payload.get("brandname", ""))[:20]
    message, created = SandboxSmsMessage.objects.get_or_create(
        reference=reference[:100],
        defaults={"to": to[:20], "text": text, "segments": segments, "brandname": brandname},
    )
    answer = {"status": "accepted", "id": message.pk, "segments": message.segments, "duplicate": not created}
    return JsonResponse(answer)


@staff_member_required
@require_GET
def sms_list(request):
    """What the sandbox gateway received, newest first (demo aid; sandbox only)."""
    return render(request, "sandbox/sms_list.html", {"messages_received": SandboxSmsMessage.objects.all()[:100]})


urlpatterns = [
    path("", sms_list, name="sandbox-sms"),
    path("send/", sms_send, name="sandbox-sms-send"),
]
