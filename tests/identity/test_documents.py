import datetime as dt
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from identity import hooks, roles
from identity.models import PersonalDocument
from portal.models import AuditEvent
from tests.catalog.factories import AgencyFactory
from tests.support.images import PNG_BYTES
from tests.support.mfa import staff_login
from tests.support.world import PDF_BYTES

from .conftest import admin_client
from .factories import PersonalDocumentFactory, UserFactory, official

pytestmark = pytest.mark.django_db


def _form(upload, **extra):
    return {"doc_type": "birth_certificate", "title": "Giấy khai sinh", "upload": upload, **extra}


def test_owner_adds_pdf_and_png(client):
    user = UserFactory()
    client.force_login(user)
    for name, data, kind in (("a.pdf", PDF_BYTES, "application/pdf"), ("b.bin", PNG_BYTES, "image/png")):
        response = client.post(reverse("identity:documents"), _form(SimpleUploadedFile(name, data)))
        assert response.status_code == 302
        assert PersonalDocument.objects.filter(owner=user, content_type=kind).exists()
    doc = PersonalDocument.objects.filter(owner=user).first()
    assert not doc.verified and doc.source == "upload"
    page = client.get(reverse("identity:documents"))
    assert "Giấy khai sinh" in page.content.decode()


def test_type_decided_by_content_not_name(client):
    client.force_login(UserFactory())
    fake = SimpleUploadedFile("scan.pdf", b"MZ\x90\x00 this is an executable", content_type="application/pdf")
    page = client.post(reverse("identity:documents"), _form(fake))
    assert page.status_code == 200
    assert "không phải PDF, JPEG hoặc PNG" in page.content.decode()
    assert 'class="error-summary"' in page.content.decode()
    assert not PersonalDocument.objects.exists()


@pytest.mark.parametrize(
    "content",
    [
        b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00<html><script>alert(1)</script></html>",
        PDF_BYTES + b"PK\x03\x04\x14\x00evil.html<html></html>PK\x05\x06" + b"\x00" * 18,
        PNG_BYTES + b"<html><script>alert(1)</script></html>",
    ],
    ids=["jpeg-html", "pdf-zip", "png-html"],
)
def test_polyglots_are_refused(client, content):
    client.force_login(UserFactory())
    page = client.post(reverse("identity:documents"), _form(SimpleUploadedFile("scan.pdf", content)))
    assert "không phải PDF, JPEG hoặc PNG" in page.content.decode()
    assert not PersonalDocument.objects.exists()


def test_size_limit_has_a_clear_message(client, settings):
    settings.IDENTITY_DOCUMENT_MAX_BYTES = 1024 * 1024
    client.force_login(UserFactory())
    big = SimpleUploadedFile("big.pdf", PDF_BYTES + b"0" * (2 * 1024 * 1024))
    page = client.post(reverse("identity:documents"), _form(big))
    assert "mỗi tệp tối đa 1,0\xa0MB" in page.content.decode()


def test_file_served_to_owner_only(client):
    doc = PersonalDocumentFactory()
    client.force_login(doc.owner)
    response = client.get(reverse("identity:document-file", args=[doc.pk]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PDF_BYTES
    assert response["Content-Type"] == "application/pdf"
    client.force_login(UserFactory())
    assert client.get(reverse("identity:document-file", args=[doc.pk])).status_code == 404
    assert not AuditEvent.objects.exists()


def test_official_needs_a_dossier_hook_and_is_audited(client):
    doc = PersonalDocumentFactory()
    agency = AgencyFactory()
    clerk = official(agency, roles.PROCESSING)
    staff_login(client, clerk)
    url = reverse("identity:document-file", args=[doc.pk])
    assert client.get(url).status_code == 404  # default: deny

    hooks.document_access_checker_register(lambda user, document: user.pk == clerk.pk and document.pk == doc.pk)
    response = client.get(url)
    assert response.status_code == 200
    event = AuditEvent.objects.get()
    assert (event.actor, event.subject, event.action) == (clerk, doc.owner, "download")
    assert event.object_id == str(doc.pk)

    # a citizen is never let in by an official-access hook
    client.force_login(UserFactory())
    assert client.get(url).status_code == 404


def test_delete_own_document_only(client):
    doc = PersonalDocumentFactory()
    client.force_login(UserFactory())
    assert client.post(reverse("identity:document-delete", args=[doc.pk])).status_code == 404
    client.force_login(doc.owner)
    assert client.post(reverse("identity:document-delete", args=[doc.pk])).status_code == 302
    assert not PersonalDocument.objects.exists()


def test_admin_document_file_is_audited(client):
    doc = PersonalDocumentFactory()
    clerk = official(AgencyFactory(), roles.INTAKE)
    hooks.document_access_checker_register(lambda user, document: True)
    admin_client(client, clerk)
    # the citizen is outside the clerk's territory: not in the admin list either
    assert client.get(reverse("admin:identity_personaldocument_file", args=[doc.pk])).status_code == 404


def test_export_zip_has_json_and_files(client):
    doc = PersonalDocumentFactory()
    client.force_login(doc.owner)
    response = client.post(reverse("identity:privacy-export"))
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    import json

    data = json.loads(archive.read("data.json"))
    assert data["profile"]["email"] == doc.owner.email
    assert data["documents"][0]["file"] in archive.namelist()
    assert archive.read(data["documents"][0]["file"]) == PDF_BYTES


def test_close_account_blocked_by_open_dossier_then_scrubbed(client):
    doc = PersonalDocumentFactory(owner__personal_id="086190001111", owner__phone="0912345678")
    user = doc.owner
    client.force_login(user)
    hooks.open_dossier_checker_register(lambda u: u.pk == user.pk)
    page = client.post(reverse("identity:privacy"), {"confirm": "on"}, follow=True)
    assert "còn hồ sơ đang giải quyết" in page.content.decode()
    user.refresh_from_db()
    assert user.is_active

    hooks.open_dossier_checkers.clear()
    client.post(reverse("identity:privacy"), {"confirm": "on"})
    user.refresh_from_db()
    assert not user.is_active and user.personal_id is None and user.phone == "" and user.full_name == ""
    assert user.email is None  # no placeholder address: a closed account has none
    assert not PersonalDocument.objects.exists()


# --- Verified documents in the admin (issue 16, finding 7) ---------------------------------------


def _desk(client, *, superuser=False):
    """An intake official (or a superuser) in the admin, and a citizen of the official's province
    whose documents the official may open (as if attached to a dossier they handle)."""
    from tests.support.world import ward_get

    ward = ward_get()
    clerk = official(AgencyFactory(province=ward.province, level="province"), roles.INTAKE, is_superuser=superuser)
    citizen = UserFactory(province=ward.province, ward=ward)
    hooks.document_access_checker_register(lambda user, document: True)
    admin_client(client, clerk)
    return clerk, citizen


def _change(client, doc, **changes):
    data = {"doc_type": doc.doc_type, "title": doc.title, "number": doc.number, "issuer": doc.issuer}
    data |= {"issued_on": "", "expires_on": "2031-01-01"} | changes
    return client.post(reverse("admin:identity_personaldocument_change", args=[doc.pk]), data)


def test_an_official_cannot_change_a_verified_document_in_the_admin(client):
    _clerk, citizen = _desk(client)
    doc = PersonalDocumentFactory(
        owner=citizen, number="086190000111", expires_on=dt.date(2031, 1, 1), verified=True, source="official"
    )
    page = client.get(reverse("admin:identity_personaldocument_change", args=[doc.pk]))
    assert page.status_code == 200 and "086190000111" in page.content.decode()
    assert 'name="number"' not in page.content.decode()  # shown, not editable
    assert _change(client, doc, number="086190999999", expires_on="2040-01-01").status_code == 403
    doc.refresh_from_db()
    assert (doc.number, doc.expires_on, doc.verified) == ("086190000111", dt.date(2031, 1, 1), True)
    assert not AuditEvent.objects.filter(action="change").exists()


def test_an_officials_correction_of_an_unverified_document_is_audited_with_before_and_after(client):
    clerk, citizen = _desk(client)
    doc = PersonalDocumentFactory(owner=citizen, number="AB123", expires_on=dt.date(2031, 1, 1))
    assert _change(client, doc, number="AB124").status_code == 302
    doc.refresh_from_db()
    assert doc.number == "AB124"
    event = AuditEvent.objects.get(action="change")
    assert (event.actor, event.subject, event.object_id) == (clerk, citizen, str(doc.pk))
    assert event.detail == "changed number: AB123 -> AB124"


def test_a_superusers_correction_of_a_verified_document_withdraws_the_verification(client):
    root, citizen = _desk(client, superuser=True)
    doc = PersonalDocumentFactory(
        owner=citizen, number="AB123", expires_on=dt.date(2031, 1, 1), verified=True, source="official"
    )
    assert _change(client, doc, number="AB124").status_code == 302
    doc.refresh_from_db()
    assert (doc.number, doc.verified) == ("AB124", False)
    event = AuditEvent.objects.get(action="change")
    assert event.actor == root and event.detail == "changed number: AB123 -> AB124; verification withdrawn"


def test_the_update_service_refuses_an_official_on_a_verified_document():
    from identity.services import personal_document_update

    clerk = official(AgencyFactory(), roles.INTAKE)
    doc = PersonalDocumentFactory(number="AB123", verified=True)
    with pytest.raises(PermissionDenied, match="Bạn không có quyền xem giấy tờ này"):
        personal_document_update(document=doc, by=clerk, changes={"number": "X"})  # not in a dossier they handle
    hooks.document_access_checker_register(lambda user, document: True)
    with pytest.raises(PermissionDenied, match="Giấy tờ đã được xác nhận thì không thể sửa"):
        personal_document_update(document=doc, by=clerk, changes={"number": "X"})
    doc.refresh_from_db()
    assert doc.number == "AB123"
