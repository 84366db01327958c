"""The citizen ID (CCCD) number: PPP G YY RRRRRR (DOMAIN.md) — province of birth registration,
sex and century, two digits of the birth year, serial. The card's QR code and MRZ are identity's."""

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# The 63 pre-2025 province codes used as PPP; they stay valid after the 2025 merger.
PROVINCE_CODES: dict[str, str] = {
    "001": "Hà Nội",
    "002": "Hà Giang",
    "004": "Cao Bằng",
    "006": "Bắc Kạn",
    "008": "Tuyên Quang",
    "010": "Lào Cai",
    "011": "Điện Biên",
    "012": "Lai Châu",
    "014": "Sơn La",
    "015": "Yên Bái",
    "017": "Hòa Bình",
    "019": "Thái Nguyên",
    "020": "Lạng Sơn",
    "022": "Quảng Ninh",
    "024": "Bắc Giang",
    "025": "Phú Thọ",
    "026": "Vĩnh Phúc",
    "027": "Bắc Ninh",
    "030": "Hải Dương",
    "031": "Hải Phòng",
    "033": "Hưng Yên",
    "034": "Thái Bình",
    "035": "Hà Nam",
    "036": "Nam Định",
    "037": "Ninh Bình",
    "038": "Thanh Hóa",
    "040": "Nghệ An",
    "042": "Hà Tĩnh",
    "044": "Quảng Bình",
    "045": "Quảng Trị",
    "046": "Thừa Thiên Huế",
    "048": "Đà Nẵng",
    "049": "Quảng Nam",
    "051": "Quảng Ngãi",
    "052": "Bình Định",
    "054": "Phú Yên",
    "056": "Khánh Hòa",
    "058": "Ninh Thuận",
    "060": "Bình Thuận",
    "062": "Kon Tum",
    "064": "Gia Lai",
    "066": "Đắk Lắk",
    "067": "Đắk Nông",
    "068": "Lâm Đồng",
    "070": "Bình Phước",
    "072": "Tây Ninh",
    "074": "Bình Dương",
    "075": "Đồng Nai",
    "077": "Bà Rịa - Vũng Tàu",
    "079": "TP Hồ Chí Minh",
    "080": "Long An",
    "082": "Tiền Giang",
    "083": "Bến Tre",
    "084": "Trà Vinh",
    "086": "Vĩnh Long",
    "087": "Đồng Tháp",
    "089": "An Giang",
    "091": "Kiên Giang",
    "092": "Cần Thơ",
    "093": "Hậu Giang",
    "094": "Sóc Trăng",
    "095": "Bạc Liêu",
    "096": "Cà Mau",
}

MALE, FEMALE = "M", "F"


@dataclass(frozen=True)
class CccdInfo:
    number: str
    province_code: str
    province_name: str | None
    sex: str  # "M" or "F"
    century: int  # 1900, 2000, ...
    birth_year: int  # full year from century + YY


def cccd_gender_digit(*, sex: str, birth_year: int) -> str:
    """The G digit for a sex and birth year (used by the sandbox residents and tests)."""
    century_index = (birth_year // 100) - 19
    if not 0 <= century_index <= 4:
        raise ValueError("birth year outside 1900-2399")
    return str(century_index * 2 + (1 if sex == FEMALE else 0))


def cccd_normalize(number) -> str:
    """The number as typed, with full-width digits ("０７９…") made ASCII and spaces, dots and
    dashes between groups removed. Anything else (other scripts' digits, letters) is left for
    cccd_validate to refuse."""
    text = unicodedata.normalize("NFKC", str(number or ""))
    return re.sub(r"[\s.\-]", "", text)


def cccd_parse(number: str) -> CccdInfo | None:
    """Structure of a 12-digit number, or None when it is not 12 ASCII digits."""
    number = (number or "").strip()
    if not re.fullmatch(r"[0-9]{12}", number):
        return None
    gender_digit = int(number[3])
    century = 1900 + (gender_digit // 2) * 100
    return CccdInfo(
        number=number,
        province_code=number[:3],
        province_name=PROVINCE_CODES.get(number[:3]),
        sex=FEMALE if gender_digit % 2 else MALE,
        century=century,
        birth_year=century + int(number[4:6]),
    )


def cccd_validate(number: str, *, date_of_birth: dt.date | None = None, sex: str | None = None) -> None:
    """Refuse a number that is not 12 digits, has no known province code, gives a birth year in
    the future or disagrees with the declared birth date or sex ("M"/"F"): raises ValidationError
    with every problem as a user-facing message. Usable as a form field validator."""
    raw = cccd_normalize(number)
    if not re.fullmatch(r"[0-9]{12}", raw):
        raise ValidationError(_("The personal identification number must have exactly 12 digits."))
    if len(set(raw)) == 1:
        raise ValidationError(_("%(number)s is not a real personal identification number.") % {"number": raw})
    info = cccd_parse(raw)
    errors = []
    if info.province_name is None:
        errors.append(
            _("The first three digits (%(code)s) are not a known province code of birth registration.")
            % {"code": info.province_code}
        )
    if info.birth_year > timezone.localdate().year:
        errors.append(_("The gender and birth-year digits give a birth year in the future."))
    if sex in (MALE, FEMALE) and info.sex != sex:
        errors.append(
            _("The 4th digit (gender and century) says %(card_sex)s, but you declared %(sex)s.")
            % {"card_sex": _sex_label(info.sex), "sex": _sex_label(sex)}
        )
    if date_of_birth is not None:
        if date_of_birth.year // 100 * 100 != info.century:
            errors.append(
                _("The 4th digit (gender and century) means a birth year in %(start)s–%(end)s, not %(year)s.")
                % {"start": info.century, "end": info.century + 99, "year": date_of_birth.year}
            )
        elif date_of_birth.year % 100 != int(raw[4:6]):
            errors.append(
                _("Digits 5–6 (%(yy)s) must be the last two digits of the birth year %(year)s.")
                % {"yy": raw[4:6], "year": date_of_birth.year}
            )
    if errors:
        raise ValidationError(errors)


class CccdField(forms.CharField):
    """A personal identification number typed in any form: normalised (cccd_normalize) and
    checked by its structure (cccd_validate). The one form field for every place a number is typed."""

    default_error_messages = {
        "max_length": gettext_lazy("The personal identification number must have exactly 12 digits.")
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "numeric", "autocomplete": "off", "maxlength": "15"})

    def to_python(self, value):
        return cccd_normalize(super().to_python(value))

    def validate(self, value):
        super().validate(value)
        if value not in self.empty_values:
            cccd_validate(value)


def _sex_label(sex: str) -> str:
    return _("male") if sex == MALE else _("female")
