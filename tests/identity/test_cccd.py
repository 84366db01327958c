import datetime as dt
import io

import pytest
import segno
from PIL import Image

from identity.cccd import (
    CccdQrError,
    cccd_qr_decode,
    cccd_qr_parse,
    mrz_check,
)

QR_2021 = (
    "086190001234|123456789|Trần Thị Bích Ngọc|14031990|Nữ|Số 27 đường Lê Lợi, Phường Long Châu, Vĩnh Long|20052021"
)


def test_qr_text_2021_card():
    data = cccd_qr_parse(QR_2021)
    assert data.number == "086190001234"
    assert data.old_id == "123456789"
    assert data.full_name == "Trần Thị Bích Ngọc"
    assert data.date_of_birth == dt.date(1990, 3, 14)
    assert data.sex == "F"
    assert data.address.startswith("Số 27")
    assert data.issued_on == dt.date(2021, 5, 20)


def test_qr_text_without_old_id_and_with_extra_fields():
    text = "086190001234||Trần Thị Bích Ngọc|14031990|Nữ|Phường Long Châu, Vĩnh Long|01072024|thêm|"
    data = cccd_qr_parse(text)
    assert data.old_id == "" and data.issued_on == dt.date(2024, 7, 1)
    assert data.extra == ("thêm",)


@pytest.mark.parametrize("text", ["", "hello world", "https://example.vn", "12345|a|b|c|d"])
def test_qr_text_not_a_cccd(text):
    with pytest.raises(CccdQrError, match="không phải"):
        cccd_qr_parse(text)


def _qr_png(text: str, *, scale=6) -> bytes:
    buffer = io.BytesIO()
    segno.make(text, error="m", micro=False).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def test_qr_image_decoded():
    data = cccd_qr_decode(_qr_png(QR_2021))
    assert data.number == "086190001234" and data.full_name == "Trần Thị Bích Ngọc"


def test_qr_photo_with_background_and_jpeg():
    qr = Image.open(io.BytesIO(_qr_png(QR_2021, scale=5))).convert("RGB")
    canvas = Image.new("RGB", (qr.width + 400, qr.height + 300), (205, 215, 230))
    canvas.paste(qr, (250, 120))
    buffer = io.BytesIO()
    canvas.save(buffer, "JPEG", quality=85)
    assert cccd_qr_decode(buffer.getvalue()).sex == "F"


def test_qr_image_without_code_gets_helpful_message():
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), "white").save(buffer, "PNG")
    with pytest.raises(CccdQrError, match="Không tìm thấy mã QR"):
        cccd_qr_decode(buffer.getvalue())


def test_qr_image_of_another_qr_code():
    with pytest.raises(CccdQrError, match="không phải"):
        cccd_qr_decode(_qr_png("https://dichvucong.gov.vn"))


def test_not_an_image():
    with pytest.raises(CccdQrError, match="JPEG hoặc PNG"):
        cccd_qr_decode(b"%PDF-1.4 nope")


MRZ_OK = "IDVNM0900012345079090001234<<<\n9001158M3501151VNM<<<<<<<<<<<5\nNGUYEN<VAN<<AN<<<<<<<<<<<<<<<<"


def test_mrz_valid():
    data, errors = mrz_check(MRZ_OK)
    assert errors == []
    assert data.number == "079090001234"
    assert data.date_of_birth == dt.date(1990, 1, 15)
    assert data.expires_on == dt.date(2035, 1, 15)
    assert data.sex == "M" and data.full_name == "NGUYEN VAN AN"


def test_mrz_pasted_with_spaces_and_lowercase():
    data, errors = mrz_check("  " + MRZ_OK.lower().replace("\n", " \n ") + "\n")
    assert errors == [] and data.number == "079090001234"


def test_mrz_bad_birth_check_digit():
    _data, errors = mrz_check(MRZ_OK.replace("9001158M", "9001168M"))
    assert any("ngày sinh" in e for e in errors)


def test_mrz_number_mismatch():
    _data, errors = mrz_check(MRZ_OK.replace("079090001234", "079090001235"))
    assert any("không khớp" in e for e in errors)


@pytest.mark.parametrize(
    "text", ["", "IDVNM123", MRZ_OK.split("\n")[0], "ab$" * 10 + "\n" + "a" * 30 + "\n" + "a" * 30]
)
def test_mrz_wrong_shape(text):
    data, errors = mrz_check(text)
    assert data is None and errors


def test_qr_an_impossible_birth_date_stays_empty_never_the_issue_date(client):
    """31/02/1990 is no date: the reader leaves the birth date empty (it does not take the
    issue date in its place) and the page says so; "apply" keeps the profile's date."""
    text = "086190001234|123456789|Trần Thị Bích Ngọc|31021990|Nữ|Vĩnh Long|20052021"
    data = cccd_qr_parse(text)
    assert data.date_of_birth is None and data.issued_on == dt.date(2021, 5, 20)


def test_qr_full_width_and_zero_numbers_are_refused_by_the_one_validator():
    from django.core.exceptions import ValidationError

    from portal.kernel.cccd import cccd_normalize, cccd_validate

    assert cccd_normalize("０８６ １９０ ００１２３４") == "086190001234"
    cccd_validate("０８６１９０００１２３４")
    with pytest.raises(ValidationError, match="không phải là một số định danh cá nhân có thật"):
        cccd_validate("000000000000")
    with pytest.raises(ValidationError, match="12"):
        cccd_validate("٠٨٦١٩٠٠٠١٢٣٤")  # Arabic-Indic digits are not normalised: refused
