"""The chip citizen ID card (CCCD): the QR code on the card and the MRZ. The number's own rules
are the kernel's (portal/kernel/cccd.py).

QR text: CCCD|CMND|name|ddmmyyyy|Nam/Nữ|address|ddmmyyyy.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from django.utils.translation import gettext as _

from portal.kernel.cccd import FEMALE, MALE

# --- QR -----------------------------------------------------------------------------------------


class CccdQrError(ValueError):
    """The image or text is not a readable CCCD QR code; str(error) is the user message."""


@dataclass(frozen=True)
class CccdQrData:
    number: str
    old_id: str
    full_name: str
    date_of_birth: dt.date | None
    sex: str  # "M", "F" or ""
    address: str
    issued_on: dt.date | None
    extra: tuple[str, ...] = ()


def _ddmmyyyy(value: str) -> dt.date | None:
    value = value.strip()
    if not re.fullmatch(r"\d{8}", value):
        return None
    try:
        return dt.date(int(value[4:]), int(value[2:4]), int(value[:2]))
    except ValueError:
        return None


def _sex_from_text(value: str) -> str:
    folded = unicodedata.normalize("NFC", value.strip()).lower()
    if folded in ("nam", "male", "m"):
        return MALE
    if folded in ("nữ", "nu", "female", "f"):
        return FEMALE
    return ""


def cccd_qr_parse(text: str) -> CccdQrData:
    """Parse the QR text of a CCCD card.

    The 2021 chip card is documented; the 2024 card is not, so we only rely on the order of
    the first fields and look for dates and the sex by their shape rather than position.
    """
    cleaned = unicodedata.normalize("NFC", (text or "").replace("\ufeff", "").strip())
    parts = [p.strip() for p in cleaned.split("|")]
    if len(parts) < 5 or not re.fullmatch(r"\d{12}", parts[0]):
        raise CccdQrError(_("This QR code is not the QR code of a citizen ID card (CCCD)."))
    number = parts[0]
    old_id = parts[1] if re.fullmatch(r"\d{9}|\d{12}|", parts[1]) else ""
    name_index = 2 if parts[1] == old_id else 1
    full_name = parts[name_index]
    rest = parts[name_index + 1 :]
    # Dates are found by their shape (8 digits) and read in order: birth date, then issue date.
    # An 8-digit field that is no real date stays unread (None): it is never replaced by the next.
    dates = [(i, _ddmmyyyy(p)) for i, p in enumerate(rest) if re.fullmatch(r"\d{8}", p)]
    birth = dates[0][1] if dates else None
    issued = dates[1][1] if len(dates) > 1 else None
    sex = next((_sex_from_text(p) for p in rest if _sex_from_text(p)), "")
    used = {i for i, _d in dates[:2]} | {i for i, p in enumerate(rest) if _sex_from_text(p)}
    leftovers = [p for i, p in enumerate(rest) if i not in used and p]
    address = leftovers[0] if leftovers else ""
    if not full_name or not dates:
        raise CccdQrError(_("The QR code was read but its content is incomplete; please take another photo."))
    return CccdQrData(
        number=number,
        old_id=old_id,
        full_name=full_name,
        date_of_birth=birth,
        sex=sex,
        address=address,
        issued_on=issued,
        extra=tuple(leftovers[1:]),
    )


def cccd_qr_decode(image_bytes: bytes) -> CccdQrData:
    """Find the QR code in a photo of the card and parse it."""
    import zxingcpp
    from PIL import ImageOps

    from portal.kernel.uploads import UploadRefused, image_open

    try:
        # The declared size is checked before decoding: a small file may declare a huge picture.
        image = image_open(image_bytes)
        image.load()
    except UploadRefused as exc:
        raise CccdQrError(exc.message) from exc
    except (OSError, ValueError) as exc:
        raise CccdQrError(_("The file is not a picture we can read. Please upload a JPEG or PNG photo.")) from exc
    image = ImageOps.exif_transpose(image).convert("L")
    candidates = [image]
    if max(image.size) > 2000:
        scaled = image.copy()
        scaled.thumbnail((1600, 1600))
        candidates.append(scaled)
    elif max(image.size) < 400:
        candidates.append(image.resize((image.width * 3, image.height * 3)))
    for candidate in candidates:
        results = zxingcpp.read_barcodes(candidate, formats=zxingcpp.BarcodeFormat.QRCode)
        for result in results:
            if result.text:
                return cccd_qr_parse(result.text)
    raise CccdQrError(
        _(
            "No QR code was found in the photo. Put the card on a flat, well-lit surface, hold the "
            "phone steady so the QR code (top right of the card) is sharp and fills much of the picture, "
            "and try again."
        )
    )


# --- MRZ ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MrzData:
    number: str
    full_name: str
    date_of_birth: dt.date | None
    sex: str
    expires_on: dt.date | None


def _yymmdd(value: str, *, future: bool) -> dt.date | None:
    try:
        yy, mm, dd = int(value[:2]), int(value[2:4]), int(value[4:6])
    except ValueError:
        return None
    today = dt.date.today()
    year = 2000 + yy
    if not future and year > today.year:
        year -= 100
    try:
        return dt.date(year, mm, dd)
    except ValueError:
        return None


def mrz_check(text: str) -> tuple[MrzData | None, list[str]]:
    """Verify the 3 × 30 TD1 lines of a CCCD; returns the data and a list of problems."""
    from mrz.base.errors import FieldError
    from mrz.checker.td1 import TD1CodeChecker

    lines = [re.sub(r"\s+", "", line).upper() for line in (text or "").strip().splitlines() if line.strip()]
    if len(lines) != 3 or any(len(line) != 30 for line in lines):
        return None, [_("The MRZ must be exactly 3 lines of 30 characters (letters, digits and <).")]
    if not all(re.fullmatch(r"[A-Z0-9<]{30}", line) for line in lines):
        return None, [_("The MRZ may only contain capital letters, digits and the < sign.")]
    try:
        checker = TD1CodeChecker("\n".join(lines))
    except (FieldError, ValueError, IndexError):
        return None, [_("These lines are not a valid ID-card MRZ.")]
    fields = checker.fields()
    errors = []
    labels = {
        "document number hash": _("check digit of the card number"),
        "birth date hash": _("check digit of the date of birth"),
        "expiry date hash": _("check digit of the expiry date"),
        "final hash": _("overall check digit"),
    }
    for problem in checker.report.errors:
        key = problem.replace("false ", "")
        errors.append(_("Wrong %(what)s.") % {"what": labels.get(key, key)})
    number = fields.optional_data[:12] if re.fullmatch(r"\d{12}", fields.optional_data[:12]) else ""
    if not number:
        errors.append(_("The MRZ does not contain the 12-digit personal identification number."))
    elif number[-9:] != fields.document_number:
        errors.append(_("The card number in the MRZ does not match the personal identification number."))
    if fields.country != "VNM":
        errors.append(_("This is not a Vietnamese ID card (the country code is not VNM)."))
    data = MrzData(
        number=number,
        full_name=" ".join(part for part in (fields.surname, fields.name) if part).strip(),
        date_of_birth=_yymmdd(fields.birth_date, future=False),
        sex={"M": MALE, "F": FEMALE}.get(fields.sex, ""),
        expires_on=_yymmdd(fields.expiry_date, future=True),
    )
    return data, errors
