"""Built-in sandbox national portal (Cổng DVCQG), mounted under /sandbox/dvcqg/ only when
SANDBOX_ENABLED: speaks the protocol of adapters/dvcqg.py (bearer token, JSON), stores what it
receives (deduplicated by message id, gaps in the sequence flagged), fails the next N requests on
demand, answers the reconciliation's counts, and shows the dossiers it received."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import dvcqg_mapping as m
from .models import SandboxNationalRecord, SandboxNationalSwitch

F_ = m.FIELDS


def _authorized(request) -> bool:
    return constant_time_compare(request.headers.get("Authorization", ""), f"Bearer {settings.DVCQG_SANDBOX_TOKEN}")


def _unauthorized():
    response = JsonResponse({"error_code": "401", "message": "invalid token"}, status=401)
    response["WWW-Authenticate"] = 'Bearer realm="dvcqg-sandbox"'
    return response


def _switch() -> SandboxNationalSwitch:
    return SandboxNationalSwitch.objects.get_or_create(pk=1)[0]


def _failing() -> int | None:
    """The status to answer if the error switch is on (it counts down), else None."""
    switch = _switch()
    SandboxNationalSwitch.objects.filter(pk=1).update(requests_seen=F("requests_seen") + 1)
    if SandboxNationalSwitch.objects.filter(pk=1, fail_next__gt=0).update(fail_next=F("fail_next") - 1):
        return switch.fail_status
    return None


@csrf_exempt
@require_POST
def sync_receive(request):
    if not _authorized(request):
        return _unauthorized()
    failing = _failing()
    if failing:
        return JsonResponse({"error_code": str(failing), "message": "sandbox: failing on demand"}, status=failing)
    try:
        body = json.loads(request.body)
        message_id = str(body[F_["message_id"]])
        code = str(body[F_["dossier_code"]])
        sequence = int(body[F_["sequence"]])
        status_code = str(body[F_["status_code"]])
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"error_code": "400", "message": "missing or invalid fields"}, status=400)
    existing = SandboxNationalRecord.objects.filter(message_id=message_id)
    if existing.update(times_received=F("times_received") + 1):
        return JsonResponse({"error_code": "0", "message": "duplicate", "duplicate": True})
    last = SandboxNationalRecord.objects.filter(dossier_code=code).aggregate(last=Max("sequence"))["last"] or 0
    try:
        with transaction.atomic():
            SandboxNationalRecord.objects.create(
                message_id=message_id,
                dossier_code=code,
                sequence=sequence,
                agency_code=str(body.get(F_["agency_code"], "")),
                status_code=status_code,
                step=str(body.get(F_["step_name"], ""))[:200],
                payload=body,
                out_of_order=sequence != last + 1,
            )
    except IntegrityError:
        return JsonResponse({"error_code": "0", "message": "duplicate", "duplicate": True})
    return JsonResponse({"error_code": "0", "message": "ok", "duplicate": False})


def _latest_records():
    """The record of the highest sequence of each dossier."""
    tops = SandboxNationalRecord.objects.values("dossier_code").annotate(top=Max("sequence"))
    wanted = {(row["dossier_code"], row["top"]) for row in tops}
    rows = SandboxNationalRecord.objects.filter(dossier_code__in=[c for c, _t in wanted])
    return [r for r in rows if (r.dossier_code, r.sequence) in wanted]


@require_GET
def reconcile_counts(request):
    if not _authorized(request):
        return _unauthorized()
    failing = _failing()
    if failing:
        return JsonResponse({"error_code": str(failing), "message": "sandbox: failing on demand"}, status=failing)
    counts: dict[tuple[str, str], int] = {}
    for record in _latest_records():
        key = (record.agency_code, record.status_code)
        counts[key] = counts.get(key, 0) + 1
    c = m.COUNT_FIELDS
    data = [{c["agency_code"]: a, c["status_code"]: s, c["count"]: n} for (a, s), n in sorted(counts.items())]
    return JsonResponse({"error_code": "0", "data": data})


@require_GET
def reconcile_sequences(request):
    if not _authorized(request):
        return _unauthorized()
    codes = [c for c in request.GET.get(F_["dossier_code"], "").split(",") if c][:100]
    rows = (
        SandboxNationalRecord.objects.filter(dossier_code__in=codes)
        .values("dossier_code")
        .annotate(top=Max("sequence"))
    )
    return JsonResponse({"error_code": "0", "data": {r["dossier_code"]: r["top"] for r in rows}})


@csrf_exempt
@require_POST
def control(request):
    """For tests and demos over HTTP (bearer token): {"fail_next": N, "fail_status": 503} sets the
    error switch; {"forget": "<message id>"} drops a stored message (a receiver that lost it)."""
    if not _authorized(request):
        return _unauthorized()
    try:
        body = json.loads(request.body)
    except ValueError:
        return JsonResponse({"error_code": "400", "message": "expected JSON"}, status=400)
    _switch()
    if "fail_next" in body:
        SandboxNationalSwitch.objects.filter(pk=1).update(
            fail_next=max(int(body["fail_next"]), 0), fail_status=int(body.get("fail_status", 503))
        )
    forgotten = 0
    if "forget" in body:
        forgotten, _detail = SandboxNationalRecord.objects.filter(message_id=str(body["forget"])).delete()
    return JsonResponse({"error_code": "0", "fail_next": _switch().fail_next, "forgotten": forgotten})


@staff_member_required
@require_http_methods(["GET", "POST"])
def received(request):
    """What the sandbox national portal holds: each dossier's latest status, and the switch."""
    if request.method == "POST":
        try:
            count = max(0, min(int(request.POST.get("fail_next", "0")), 1000))
        except ValueError:
            count = 0
        _switch()
        SandboxNationalSwitch.objects.filter(pk=1).update(fail_next=count)
        messages.success(request, _("The sandbox will fail the next %(n)s requests.") % {"n": count})
        return redirect("sandbox-dvcqg")
    latest = sorted(_latest_records(), key=lambda r: r.received_at, reverse=True)[:200]
    totals = dict(
        SandboxNationalRecord.objects.values_list("dossier_code")
        .annotate(n=Count("id"))
        .values_list("dossier_code", "n")
    )
    for record in latest:
        record.messages_count = totals.get(record.dossier_code, 0)
    context = {
        "latest": latest,
        "switch": _switch(),
        "messages_total": SandboxNationalRecord.objects.count(),
        "out_of_order": SandboxNationalRecord.objects.filter(out_of_order=True).count(),
    }
    return render(request, "integrations/sandbox_dvcqg.html", context)


urlpatterns = [
    path("", received, name="sandbox-dvcqg"),
    path("api/hoso/dongbo", sync_receive, name="sandbox-dvcqg-sync"),
    path("api/hoso/doisoat", reconcile_counts, name="sandbox-dvcqg-counts"),
    path("api/hoso/doisoat/thutu", reconcile_sequences, name="sandbox-dvcqg-sequences"),
    path("api/test/control", control, name="sandbox-dvcqg-control"),
]
