"""Text helpers for payments: amounts in Vietnamese words (receipts) and diacritic-free text
(VNPay's vnp_OrderInfo must be plain ASCII)."""

import re
from decimal import Decimal

from portal.kernel.text import text_fold

DIGITS = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín"]
GROUP_NAMES = ["", "nghìn", "triệu"]


def ascii_fold(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9 .,:_\-/]", "", text_fold(text))[:255]


def _triple(n: int, full: bool) -> list[str]:
    """Words of 0 <= n <= 999; `full` when a higher group was already read (say 'không trăm', 'linh')."""
    hundreds, tens, units = n // 100, n // 10 % 10, n % 10
    words: list[str] = []
    if full or hundreds:
        words += [DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if full or hundreds:
                words.append("linh")
            words.append(DIGITS[units])
    elif tens == 1:
        words.append("mười")
        if units == 5:
            words.append("lăm")
        elif units:
            words.append(DIGITS[units])
    else:
        words += [DIGITS[tens], "mươi"]
        if units == 1:
            words.append("mốt")
        elif units == 5:
            words.append("lăm")
        elif units:
            words.append(DIGITS[units])
    return words


def _group_name(index: int) -> str:
    return " ".join(filter(None, [GROUP_NAMES[index % 3], *(["tỷ"] * (index // 3))]))


def amount_in_words_vi(amount: Decimal) -> str:
    """A whole-VND amount in Vietnamese words, e.g. 135000 -> 'Một trăm ba mươi lăm nghìn đồng'."""
    value = int(Decimal(amount).to_integral_value())
    if value < 0:
        raise ValueError("amount must not be negative")
    if value == 0:
        return "Không đồng"
    groups = []
    while value:
        groups.append(value % 1000)
        value //= 1000
    words: list[str] = []
    for index in range(len(groups) - 1, -1, -1):
        group = groups[index]
        if group == 0:
            continue
        words += _triple(group, full=bool(words))
        name = _group_name(index)
        if name:
            words.append(name)
    text = " ".join(words) + " đồng"
    return text[0].upper() + text[1:]


def vnd(amount) -> str:
    """135000 -> '135.000' (Vietnamese thousands separator)."""
    return f"{int(amount):,}".replace(",", ".")
