import io

import pytest
from pypdf import PdfReader

from bench.pdf_render import sample_context
from portal.pdf import PdfResourceError, _make_url_fetcher, pdf_render, qr_data_uri


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_receipt_keeps_vietnamese_diacritics_exactly():
    pdf = pdf_render(template_name="pdf/sample_receipt.html", context=sample_context())
    assert pdf.startswith(b"%PDF-")
    text = _text(pdf)
    assert "Nguyễn Thị Hường" in text
    assert "Trần Văn Đức" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "000.00.31.H57-261122-0001" in text


def test_fonts_are_embedded_noto():
    pdf = pdf_render(template_name="pdf/sample_receipt.html", context=sample_context())
    reader = PdfReader(io.BytesIO(pdf))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts.add(str(font["/BaseFont"]))
            descendant = font.get("/DescendantFonts")
            descriptor = (descendant[0].get_object() if descendant else font).get("/FontDescriptor")
            if descriptor is not None:
                descriptor = descriptor.get_object()
                assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
    assert any("Noto-Serif" in name for name in fonts), fonts


def test_a5_page_size_and_page_numbers():
    pdf = pdf_render(template_name="pdf/sample_receipt.html", context=sample_context())
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    width_mm = float(page.mediabox.width) / 72 * 25.4
    height_mm = float(page.mediabox.height) / 72 * 25.4
    assert round(width_mm) == 148 and round(height_mm) == 210
    assert "1/1" in _text(pdf)


def test_base_template_defaults_to_a4(tmp_path, settings):
    template_dir = tmp_path / "tpl"
    (template_dir / "x").mkdir(parents=True)
    (template_dir / "x" / "a4.html").write_text(
        '{% extends "pdf/base.html" %}{% block content %}<p>A4</p>{% endblock %}'
    )
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [template_dir, *settings.TEMPLATES[0]["DIRS"]]}]
    page = PdfReader(io.BytesIO(pdf_render(template_name="x/a4.html", context={}))).pages[0]
    assert round(float(page.mediabox.width) / 72 * 25.4) == 210


def test_qr_code_is_a_png_data_uri_and_lands_in_the_pdf():
    uri = qr_data_uri("https://dichvucong.example.vn/tra-cuu/000.00.31.H57-261122-0001/")
    assert uri.startswith("data:image/png;base64,")
    pdf = pdf_render(template_name="pdf/sample_receipt.html", context=sample_context())
    without_qr = pdf_render(template_name="pdf/sample_receipt.html", context={**sample_context(), "qr_image": ""})
    # The QR is embedded as an image XObject: the page content grows when it is present.
    reader = PdfReader(io.BytesIO(pdf))
    resources = reader.pages[0]["/Resources"]
    assert "/XObject" in resources or len(pdf) > len(without_qr) + 500


def test_qr_decodes_back_to_the_url():
    zxingcpp = pytest.importorskip("zxingcpp")
    import segno
    from PIL import Image

    url = "https://dichvucong.example.vn/tra-cuu/ABC/"
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=6)
    assert qr_data_uri(url).startswith("data:image/png;base64,")
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(buffer.getvalue())))
    assert results and results[0].text == url


def test_url_fetcher_refuses_network_and_files_outside_static():
    fetcher = _make_url_fetcher()
    with pytest.raises(PdfResourceError, match=r"refused: http://example\.com/logo\.png"):
        fetcher.fetch("http://example.com/logo.png")
    with pytest.raises(PdfResourceError, match="refused: file:///etc/passwd"):
        fetcher.fetch("file:///etc/passwd")
    assert fetcher.fetch("/static/img/emblem.svg").read().lstrip().startswith(b"<")


def test_remote_image_is_not_fetched():
    # A remote resource is refused by the fetcher; the PDF still renders without it.
    pdf = pdf_render(
        template_name="pdf/sample_receipt.html", context={**sample_context(), "qr_image": "http://192.0.2.1/x.png"}
    )
    assert "Nguyễn Thị Hường" in _text(pdf)


def test_footer_text_is_printed_as_is(settings):
    settings.PORTAL_NAME = 'Cổng Dịch vụ công - tỉnh "Vĩnh Long"'
    text = _text(pdf_render(template_name="pdf/sample_receipt.html", context=sample_context()))
    assert 'Cổng Dịch vụ công - tỉnh "Vĩnh Long"' in text


def test_threads_render_at_the_same_time():
    from concurrent.futures import ThreadPoolExecutor

    def render(i):
        context = {**sample_context(), "citizen_name": f"Nguyễn Thị Hường {i}"}
        return _text(pdf_render(template_name="pdf/sample_receipt.html", context=context))

    with ThreadPoolExecutor(max_workers=3) as pool:
        texts = list(pool.map(render, range(6)))
    for i, text in enumerate(texts):
        assert f"Nguyễn Thị Hường {i}" in text


def test_documents_are_vietnamese_whatever_the_active_language():
    from django.utils import translation

    with translation.override("en"):
        text = _text(pdf_render(template_name="pdf/sample_receipt.html", context=sample_context()))
        english = _text(pdf_render(template_name="pdf/sample_receipt.html", context=sample_context(), language="en"))
    assert "Người nộp hồ sơ:" in text and "Trang 1/1" in text
    assert "Applicant:" in english and "Page 1/1" in english
