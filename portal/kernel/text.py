"""Vietnamese accent folding: the one function that turns "Đăng ký" into "Dang ky" for search,
SMS and payment gateways that accept only plain text."""

import unicodedata

# Letters that are not a base letter plus a combining mark, so decomposition leaves them alone.
_LETTERS = str.maketrans({"đ": "d", "Đ": "D", "Ð": "D"})  # U+00D0 is often typed for Đ


def text_fold(text: str) -> str:
    """'Đăng ký KHAI SÍNH' -> 'Dang ky KHAI SINH': đ→d, diacritics dropped, case and spacing kept.

    Compatibility forms fold too (full-width letters, '²' → '2'), as phones' keyboards type them.
    """
    decomposed = unicodedata.normalize("NFKD", (text or "").translate(_LETTERS))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
