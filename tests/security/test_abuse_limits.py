"""Abuse limits on files: images are checked for their declared size before anything decodes
them, the personal document store uses the same strict checker as dossiers and has a quota, and
a stored document sent with a dossier cannot be deleted from under it (no 500)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from identity.models import PersonalDocument
from tests.support.html import by_class, is_vietnamese, texts
from tests.support.images import jpeg_with_comment, png_declaring
from tests.support.world import PDF_BYTES

pytestmark = pytest.mark.django_db

BOMB = png_declaring(14000, 14000)
TOO_LARGE = "Ảnh quá lớn"
HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"
# A well-formed PDF that carries a web page in a stream: it still ends at %%EOF.
PDF_WITH_HTML = PDF_BYTES.replace(b"xref\n", b"4 0 obj<</Length 66>>stream\n" + HTML + b"\nendstream endobj\nxref\n")


def _errors(response) -> list[str]:
    return texts(response, f"{by_class('field-error')}//li") or texts(response, f"{by_class('error-summary')}//li")


def _store_post(client, name, content):
    return client.post(
        "/tai-khoan/giay-to/",
        {"doc_type": "birth_certificate", "title": "Giấy khai sinh", "upload": SimpleUploadedFile(name, content)},
    )


# --- images declaring a huge size --------------------------------------------------------------


def test_the_bomb_is_a_small_file():
    assert len(BOMB) < 200


def test_a_png_declaring_14000_px_is_refused_by_the_document_store(owner_client, world):
    before = world.owner.documents.count()
    response = _store_post(owner_client, "anh.png", BOMB)
    assert response.status_code == 200
    assert any(TOO_LARGE in error for error in _errors(response)), _errors(response)
    assert world.owner.documents.count() == before


def test_a_png_declaring_14000_px_is_refused_by_the_dossier_documents_step(owner_client, world):
    before = world.draft.files.count()
    response = owner_client.post(
        f"/ho-so/{world.draft.pk}/buoc/documents/",
        {"action": "upload", "file_to-khai": [SimpleUploadedFile("anh.png", BOMB)]},
    )
    assert response.status_code == 400  # the step's form page, with the reason next to the field
    assert any(TOO_LARGE in error for error in _errors(response)), _errors(response)
    assert world.draft.files.count() == before


def test_a_png_declaring_14000_px_is_refused_by_the_cccd_qr_reader(owner_client):
    response = owner_client.post("/tai-khoan/cccd-qr/", {"photo": SimpleUploadedFile("cccd.png", BOMB)})
    assert response.status_code == 200
    assert TOO_LARGE in response.content.decode()


def test_the_pixel_limit_is_a_setting(owner_client, settings):
    settings.UPLOAD_IMAGE_MAX_PIXELS = 1000 * 1000
    response = owner_client.post(
        "/tai-khoan/cccd-qr/", {"photo": SimpleUploadedFile("cccd.png", png_declaring(1200, 1000))}
    )
    assert response.status_code == 200
    assert "hơn 1 megapixel" in response.content.decode()


# --- the document store uses the dossiers' strict checker --------------------------------------


@pytest.mark.parametrize(
    ("name", "content"),
    [
        pytest.param("giay-to.pdf", PDF_WITH_HTML, id="html-inside-pdf"),
        pytest.param("anh.jpg", jpeg_with_comment(HTML), id="jpeg-html-comment"),
    ],
)
def test_document_store_refuses_what_the_dossier_upload_refuses(owner_client, world, name, content):
    before = world.owner.documents.count()
    response = _store_post(owner_client, name, content)
    assert response.status_code == 200
    errors = _errors(response)
    assert errors and all(is_vietnamese(e) for e in errors), errors
    assert world.owner.documents.count() == before


def test_a_plain_jpeg_with_a_harmless_comment_is_accepted(owner_client, world):
    response = _store_post(owner_client, "anh.jpg", jpeg_with_comment(b"Canon EOS"))
    assert response.status_code == 302
    assert world.owner.documents.filter(content_type="image/jpeg").exists()


def test_document_store_quota_by_count(owner_client, world, settings):
    settings.DOCUMENT_STORE_MAX_FILES = world.owner.documents.count() + 1
    assert _store_post(owner_client, "a.pdf", PDF_BYTES).status_code == 302
    response = _store_post(owner_client, "b.pdf", PDF_BYTES)
    assert response.status_code == 200
    assert any("là số tối đa được lưu" in e for e in _errors(response)), _errors(response)
    assert world.owner.documents.count() == settings.DOCUMENT_STORE_MAX_FILES


def test_document_store_quota_by_bytes(owner_client, world, settings):
    used = sum(world.owner.documents.values_list("size", flat=True))
    settings.DOCUMENT_STORE_MAX_BYTES = used + len(PDF_BYTES) + 10
    assert _store_post(owner_client, "a.pdf", PDF_BYTES).status_code == 302
    response = _store_post(owner_client, "b.pdf", PDF_BYTES)
    assert response.status_code == 200
    assert any("kho dữ liệu cá nhân của bạn vượt quá" in e for e in _errors(response)), _errors(response)


# --- deleting a document that was used in a dossier --------------------------------------------


def _sent_with(world, document):
    from dossiers import services

    draft = services.dossier_draft_create(citizen=world.owner, procedure_version=world.version)
    draft = services.dossier_draft_update(dossier=draft, by=world.owner, form_data={"child_name": "Nguyễn Văn Bé"})
    services.dossier_file_add(dossier=draft, by=world.owner, doc_key="to-khai", personal_document=document)
    return services.dossier_submit(dossier=draft, by=world.owner)


def _messages(response) -> str:
    return " ".join(texts(response, "//*[@role='alert' or @role='status']")) or response.content.decode()


def test_a_document_sent_with_a_dossier_cannot_be_deleted(owner_client, world):
    document = world.personal_document
    dossier = _sent_with(world, document)
    response = owner_client.post(f"/tai-khoan/giay-to/{document.pk}/xoa/", follow=True)
    assert response.status_code == 200
    text = _messages(response)
    assert "không thể xóa" in text and dossier.code in text
    assert PersonalDocument.objects.filter(pk=document.pk).exists()


def test_a_document_only_in_a_draft_is_deleted_and_leaves_the_draft(owner_client, world):
    from dossiers import services

    document = world.personal_document
    services.dossier_file_add(dossier=world.draft, by=world.owner, doc_key="to-khai", personal_document=document)
    others = world.draft.files.exclude(personal_document=document).count()
    response = owner_client.post(f"/tai-khoan/giay-to/{document.pk}/xoa/", follow=True)
    assert response.status_code == 200
    assert not PersonalDocument.objects.filter(pk=document.pk).exists()
    assert world.draft.files.count() == others


def test_closing_the_account_keeps_documents_sent_with_dossiers(owner_client, world):
    from dossiers import services

    sent = world.personal_document
    dossier = _sent_with(world, sent)
    for open_dossier in (dossier, world.dossier):
        services.dossier_withdraw(dossier=open_dossier, by=world.owner, reason="Không cần nữa")
    unused = world.owner.documents.exclude(pk=sent.pk)
    assert _store_post(owner_client, "khac.pdf", PDF_BYTES).status_code == 302
    unused_ids = list(unused.values_list("pk", flat=True))

    response = owner_client.post("/tai-khoan/quyen-rieng-tu/", {"confirm": "on"}, follow=True)

    assert response.status_code == 200
    assert "được lưu lại cùng các hồ sơ đó" in response.content.decode()
    world.owner.refresh_from_db()
    assert not world.owner.is_active and world.owner.personal_id is None
    assert PersonalDocument.objects.filter(pk=sent.pk).exists()
    assert not PersonalDocument.objects.filter(pk__in=unused_ids).exists()
