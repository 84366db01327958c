import datetime as dt
import io

import pytest
import segno
from PIL import Image

from identity.cccd import (
    PROVINCE_CODES,
    CccdQrError,
    cccd_parse,
    cccd_qr_decode,
    cccd_qr_parse,
    cccd_validate,
    mrz_check,
)

from .factories import cccd_number

QR_2021 = (
    "086190001234|123456789|Trần Thị Bích Ngọc|14031990|Nữ|Số 27 đường Lê Lợi, Phường Long Châu, Vĩnh Long|20052021"
)


def test_there_are_63_province_codes():
    assert len(PROVINCE_CODES) == 63
    assert PROVINCE_CODES["001"] == "Hà Nội" and PROVINCE_CODES["079"] == "TP Hồ Chí Minh"
    assert PROVINCE_CODES["096"] == "Cà Mau"


def test_valid_number_consistent_with_profile():
    number = cccd_number(sex="F", birth=dt.date(1990, 3, 14))
    assert cccd_validate(number, date_of_birth=dt.date(1990, 3, 14), sex="F") == []
    info = cccd_parse(number)
    assert (info.province_code, info.sex, info.century, info.birth_year) == ("086", "F", 1900, 1990)


def test_born_in_2000s_uses_digits_2_and_3():
    male = cccd_number(sex="M", birth=dt.date(2005, 1, 1))
    assert male[3] == "2"
    assert cccd_validate(male, date_of_birth=dt.date(2005, 1, 1), sex="M") == []
    assert cccd_parse(male).century == 2000


@pytest.mark.parametrize("number", ["", "12345", "0861900012345", "08619000123a", "086 190 001 23"])
def test_not_twelve_digits(number):
    assert cccd_validate(number) == ["Số định danh cá nhân phải gồm đúng 12 chữ số."]


def test_unknown_province_code():
    errors = cccd_validate("003190001234")
    assert len(errors) == 1
    assert "003" in errors[0] and "mã tỉnh" in errors[0]


def test_sex_mismatch():
    errors = cccd_validate(cccd_number(sex="M"), sex="F")
    assert len(errors) == 1 and "giới tính" in errors[0]
    assert "nam" in errors[0] and "nữ" in errors[0]


def test_century_mismatch():
    number = cccd_number(sex="M", birth=dt.date(1990, 1, 1))
    errors = cccd_validate(number, date_of_birth=dt.date(2001, 1, 1))
    assert len(errors) == 1 and "1900–1999" in errors[0]


def test_birth_year_digits_mismatch():
    number = cccd_number(sex="M", birth=dt.date(1990, 1, 1))
    errors = cccd_validate(number, date_of_birth=dt.date(1991, 1, 1), sex="M")
    assert len(errors) == 1 and "1991" in errors[0] and "90" in errors[0]


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
