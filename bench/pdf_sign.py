"""Benchmark: render a one-page A5 document alone (empty signature placeholder), then render it
with the drawn signature block (signature_block: text + QR code of the verification link) and
sign + timestamp it (portal.signing.pdf_sign: PAdES B-T, sandbox CA, in-process sandbox TSA).
Target: signing adds <= 100 ms median. Uses a throw-away SQLite database (the sandbox CA lives
in the database), so it runs without the bench data.

.venv/bin/python -m bench.pdf_sign [--runs 30]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--target-ms", type=float, default=100.0)
    args = parser.parse_args(argv)
    tmp = tempfile.mkdtemp(prefix="bench-sign-")
    os.environ["PORTAL_VAR_DIR"] = tmp
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import logging

    import django

    django.setup()
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from bench.pdf_render import sample_context
    from portal.pdf import pdf_render
    from portal.signing import pdf_sign, signature_block

    verify_url = "http://127.0.0.1:8000/kiem-tra-van-ban/d1-0123456789abcdef/"
    context = {**sample_context(), "pdf_title": "Trang bìa kết quả", "verify_url": verify_url}
    who = {"agency_name": "Sở Tư pháp", "signer_name": "Trần Văn Đức", "signer_title": "Giám đốc"}

    def render():  # the document as it is without a signature (empty placeholder)
        return pdf_render(template_name="pdf/sample_receipt.html", context=context)

    def render_signed():  # the same with the drawn block and its QR code, then signed with its time
        block = signature_block(**who, verify_url=verify_url)
        pdf = pdf_render(template_name="pdf/sample_receipt.html", context={**context, "digital_signature": block})
        return pdf_sign(
            pdf,
            agency_code="000.00.31.H57",
            agency_name=who["agency_name"],
            signer_name=who["signer_name"],
            signer_title=who["signer_title"],
            signed_at=block["signed_at"],
        )

    render_signed()  # first use: makes the sandbox CA, loads fonts, sizes the signature
    render_ms, total_ms = [], []
    for _ in range(args.runs):  # interleaved, so both see the same machine load
        t0 = time.perf_counter()
        render()
        t1 = time.perf_counter()
        render_signed()
        t2 = time.perf_counter()
        render_ms.append((t1 - t0) * 1000)
        total_ms.append((t2 - t1) * 1000)
    added = statistics.median(total_ms) - statistics.median(render_ms)
    print(f"render alone: median {statistics.median(render_ms):.1f} ms (runs={args.runs})")
    print(f"render + sign + timestamp: median {statistics.median(total_ms):.1f} ms")
    print(f"signing adds: median {added:.1f} ms (target <= {args.target_ms:.0f} ms)")
    return 0 if added <= args.target_ms else 1


if __name__ == "__main__":
    sys.exit(main())
