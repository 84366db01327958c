"""Upload attacks against the dossier documents step and the personal document store: each
hostile file is refused with a reason in Vietnamese, and nothing lands outside the media root."""

import os
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.support.html import by_class, is_vietnamese, texts
from tests.support.world import PDF_BYTES

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
EXE = b"MZ\x90\x00" + b"\x00" * 60 + b"This program cannot be run in DOS mode."
SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
# A JPEG start-of-image marker followed by an HTML page: sniffed as JPEG by a header-only check.
JPEG_HTML_POLYGLOT = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + HTML
# A valid PDF with a ZIP archive (local file header) appended after %%EOF.
PDF_ZIP_POLYGLOT = (
    PDF_BYTES + b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"evil.html" + HTML + b"PK\x05\x06" + b"\x00" * 18
)


def _documents_url(world) -> str:
    return f"/ho-so/{world.draft.pk}/buoc/documents/"


def _post_documents(client, world, *files, action="upload"):
    return client.post(_documents_url(world), {"action": action, "file_to-khai": list(files)})


def _refusal(response) -> list[str]:
    return texts(response, f"{by_class('field-error')}//li") or texts(response, f"{by_class('error-summary')}//li")


def _stored_files(world):
    return list(world.draft.files.exclude(file=""))


def _assert_refused(response, world, before: int) -> str:
    assert response.status_code == 400, response.status_code
    reasons = _refusal(response)
    assert reasons, "no reason shown next to the field"
    assert all(is_vietnamese(r) for r in reasons), reasons
    assert len(_stored_files(world)) == before
    return reasons[0]


@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param("to-khai.pdf", HTML, id="html-named-pdf"),
        pytest.param("to-khai.pdf", EXE, id="exe-named-pdf"),
        pytest.param("anh.png", SVG, id="svg-script-named-png"),
        pytest.param("to-khai.pdf", b"", id="empty"),
    ],
)
def test_wrong_type_with_the_right_extension_is_refused(owner_client, world, name, content):
    before = len(_stored_files(world))
    response = _post_documents(owner_client, world, SimpleUploadedFile(name, content, content_type="application/pdf"))
    _assert_refused(response, world, before)


def test_a_png_named_pdf_is_stored_as_what_it_really_is(owner_client, world):
    """The type is decided by the content: a PNG named .pdf is never stored or served as a PDF."""
    before = len(_stored_files(world))
    response = _post_documents(
        owner_client, world, SimpleUploadedFile("to-khai.pdf", PNG, content_type="application/pdf")
    )
    if response.status_code == 400:
        _assert_refused(response, world, before)
        return
    assert response.status_code == 302
    row = world.draft.files.order_by("-pk").first()
    assert row.content_type == "image/png"
    served = owner_client.get(f"/ho-so/{world.draft.pk}/tep/{row.pk}/")
    assert served.status_code == 200
    assert served["Content-Type"] == "image/png"
    assert served["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param("anh-cccd.jpg", JPEG_HTML_POLYGLOT, id="jpeg-html"),
        pytest.param("to-khai.pdf", PDF_ZIP_POLYGLOT, id="pdf-zip"),
    ],
)
def test_polyglot_files_are_refused(owner_client, world, name, content):
    before = len(_stored_files(world))
    response = _post_documents(owner_client, world, SimpleUploadedFile(name, content))
    _assert_refused(response, world, before)


def test_an_oversized_file_is_refused_with_the_limit_in_the_reason(owner_client, world, settings):
    settings.DOSSIER_UPLOAD_MAX_FILE_SIZE = 4096
    before = len(_stored_files(world))
    big = PDF_BYTES + b"%" + b"0" * 5000 + b"\n%%EOF\n"
    response = _post_documents(owner_client, world, SimpleUploadedFile("to-khai.pdf", big))
    reason = _assert_refused(response, world, before)
    assert "4" in reason  # the limit (4 KB / 4,0 KB) is named


def test_too_many_files_are_refused(owner_client, world, settings):
    existing = len(_stored_files(world))
    settings.DOSSIER_UPLOAD_MAX_FILES = existing + 2
    files = [SimpleUploadedFile(f"trang-{i}.pdf", PDF_BYTES) for i in range(3)]
    response = _post_documents(owner_client, world, *files)
    assert response.status_code == 400
    reasons = _refusal(response)
    assert len(reasons) == 1 and is_vietnamese(reasons[0]), reasons
    assert len(_stored_files(world)) == existing + 2


def test_a_dossier_cannot_grow_past_its_total_size(owner_client, world, settings):
    settings.DOSSIER_UPLOAD_MAX_TOTAL_SIZE = sum(f.size for f in _stored_files(world)) + len(PDF_BYTES) + 10
    before = len(_stored_files(world))
    response = _post_documents(owner_client, world, *[SimpleUploadedFile(f"p{i}.pdf", PDF_BYTES) for i in range(2)])
    assert response.status_code == 400
    assert len(_stored_files(world)) == before + 1


TRICKY_NAMES = [
    pytest.param("../../../../etc/passwd.pdf", id="dot-dot"),
    pytest.param("..\\..\\..\\windows\\win.ini.pdf", id="backslashes"),
    pytest.param("/etc/cron.d/evil.pdf", id="absolute"),
    pytest.param("to-khai.pdf\x00.html", id="nul-byte"),
    pytest.param("a" * 400 + ".pdf", id="very-long"),
    pytest.param("<script>alert(1)</script>.pdf", id="html-in-name"),
    pytest.param("Tờ khai đăng ký khai sinh (bản chính).pdf", id="vietnamese"),
]


def _all_files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("name", TRICKY_NAMES)
def test_names_with_path_tricks_never_escape_the_media_root(owner_client, world, settings, tmp_path, name):
    media_root = Path(settings.MEDIA_ROOT).resolve()
    outside_before = _all_files(tmp_path) - _all_files(media_root) if media_root.exists() else _all_files(tmp_path)
    response = _post_documents(owner_client, world, SimpleUploadedFile(name, PDF_BYTES))
    assert response.status_code in (302, 400)
    if response.status_code == 400:
        assert all(is_vietnamese(r) for r in _refusal(response))
    for row in _stored_files(world):
        path = Path(row.file.path).resolve()
        assert media_root in path.parents, path
        assert ".." not in row.file.name and "\x00" not in row.file.name and "\\" not in row.file.name
        assert len(os.path.basename(row.file.name)) <= 255
    outside_after = _all_files(tmp_path) - _all_files(media_root)
    assert outside_after == outside_before
    assert not Path("/etc/passwd.pdf").exists() and not Path("/etc/cron.d/evil.pdf").exists()


def test_the_name_shown_back_is_escaped(owner_client, world):
    _post_documents(owner_client, world, SimpleUploadedFile("<img src=x onerror=alert(1)>.pdf", PDF_BYTES))
    page = owner_client.get(_documents_url(world)).content.decode()
    assert "<img src=x onerror" not in page


# --- The personal document store (identity) ---------------------------------------------------------


def _store_post(client, name, content):
    return client.post(
        "/tai-khoan/giay-to/",
        {
            "doc_type": "birth_certificate",
            "title": "Giấy khai sinh",
            "upload": SimpleUploadedFile(name, content),
            "number": "",
            "issuer": "",
        },
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param("giay-to.pdf", HTML, id="html-named-pdf"),
        pytest.param("giay-to.pdf", EXE, id="exe-named-pdf"),
        pytest.param("anh.jpg", JPEG_HTML_POLYGLOT, id="jpeg-html-polyglot"),
        pytest.param("giay-to.pdf", PDF_ZIP_POLYGLOT, id="pdf-zip-polyglot"),
    ],
)
def test_document_store_refuses_hostile_files(owner_client, world, name, content):
    before = world.owner.documents.count()
    response = _store_post(owner_client, name, content)
    assert response.status_code in (200, 400)
    reasons = texts(response, f"{by_class('field-error')}//li") or texts(response, f"{by_class('error-summary')}//li")
    assert reasons and all(is_vietnamese(r) for r in reasons), reasons
    assert world.owner.documents.count() == before


def test_document_store_refuses_an_oversized_file(owner_client, world, settings):
    settings.IDENTITY_DOCUMENT_MAX_BYTES = 4096
    before = world.owner.documents.count()
    response = _store_post(owner_client, "giay-to.pdf", PDF_BYTES + b"0" * 5000)
    reasons = texts(response, f"{by_class('field-error')}//li") or texts(response, f"{by_class('error-summary')}//li")
    assert reasons and all(is_vietnamese(r) for r in reasons), reasons
    assert world.owner.documents.count() == before


@pytest.mark.parametrize("name", TRICKY_NAMES)
def test_document_store_names_never_escape_the_media_root(owner_client, world, settings, name):
    media_root = Path(settings.MEDIA_ROOT).resolve()
    _store_post(owner_client, name, PDF_BYTES)
    for document in world.owner.documents.exclude(file=""):
        path = Path(document.file.path).resolve()
        assert media_root in path.parents, path
        assert ".." not in document.file.name and "\x00" not in document.file.name
