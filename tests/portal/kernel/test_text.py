from portal.kernel.text import text_fold


def test_vietnamese_accents_fold_to_plain_letters():
    assert text_fold("Đăng ký KHAI SINH cho bé Nguyễn Thị Hường") == "Dang ky KHAI SINH cho be Nguyen Thi Huong"
    assert text_fold("ư Ư ơ Ờ ỹ Ỵ ắ Ặ") == "u U o O y Y a A"


def test_d_with_stroke_and_its_look_alike_fold_to_d():
    assert text_fold("đường Đồng Khởi") == "duong Dong Khoi"
    assert text_fold("Ðặng Văn Ðạt") == "Dang Van Dat"  # U+00D0 typed for Đ


def test_text_already_decomposed_or_in_compatibility_form_folds_the_same():
    decomposed = "Nguye\u0302\u0303n"  # e + circumflex + tilde, as some keyboards send it
    assert text_fold(decomposed) == "Nguyen"
    assert text_fold("Ｈồ sơ ２") == "Ho so 2"  # full-width letters and digits


def test_spacing_case_and_empty_input_are_kept():
    assert text_fold("  Thường  trú\n") == "  Thuong  tru\n"
    assert text_fold("") == ""
    assert text_fold(None) == ""
