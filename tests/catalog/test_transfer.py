import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from catalog.models import Agency, BundlePart, Field, Procedure
from catalog.selectors import procedure_version_current
from catalog.services import CatalogError
from catalog.transfer import catalog_export, catalog_import
from tests.catalog.factories import AgencyFactory, FeeLineFactory, ProcedureFactory, RequiredDocumentFactory

pytestmark = pytest.mark.django_db


def _build():
    parent = AgencyFactory(code="000.00.31.H62", name="UBND tỉnh Vĩnh Long")
    child = AgencyFactory(code="000.11.31.H62", name="Sở Tư pháp", parent=parent, address="Số 1", opening_hours="7:00")
    birth = ProcedureFactory(code="1.001193", name="Đăng ký khai sinh", agencies=[child])
    doc = RequiredDocumentFactory(procedure=birth, key="to-khai", reusable_kinds=["eid:identity"])
    doc.template.save("to-khai.txt", ContentFile(b"TO KHAI"), save=True)
    FeeLineFactory(procedure=birth, amount=8000, note="Miễn cho hộ nghèo")
    bundle = ProcedureFactory(code="2.000986", name="Liên thông khai sinh", is_bundle=True, agencies=[child])
    BundlePart.objects.create(bundle=bundle, name="Khai sinh", agency=child, procedure=birth, position=0)
    BundlePart.objects.create(bundle=bundle, name="Cấp thẻ BHYT", agency=parent, position=1)


def _strip(doc):
    doc = json.loads(json.dumps(doc))
    doc.pop("exported_at")
    for procedure in doc["procedures"]:
        for document in procedure["documents"]:
            if document["template"]:  # storage may add a suffix when the old file is still there
                document["template"]["name"] = document["template"]["name"].split("_")[0].split(".")[0]
    return doc


def test_round_trip_into_an_empty_catalog_and_idempotent(tmp_path):
    _build()
    exported = catalog_export()
    path = tmp_path / "catalog.json"
    call_command("export_catalog", output=str(path))
    assert _strip(json.loads(path.read_text())) == _strip(exported)

    BundlePart.objects.all().delete()
    Procedure.objects.all().delete()
    Agency.objects.update(parent=None)
    Agency.objects.all().delete()
    Field.objects.all().delete()

    call_command("import_catalog", str(path))
    assert _strip(catalog_export()) == _strip(exported)
    assert Procedure.objects.get(code="1.001193").documents.get().template.read() == b"TO KHAI"
    assert Agency.objects.get(code="000.11.31.H62").parent.code == "000.00.31.H62"

    report = catalog_import(data=json.loads(path.read_text()))  # again: nothing new
    assert report["procedures"] == {"created": 0, "updated": 2}
    assert report["agencies"] == {"created": 0, "updated": 2}
    assert _strip(catalog_export()) == _strip(exported)
    assert Procedure.objects.count() == 2


def test_import_updates_drafts_and_can_publish(tmp_path):
    _build()
    data = catalog_export()
    data["procedures"][0]["name"] = "Đăng ký khai sinh (sửa đổi)"
    data["procedures"][0]["fees"] = []
    catalog_import(data=data)
    birth = Procedure.objects.get(code="1.001193")
    assert birth.name == "Đăng ký khai sinh (sửa đổi)" and not birth.fees.exists()
    assert procedure_version_current("1.001193") is None  # a draft only
    path = tmp_path / "c.json"
    path.write_text(json.dumps(data, ensure_ascii=False))
    call_command("import_catalog", str(path), "--publish")
    assert procedure_version_current("1.001193").name == "Đăng ký khai sinh (sửa đổi)"
    assert procedure_version_current("2.000986").snapshot["bundle_parts"][0]["procedure_code"] == "1.001193"


def test_import_refuses_bad_documents_and_writes_nothing(tmp_path):
    _build()
    data = catalog_export()
    data["procedures"][0]["field"] = "khong-co"
    data["procedures"][1]["form_schema"] = [{"name": "x", "type": "colour", "label": {"vi": "X"}}]
    data["procedures"][1]["name"] = "Đổi tên"
    with pytest.raises(CatalogError, match="không có lĩnh vực khong-co") as exc:
        catalog_import(data=data)
    assert len(exc.value.messages) == 2
    assert Procedure.objects.get(code="2.000986").name == "Liên thông khai sinh"
    path = tmp_path / "bad.json"
    path.write_text('{"format": "other"}')
    with pytest.raises(CommandError, match="Đây không phải tệp xuất danh mục"):
        call_command("import_catalog", str(path))


# --- Who may change agencies (issue 16, finding 3) ----------------------------------------------


def _communes():
    province = AgencyFactory(code="000.00.00.H62", name="UBND tỉnh Vĩnh Long", level=Agency.Level.PROVINCE)
    mine = AgencyFactory(code="000.00.21.H62", name="UBND xã Phú Thuận", level=Agency.Level.COMMUNE, parent=province)
    other = AgencyFactory(code="000.00.22.H62", name="UBND xã An Hiệp", level=Agency.Level.COMMUNE, parent=province)
    ProcedureFactory(code="1.001193", name="Đăng ký khai sinh", agencies=[mine])
    return province, mine, other


def _moved(data):
    """The attack of the finding: the commune moved under another and raised to province level."""
    row = next(a for a in data["agencies"] if a["code"] == "000.00.21.H62")
    row.update(parent="000.00.22.H62", level="province", name="UBND xã Phú Thuận (đã sửa)")
    data["procedures"][0]["name"] = "Đăng ký khai sinh (nhập lại)"
    return data


def test_a_catalog_editor_imports_procedures_but_never_changes_an_agency(editor):
    province, mine, _other = _communes()
    report = catalog_import(data=_moved(catalog_export()), by=editor)
    mine.refresh_from_db()
    assert (mine.parent_id, mine.level, mine.name) == (province.pk, "commune", "UBND xã Phú Thuận")
    assert Procedure.objects.get(code="1.001193").name == "Đăng ký khai sinh (nhập lại)"
    assert report["agencies"] == {"created": 0, "updated": 0}
    [note] = report["notes"]
    assert note == (
        "Cơ quan 000.00.21.H62 không được thay đổi (tệp khác ở: tên, cấp, cơ quan cấp trên): "
        "bạn không có quyền sửa cơ quan."
    )


def test_the_admin_import_tells_the_editor_in_vietnamese_that_agencies_were_left_alone(editor, staff_client):
    province, mine, _other = _communes()
    client = staff_client(editor)
    upload = SimpleUploadedFile("c.json", json.dumps(_moved(catalog_export())).encode())
    page = client.post("/admin/services/procedure/import/", {"file": upload}, follow=True).content.decode()
    assert "Cơ quan 000.00.21.H62 không được thay đổi (tệp khác ở: tên, cấp, cơ quan cấp trên)" in page
    mine.refresh_from_db()
    assert (mine.parent_id, mine.level) == (province.pk, "commune")


def test_an_agency_only_in_the_file_is_a_clear_error_for_an_editor_and_nothing_is_imported(editor):
    _communes()
    data = catalog_export()
    data["agencies"].append({"code": "000.00.99.H62", "name": "Cơ quan mới", "level": "commune"})
    data["procedures"][0]["agencies"] = ["000.00.99.H62"]
    data["procedures"][0]["name"] = "Đổi tên"
    with pytest.raises(CatalogError, match=r"000\.00\.99\.H62 chưa có và bạn không có quyền thêm cơ quan"):
        catalog_import(data=data, by=editor)
    assert not Agency.objects.filter(code="000.00.99.H62").exists()
    assert Procedure.objects.get(code="1.001193").name == "Đăng ký khai sinh"


def test_a_user_who_may_change_agencies_imports_them(editor):
    from django.contrib.auth.models import Permission

    _province, mine, other = _communes()
    editor.user_permissions.add(*Permission.objects.filter(codename__in=["add_agency", "change_agency"]))
    editor = type(editor).objects.get(pk=editor.pk)  # fresh permission cache
    report = catalog_import(data=_moved(catalog_export()), by=editor)
    mine.refresh_from_db()
    assert (mine.parent_id, mine.level) == (other.pk, "province")
    assert report["notes"] == []
