import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from catalog.models import Procedure, ProcedureVersion
from catalog.selectors import procedure_version_current
from catalog.services import procedure_publish
from catalog.transfer import catalog_export
from tests.catalog.factories import AgencyFactory, FieldFactory, ProcedureFactory
from tests.portal.factories import WardFactory

pytestmark = pytest.mark.django_db


def eform_rows(schema, prefix="eform"):
    """The e-form editor's POST for a schema: one row per field (what the page sends)."""
    from catalog.forms import EFormFieldForm

    data = {f"{prefix}-TOTAL_FORMS": str(len(schema)), f"{prefix}-INITIAL_FORMS": str(len(schema))}
    for i, field in enumerate(schema):
        for key, value in EFormFieldForm.initial_from(field).items():
            if value is None or value is False:
                continue
            data[f"{prefix}-{i}-{key}"] = "on" if value is True else str(value)
        data[f"{prefix}-{i}-ORDER"] = str(i + 1)
    return data


def change_data(procedure, **overrides):
    data = {
        "code": procedure.code,
        "name": procedure.name,
        "field": procedure.field_id,
        "description": "",
        "requirements": "",
        "level": "province",
        "agencies": [a.pk for a in procedure.agencies.all()],
        "online_level": "full",
        "channel_online": "on",
        "channel_counter": "on",
        "processing_time_value": "15",
        "processing_time_unit": "working_days",
        "min_eid_level": "1",
        "result_description": "",
        "legal_basis": "",
        "fee_timing": "before_intake",
        "refund_on_refusal": "on",
        **eform_rows(procedure.form_schema),
    }
    for prefix in ("documents", "fees", "bundle_parts", "versions"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data["versions-INITIAL_FORMS"] = str(procedure.versions.count())
    data["versions-TOTAL_FORMS"] = str(procedure.versions.count())
    for i, version in enumerate(procedure.versions.order_by("-number")):
        data[f"versions-{i}-id"] = str(version.pk)
        data[f"versions-{i}-procedure"] = str(procedure.pk)
    data.update(overrides)
    return data


def test_editor_edits_drafts_and_schema_errors_are_shown(editor, staff_client):
    client = staff_client(editor)
    procedure = ProcedureFactory()
    url = f"/admin/services/procedure/{procedure.pk}/change/"
    # The same schema check as ever, now on rows: a select field without options is refused.
    bad = eform_rows([{"name": "x", "type": "select", "label": {"vi": "X"}}])
    response = client.post(url, change_data(procedure, **bad))
    assert response.status_code == 200
    assert "cần có ít nhất một lựa chọn" in response.content.decode()
    response = client.post(url, change_data(procedure, name="Tên mới"))
    assert response.status_code == 302, response.content.decode()[:2000]
    procedure.refresh_from_db()
    assert procedure.name == "Tên mới" and procedure.updated_by == editor


def test_editor_cannot_publish_from_the_admin(editor, staff_client):
    client = staff_client(editor)
    procedure = ProcedureFactory()
    html = client.get(f"/admin/services/procedure/{procedure.pk}/change/").content.decode()
    assert "/publish/" not in html
    assert client.post(f"/admin/services/procedure/{procedure.pk}/publish/").status_code == 403
    response = client.post(
        "/admin/services/procedure/", {"action": "publish_selected", "_selected_action": [procedure.pk]}
    )
    assert response.status_code in (200, 302)
    assert not ProcedureVersion.objects.exists()


def test_publisher_publishes_and_unpublishes_from_the_admin(publisher, staff_client):
    client = staff_client(publisher)
    procedure = ProcedureFactory()
    html = client.get(f"/admin/services/procedure/{procedure.pk}/change/").content.decode()
    assert f"/admin/services/procedure/{procedure.pk}/publish/" in html
    assert client.post(f"/admin/services/procedure/{procedure.pk}/publish/").status_code == 302
    assert procedure_version_current(procedure.code).published_by == publisher
    # Unpublishing asks for a reason and a confirmation.
    url = f"/admin/services/procedure/{procedure.pk}/unpublish/"
    assert "Ngừng công bố" in client.get(url).content.decode()
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200 and procedure_version_current(procedure.code) is not None
    assert client.post(url, {"reason": "Thủ tục đã được bãi bỏ"}).status_code == 302
    assert procedure_version_current(procedure.code) is None


def test_publish_errors_are_reported(publisher, staff_client):
    client = staff_client(publisher)
    procedure = ProcedureFactory(agencies=[])
    response = client.post(f"/admin/services/procedure/{procedure.pk}/publish/", follow=True)
    assert "Hãy chọn ít nhất một cơ quan thực hiện" in response.content.decode()


def test_preview_renders_the_eform(editor, staff_client):
    WardFactory()
    client = staff_client(editor)
    schema = [
        {"name": "home", "type": "address", "label": {"vi": "Nơi cư trú", "en": "Residence"}, "required": True},
        {"name": "born", "type": "date", "label": {"vi": "Ngày sinh", "en": "Born"}},
    ]
    procedure = ProcedureFactory(form_schema=schema)
    html = client.get(f"/admin/services/procedure/{procedure.pk}/preview/").content.decode()
    assert "Nơi cư trú" in html and 'type="date"' in html and "Chọn tỉnh/thành phố trước" in html
    assert "Residence" in client.get(f"/admin/services/procedure/{procedure.pk}/preview/?lang=en").content.decode()


def test_export_and_import_from_the_admin(publisher, editor, staff_client):
    procedure = ProcedureFactory(code="1.001193", agencies=[AgencyFactory(code="000.00.11.H62")], field=FieldFactory())
    client = staff_client(editor)
    response = client.get("/admin/services/procedure/export/")
    data = json.loads(response.content)
    assert data["procedures"][0]["code"] == "1.001193"
    data["procedures"][0]["name"] = "Đăng ký khai sinh (nhập lại)"
    upload = SimpleUploadedFile("c.json", json.dumps(data).encode(), content_type="application/json")
    response = client.post("/admin/services/procedure/import/", {"file": upload})
    assert response.status_code == 302
    procedure.refresh_from_db()
    assert procedure.name == "Đăng ký khai sinh (nhập lại)"
    upload = SimpleUploadedFile("c.json", json.dumps(data).encode())
    assert client.post("/admin/services/procedure/import/", {"file": upload, "publish": "on"}).status_code == 403
    client = staff_client(publisher)
    upload = SimpleUploadedFile("c.json", json.dumps(catalog_export()).encode())
    # a publisher publishes but does not edit drafts, so cannot import
    assert client.post("/admin/services/procedure/import/", {"file": upload, "publish": "on"}).status_code == 403


def test_version_history_is_read_only(publisher, staff_client):
    procedure = ProcedureFactory()
    version = procedure_publish(procedure=procedure, by=publisher)
    client = staff_client(publisher)
    response = client.get(f"/admin/services/procedureversion/{version.pk}/change/")
    assert response.status_code == 200
    assert procedure.name in response.content.decode()
    client.post(f"/admin/services/procedureversion/{version.pk}/change/", {"name": "Sửa"})
    version.refresh_from_db()
    assert version.name == procedure.name
    assert Procedure.objects.count() == 1
