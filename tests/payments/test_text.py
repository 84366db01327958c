from decimal import Decimal

import pytest

from payments.text import amount_in_words_vi, ascii_fold, vnd


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (0, "Không đồng"),
        (5, "Năm đồng"),
        (15, "Mười lăm đồng"),
        (21, "Hai mươi mốt đồng"),
        (105, "Một trăm linh năm đồng"),
        (50000, "Năm mươi nghìn đồng"),
        (135000, "Một trăm ba mươi lăm nghìn đồng"),
        (1000000, "Một triệu đồng"),
        (1005000, "Một triệu không trăm linh năm nghìn đồng"),
        (2550000, "Hai triệu năm trăm năm mươi nghìn đồng"),
        (3000021, "Ba triệu không trăm hai mươi mốt đồng"),
        (1200000000, "Một tỷ hai trăm triệu đồng"),
        (1000000000000, "Một nghìn tỷ đồng"),
    ],
)
def test_amount_in_words_vi(amount, words):
    assert amount_in_words_vi(Decimal(amount)) == words


def test_amount_in_words_rejects_negative():
    with pytest.raises(ValueError, match="amount must not be negative"):
        amount_in_words_vi(Decimal(-1))


def test_ascii_fold_and_vnd():
    assert ascii_fold("Thanh toán lệ phí hồ sơ Đăng ký") == "Thanh toan le phi ho so Dang ky"
    assert vnd(Decimal(1350000)) == "1.350.000"
