import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from portal.kernel.cccd import PROVINCE_CODES, cccd_gender_digit, cccd_parse, cccd_validate


def cccd_number(*, province="086", sex="M", birth=dt.date(1990, 1, 15), serial=1) -> str:
    return f"{province}{cccd_gender_digit(sex=sex, birth_year=birth.year)}{birth.year % 100:02d}{serial:06d}"


def test_there_are_63_province_codes():
    assert len(PROVINCE_CODES) == 63
    assert PROVINCE_CODES["001"] == "Hà Nội" and PROVINCE_CODES["079"] == "TP Hồ Chí Minh"
    assert PROVINCE_CODES["096"] == "Cà Mau"


def test_parse_reads_province_sex_century_and_birth_year():
    info = cccd_parse(" 086190001234 ")
    assert (info.number, info.province_code, info.province_name) == ("086190001234", "086", "Vĩnh Long")
    assert (info.sex, info.century, info.birth_year) == ("F", 1900, 1990)
    assert cccd_parse("083305001234").birth_year == 2005  # 3: woman born in the 2000s


@pytest.mark.parametrize("number", ["", None, "12345", "0861900012345", "08619000123a"])
def test_parse_gives_none_for_what_is_not_twelve_digits(number):
    assert cccd_parse(number) is None


def test_valid_number_consistent_with_profile():
    number = cccd_number(sex="F", birth=dt.date(1990, 3, 14))
    cccd_validate(number, date_of_birth=dt.date(1990, 3, 14), sex="F")
    cccd_validate("083095001234", date_of_birth=dt.date(1995, 5, 1), sex="M")


def test_born_in_2000s_uses_digits_2_and_3():
    male = cccd_number(sex="M", birth=dt.date(2005, 1, 1))
    assert male[3] == "2"
    cccd_validate(male, date_of_birth=dt.date(2005, 1, 1), sex="M")
    assert cccd_parse(male).century == 2000


@pytest.mark.parametrize("number", ["", "12345", "0861900012345", "08619000123a", "086 190 001 23"])
def test_not_twelve_digits(number):
    with pytest.raises(ValidationError, match=r"^\['Số định danh cá nhân phải gồm đúng 12 chữ số\.'\]$") as caught:
        cccd_validate(number)
    assert caught.value.messages == ["Số định danh cá nhân phải gồm đúng 12 chữ số."]


def test_unknown_province_code():
    with pytest.raises(ValidationError, match=r"003.*mã tỉnh") as caught:
        cccd_validate("003190001234")
    assert len(caught.value.messages) == 1


def test_birth_year_in_the_future():
    with pytest.raises(ValidationError, match="năm sinh trong tương lai"):
        cccd_validate("083995001234")  # 9: a man born in the 2300s


def test_sex_mismatch():
    with pytest.raises(ValidationError, match="giới tính") as caught:
        cccd_validate(cccd_number(sex="M"), sex="F")
    [message] = caught.value.messages
    assert "nam" in message and "nữ" in message


def test_century_mismatch():
    number = cccd_number(sex="M", birth=dt.date(1990, 1, 1))
    with pytest.raises(ValidationError, match="1900–1999") as caught:
        cccd_validate(number, date_of_birth=dt.date(2001, 1, 1))
    assert len(caught.value.messages) == 1


def test_birth_year_digits_mismatch():
    number = cccd_number(sex="M", birth=dt.date(1990, 1, 1))
    with pytest.raises(ValidationError, match=r"90.*1991") as caught:
        cccd_validate(number, date_of_birth=dt.date(1991, 1, 1), sex="M")
    assert len(caught.value.messages) == 1


def test_every_problem_is_reported_at_once():
    with pytest.raises(ValidationError, match="mã tỉnh") as caught:
        cccd_validate("003190001234", date_of_birth=dt.date(1991, 1, 1), sex="M")
    assert len(caught.value.messages) == 3  # province, sex, birth-year digits
