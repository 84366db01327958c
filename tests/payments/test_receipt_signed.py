"""The e-receipt carries the elements of an e-receipt and the collecting unit's digital signature."""

import io
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from pypdf import PdfReader

from payments import services
from tests.dossiers.factories import official

pytestmark = pytest.mark.django_db


def test_receipt_is_signed_with_its_elements_and_verifies(client, dossier, tmp_path, settings):
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
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages).split())
    for element in (
        "Ký hiệu mẫu biên lai: 01BLP0-001",
        f"Ký hiệu biên lai: BL{receipt.year % 100:02d}E",
        f"Số: {receipt.sequence:07d}",
        "Mã số thuế: 1500123456",
        "88 đường 2 Tháng 9",
        "135.000",
        "Một trăm ba mươi lăm nghìn đồng",
    ):
        assert element in text, text
    path = tmp_path / "bl.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdfsig", str(path)], capture_output=True, text=True, timeout=60).stdout
    assert "Signature Validation: Signature is Valid." in out
    page = client.post("/kiem-tra-van-ban/", {"document": SimpleUploadedFile("bl.pdf", data, "application/pdf")})
    body = page.content.decode()
    assert "Chữ ký số hợp lệ" in body and receipt.number in body and dossier.code in body
    assert dossier.citizen.full_name not in body
