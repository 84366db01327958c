"""The e-receipt as a reader and an archive see it: its text (poppler's pdftotext) carries each
element an e-receipt prints (docs/signing.md, "E-receipt elements": which of them are verified
against public legal text and which are not), and the signed file is PDF/A and tagged
(Apache PDFBox Preflight and the structural checks of tests/support/pdfa.py)."""

import os
import shutil
import subprocess

import pytest
from django.conf import settings
from django.utils import timezone

from payments import services
from tests.dossiers.factories import official
from tests.support.pdfa import archival_problems, pdfa2_violations, preflight_missing

pytestmark = pytest.mark.django_db

_reason = preflight_missing()
if _reason and os.environ.get("REQUIRE_PDFA_VALIDATOR"):
    raise RuntimeError(f"REQUIRE_PDFA_VALIDATOR is set but this machine {_reason}")


@pytest.fixture
def receipt_pdf(dossier, settings, tmp_path):
    settings.RECEIPT_TEMPLATE_SYMBOL = "01BLP0-001"
    agency = dossier.agency
    agency.tax_code = "1500123456"
    agency.address = "88 đường 2 Tháng 9, phường Long Châu"
    agency.save()
    payment = services.counter_payment_record(
        dossier=dossier, cashier=official(dossier.agency, "cashier"), method="cash"
    )
    receipt = services.receipt_issue(payment=payment)
    with receipt.file.open("rb") as fh:
        data = fh.read()
    path = tmp_path / "bien-lai.pdf"
    path.write_bytes(data)
    return receipt, payment, path


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="needs poppler-utils")
def test_receipt_text_carries_every_element(receipt_pdf, dossier):
    receipt, payment, path = receipt_pdf
    raw = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, timeout=60).stdout
    text = " ".join(raw.split())
    paid_at = timezone.localtime(payment.paid_at)
    elements = {
        "title": "Biên lai điện tử thu phí, lệ phí",
        "template symbol": "Ký hiệu mẫu biên lai: 01BLP0-001",
        "serial": f"Ký hiệu biên lai: {receipt.serial}",
        "number": f"Số: {receipt.sequence:07d}",
        "collecting unit": f"Đơn vị thu: {dossier.agency.name}",
        "tax code": "Mã số thuế: 1500123456",
        "address": "Địa chỉ: 88 đường 2 Tháng 9, phường Long Châu",
        "payer": f"Người nộp: {payment.payer_name or dossier.citizen}",
        "items": "Tổng cộng",
        "amount in figures": "135.000",
        "amount in words": "Một trăm ba mươi lăm nghìn đồng",
        "method": "Hình thức thanh toán",
        "time": paid_at.strftime("%H:%M %d/%m/%Y"),
        "signature": f"Ký số bởi: {dossier.agency.name}",
    }
    missing = {name: words for name, words in elements.items() if words.lower() not in text.lower()}
    assert not missing, (missing, text)


@pytest.mark.skipif(bool(_reason), reason=_reason or "-")
def test_signed_receipt_is_pdfa_and_tagged(receipt_pdf):
    _receipt, _payment, path = receipt_pdf
    data = path.read_bytes()
    assert pdfa2_violations(data) == []
    assert archival_problems(data, site_name=settings.PORTAL_NAME) == []
    shots = os.environ.get("PDF_SHOTS_DIR")  # to look at it: pdftoppm of the signed receipt
    if shots:
        os.makedirs(shots, exist_ok=True)
        subprocess.run(["pdftoppm", "-png", "-r", "110", str(path), os.path.join(shots, "e-receipt")], check=True)
