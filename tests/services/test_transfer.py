import json

import pytest
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command

from services.models import Agency, BundlePart, Field, Procedure
from services.selectors import procedure_version_current
from services.services import CatalogError
from services.transfer import catalog_export, catalog_import
from tests.services.factories import AgencyFactory, FeeLineFactory, ProcedureFactory, RequiredDocumentFactory

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
