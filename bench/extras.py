"""Measurements that are not HTTP: the intake receipt PDF (form 01) rendered by the dossiers
app's own function, and notification delivery through a real Celery worker and Redis.
Run by bench.run in its own process, against the bench database; prints one JSON object.

.venv/bin/python -m bench.extras --pdf-runs 30 --notifications 500
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import time


def measure_pdf(runs: int) -> dict:
    import logging

    from django.conf import settings
    from django.utils import translation

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    try:
        from dossiers import issued_pdfs
        from dossiers.models import Dossier, DossierEvent
    except ImportError as exc:
        return {"skipped": f"dossiers.issued_pdfs is not available: {exc}"}
    kind = issued_pdfs.IssuedDocument.Kind.RECEIPT
    template = issued_pdfs.TEMPLATES[kind]
    dossiers = list(
        Dossier.objects.filter(status="in_processing", received_at__isnull=False)
        .select_related("citizen", "agency", "current_agency", "procedure_version")
        .order_by("-pk")[: runs + 1]
    )
    if not dossiers:
        return {"skipped": "no received dossier to render a receipt for"}
    from portal.signing import pdf_sign

    timings, sizes, context_ms, sign_ms = [], [], [], []
    agency = dossiers[0].agency
    with translation.override(settings.LANGUAGE_CODE):
        for i in range(runs + 1):  # the first render loads fonts: measured apart
            dossier = dossiers[i % len(dossiers)]
            event = DossierEvent.objects.filter(dossier=dossier, action="receive").select_related("actor").first()
            started = time.perf_counter()
            context = issued_pdfs.issued_document_context(dossier=dossier, event=event)
            mid = time.perf_counter()
            pdf = issued_pdfs.pdf_render(template_name=template, context=context)
            done = time.perf_counter()
            pdf_sign(pdf, agency_code=agency.code, agency_name=agency.name, signer_name="Bench", reason="bench")
            signed = time.perf_counter()
            if i == 0:
                first = (done - started) * 1000
                continue
            sign_ms.append((signed - done) * 1000)
            timings.append((done - started) * 1000)
            context_ms.append((mid - started) * 1000)
            sizes.append(len(pdf))
    return {
        "function": "dossiers.issued_pdfs.issued_document_context + pdf_render (form 01)",
        "runs": runs,
        "first_ms": round(first, 1),
        "median_ms": round(statistics.median(timings), 1),
        "p95_ms": round(sorted(timings)[min(len(timings) - 1, math.ceil(len(timings) * 0.95) - 1)], 1),
        "context_median_ms": round(statistics.median(context_ms), 1),
        "bytes_median": int(statistics.median(sizes)),
        # portal.signing.pdf_sign on the same PDF: PAdES B-T, sandbox CA + in-process sandbox TSA
        "sign_median_ms": round(statistics.median(sign_ms), 1),
        "sign_p95_ms": round(sorted(sign_ms)[min(len(sign_ms) - 1, math.ceil(len(sign_ms) * 0.95) - 1)], 1),
    }


def measure_notifications(count: int, timeout: float) -> dict:
    from django.db import transaction

    try:
        from portal.models import Notification
        from portal.notifications import notification_enqueue
    except ImportError as exc:
        return {"skipped": f"portal.notifications is not available: {exc}"}
    from identity.models import User

    users = list(User.objects.filter(email__endswith="@bench.example.vn", is_staff=False).order_by("pk")[:50])
    for u in users:
        if not (u.notify_email and u.notify_sms and u.phone):
            u.notify_email, u.notify_sms = True, True
            u.save(update_fields=["notify_email", "notify_sms"])
    run_id = f"bench-{time.time_ns()}"
    started = time.monotonic()
    ids = []
    # One transaction per notification, as a status change would do.
    for i in range(count):
        user = users[i % len(users)]
        with transaction.atomic():
            rows = notification_enqueue(
                user=user,
                event="bench",
                subject=f"Hồ sơ của bạn đã được tiếp nhận ({i})",
                body=f"Hồ sơ số {run_id}-{i} đã được tiếp nhận. Tra cứu tại cổng dịch vụ công.",
                sms_text=f"DVC: Ho so {i} da duoc tiep nhan.",
                channels=[Notification.Channel.EMAIL],
                dedupe_key=f"{run_id}-{i}",
            )
        ids += [r.pk for r in rows if r.status == Notification.Status.PENDING]
    enqueued = time.monotonic()
    deadline = enqueued + timeout
    delivered = 0
    while time.monotonic() < deadline:
        delivered = Notification.objects.filter(pk__in=ids).exclude(status=Notification.Status.PENDING).count()
        if delivered >= len(ids):
            break
        time.sleep(0.1)
    finished = time.monotonic()
    statuses = {}
    for status in Notification.objects.filter(pk__in=ids).values_list("status", flat=True):
        statuses[status] = statuses.get(status, 0) + 1
    return {
        "notifications": len(ids),
        "channel": "email (outbox backend)",
        "delivered": delivered,
        "statuses": statuses,
        "enqueue_seconds": round(enqueued - started, 2),
        "seconds": round(finished - started, 2),
        "delivered_per_s": round(delivered / (finished - started), 1) if finished > started else None,
        "complete": delivered >= len(ids),
    }


def set_aside() -> dict:
    """What the load run left behind (the receipts and notices of its IPNs, the national sync jobs
    and notifications of its submissions: thousands of rows, recorded in the outbox since the relay
    took the broker out of the request path) is not the delivery measurement: set it aside, or the
    worker delivers that backlog first. Bench database only: the jobs wait a day, the
    notifications are marked failed with the reason."""
    import datetime as dt

    from django.utils import timezone

    from portal.models import Notification, OutboxJob

    jobs = OutboxJob.objects.filter(status=OutboxJob.Status.PENDING).update(
        next_attempt_at=timezone.now() + dt.timedelta(days=1)
    )
    notes = Notification.objects.filter(status=Notification.Status.PENDING).update(
        status=Notification.Status.FAILED, last_error="bench: set aside before the delivery measurement"
    )
    return {"outbox_jobs": jobs, "notifications": notes}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pdf-runs", type=int, default=30)
    parser.add_argument("--notifications", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--set-aside", action="store_true", help="set the load run's backlog aside (bench DB)")
    args = parser.parse_args(argv)
    import django

    django.setup()
    out = {}
    if args.set_aside:
        out["set_aside"] = set_aside()
    if args.pdf_runs:
        out["pdf"] = measure_pdf(args.pdf_runs)
    if args.notifications:
        out["notifications"] = measure_notifications(args.notifications, args.timeout)
    print("BENCH-JSON " + json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
