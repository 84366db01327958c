"""The one file response: the same headers on every download, a missing file is a 404."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models.fields.files import FieldFile, FileField
from django.http import Http404

from portal.kernel.files import file_response


def _field_file(name: str) -> FieldFile:
    field = FileField(name="file")
    field.storage = default_storage
    return FieldFile(instance=None, field=field, name=name)


def test_a_private_file_is_never_cached_nor_sniffed():
    response = file_response(io.BytesIO(b"%PDF-1.4"), filename="bien-lai-1.pdf", content_type="application/pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="bien-lai-1.pdf"'
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == b"%PDF-1.4"


def test_a_public_template_is_an_attachment_with_a_vietnamese_name():
    response = file_response(io.BytesIO(b"x"), filename="Tờ khai.docx", attachment=True, private=False)
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''T%E1%BB%9D%20khai.docx")
    assert "Cache-Control" not in response
    assert response["Content-Type"] == "application/octet-stream"


def test_a_stored_file_is_opened_and_a_missing_one_is_a_404():
    name = default_storage.save("kernel-files/receipt.pdf", ContentFile(b"%PDF-1.7"))
    response = file_response(_field_file(name), filename="r.pdf", content_type="application/pdf")
    assert b"".join(response.streaming_content) == b"%PDF-1.7"
    with pytest.raises(Http404, match=r"^$"):
        file_response(_field_file("kernel-files/gone.pdf"), filename="gone.pdf")
