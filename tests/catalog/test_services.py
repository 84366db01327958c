import pytest
from django.core.exceptions import PermissionDenied

from catalog.models import ProcedureVersion
from catalog.selectors import procedure_version_current, procedure_version_get, published_versions
from catalog.services import CatalogError, procedure_publish, procedure_unpublish
from tests.catalog.factories import FeeLineFactory, ProcedureFactory, RequiredDocumentFactory

pytestmark = pytest.mark.django_db


def test_publish_creates_a_version_with_the_snapshot(publisher):
    procedure = ProcedureFactory(name="Đăng ký khai sinh", code="1.001193")
    RequiredDocumentFactory(procedure=procedure, key="to-khai", name="Tờ khai đăng ký khai sinh")
    FeeLineFactory(procedure=procedure, amount=8000)
    version = procedure_publish(procedure=procedure, by=publisher)
    assert version.number == 1
    assert version.status == ProcedureVersion.Status.PUBLISHED
    assert version.published_by == publisher
    assert version.search_name == "dang ky khai sinh"
    assert version.total_fee == 8000
    snap = version.snapshot
    assert snap["code"] == "1.001193"
    assert snap["processing_time"] == {"value": "15", "unit": "working_days"}
    assert snap["fees"][0]["amount"] == "8000"
    assert snap["documents"][0]["key"] == "to-khai"
    assert snap["documents"][0]["template_url"] is None
    assert snap["channels"] == ["online", "counter"]
    assert list(snap) == [
        "code", "name", "description", "requirements", "field", "level", "online_level", "channels",
        "processing_time", "result_description", "legal_basis", "min_eid_level", "fee_timing",
        "refund_on_refusal", "needs_signoff", "result_doc_type", "certified_copy", "agencies", "documents", "fees",
        "form_schema", "is_bundle",
        "bundle_parts",
    ]  # fmt: skip
    assert set(snap["agencies"][0]) == {"id", "code", "name"}
    assert list(version.agencies.all()) == list(procedure.agencies.all())


def test_republish_supersedes_and_keeps_the_old_version_immutable(publisher):
    procedure = ProcedureFactory(name="Tên cũ")
    v1 = procedure_publish(procedure=procedure, by=publisher)
    procedure.name = "Tên mới"
    procedure.save()
    v2 = procedure_publish(procedure=procedure, by=publisher)
    v1.refresh_from_db()
    assert (v1.status, v2.status, v2.number) == ("superseded", "published", 2)
    assert v1.snapshot["name"] == "Tên cũ"  # a dossier filed under v1 still reads the old text
    assert procedure_version_current(procedure.code) == v2
    assert procedure_version_get(id=v1.pk).snapshot["name"] == "Tên cũ"
    v1.snapshot = {**v1.snapshot, "name": "Sửa lén"}
    with pytest.raises(ValueError, match="A published procedure version is immutable"):
        v1.save()
    v1.refresh_from_db()
    assert v1.snapshot["name"] == "Tên cũ"


def test_republish_without_changes_is_a_no_op(publisher):
    procedure = ProcedureFactory()
    v1 = procedure_publish(procedure=procedure, by=publisher)
    assert procedure_publish(procedure=procedure, by=publisher) == v1
    assert ProcedureVersion.objects.filter(procedure=procedure).count() == 1


def test_unpublish_hides_and_publish_again_restores(publisher):
    procedure = ProcedureFactory()
    v1 = procedure_publish(procedure=procedure, by=publisher)
    with pytest.raises(CatalogError, match="lý do"):
        procedure_unpublish(procedure=procedure, by=publisher, reason="  ")
    assert procedure_version_current(procedure.code) == v1
    procedure_unpublish(procedure=procedure, by=publisher, reason="Thủ tục đã bị bãi bỏ")
    assert procedure_version_current(procedure.code) is None
    from portal.audit import audit_events

    assert audit_events().filter(actor=publisher, detail__contains="Thủ tục đã bị bãi bỏ").exists()
    assert not published_versions().exists()
    v1.refresh_from_db()
    assert v1.status == "unpublished"
    assert procedure_unpublish(procedure=procedure, by=publisher, reason="x") is None  # already hidden
    v2 = procedure_publish(procedure=procedure, by=publisher)
    assert v2.number == 2 and procedure_version_current(procedure.code) == v2


def test_editor_cannot_publish_but_publisher_can(editor, publisher):
    procedure = ProcedureFactory()
    assert editor.has_perm("services.change_procedure")
    assert not editor.has_perm("services.publish_procedure")
    with pytest.raises(PermissionDenied, match="Chỉ cán bộ có quyền công bố"):
        procedure_publish(procedure=procedure, by=editor)
    assert not ProcedureVersion.objects.exists()
    procedure_publish(procedure=procedure, by=publisher)
    with pytest.raises(PermissionDenied, match="Chỉ cán bộ có quyền công bố"):
        procedure_unpublish(procedure=procedure, by=editor)
    assert procedure_version_current(procedure.code) is not None


def test_publish_refuses_an_incomplete_draft(publisher):
    procedure = ProcedureFactory(form_schema=[{"name": "x", "type": "colour", "label": {"vi": "X"}}], agencies=[])
    with pytest.raises(CatalogError, match="Hãy chọn ít nhất một cơ quan thực hiện") as exc:
        procedure_publish(procedure=procedure, by=publisher)
    text = " ".join(exc.value.messages)
    assert "cơ quan" in text and "colour" in text
    assert not ProcedureVersion.objects.exists()


def test_popularity_orders_the_most_used_services():
    from catalog.selectors import fields_with_counts, popular_versions
    from catalog.services import procedures_popularity_set

    a, b = ProcedureFactory(code="1.000001"), ProcedureFactory(code="1.000002")
    procedure_publish(procedure=a, by=None)
    procedure_publish(procedure=b, by=None)
    assert procedures_popularity_set({b.pk: 3}) == 1
    assert [v.code for v in popular_versions(limit=2)] == ["1.000002", "1.000001"]
    assert sum(f.published_count for f in fields_with_counts()) == 2
