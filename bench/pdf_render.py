"""Benchmark of portal.pdf.pdf_render on a one-page A5 receipt (target: median <= 150 ms).

.venv/bin/python -m bench.pdf_render [--runs 30]
"""

import argparse
import io
import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")


def sample_context() -> dict:
    from portal.pdf import qr_data_uri

    code = "000.00.31.H57-261122-0001"
    return {
        "agency_parent": "UBND TỈNH VĨNH LONG",
        "agency_name": "Sở Tư pháp",
        "document_number": "123/GTN",
        "place_date": "Vĩnh Long, ngày 22 tháng 11 năm 2026",
        "doc_title": "Giấy tiếp nhận hồ sơ và hẹn trả kết quả",
        "citizen_name": "Nguyễn Thị Hường",
        "dossier_code": code,
        "procedure_name": "Đăng ký khai sinh",
        "amount": "50.000 ₫",
        "official_name": "Trần Văn Đức",
        "qr_image": qr_data_uri(f"http://127.0.0.1:8000/tra-cuu/{code}/"),
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--target-ms", type=float, default=150.0)
    args = parser.parse_args(argv)

    import logging

    import django

    django.setup()
    logging.getLogger("weasyprint").setLevel(logging.WARNING)
    from pypdf import PdfReader

    from portal.pdf import pdf_render

    context = sample_context()
    started = time.perf_counter()
    pdf = pdf_render(template_name="pdf/sample_receipt.html", context=context)
    first_ms = (time.perf_counter() - started) * 1000
    pages = len(PdfReader(io.BytesIO(pdf)).pages)

    timings = []
    for _ in range(args.runs):
        started = time.perf_counter()
        pdf_render(template_name="pdf/sample_receipt.html", context=context)
        timings.append((time.perf_counter() - started) * 1000)
    median = statistics.median(timings)
    p95 = sorted(timings)[max(0, int(len(timings) * 0.95) - 1)]
    print(f"pdf_render A5 receipt: pages={pages} size={len(pdf)} B first={first_ms:.0f} ms")
    print(
        f"  runs={args.runs} median={median:.1f} ms p95={p95:.1f} ms min={min(timings):.1f} ms"
        f" (target <= {args.target_ms:.0f} ms)"
    )
    return 0 if median <= args.target_ms else 1


if __name__ == "__main__":
    sys.exit(main())
