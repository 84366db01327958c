"""Catalog editing without JSON: e-form rows make exactly the stored schema (every demo schema
survives a round trip), errors come from the same schema check, the rows can be previewed
unsaved, and the publish page describes the changes in words."""

import pytest

from catalog.demo_catalog import procedures
from catalog.diff import snapshot_diff
from catalog.forms import eform_formset
from catalog.models import FeeLine
from catalog.services import procedure_publish
from catalog.snapshot import procedure_snapshot
from tests.catalog.factories import ProcedureFactory

from .test_admin import eform_rows

pytestmark = pytest.mark.django_db


def test_every_demo_schema_survives_the_rows():
    schemas = [p["form_schema"] for p in procedures() if p.get("form_schema")]
    assert len(schemas) > 10
    for schema in schemas:
        rows = eform_formset(data=eform_rows(schema))
        assert rows.is_valid(), rows.errors or rows.non_form_errors()
        # Same schema; a key set to null or false ("prefill": None, "required": False) means the
        # same as no key.
        assert rows.schema == [{k: v for k, v in field.items() if v not in (None, False)} for field in schema]


def test_rows_are_checked_by_the_schema_check_and_reordered_and_removed():
    schema = [
        {"name": "a", "type": "text", "label": {"vi": "A"}},
        {"name": "b", "type": "text", "label": {"vi": "B"}},
        {"name": "c", "type": "text", "label": {"vi": "C"}},
    ]
    data = eform_rows(schema)
    data["eform-0-ORDER"] = "9"  # a moves last
    data["eform-1-DELETE"] = "on"  # b goes
    rows = eform_formset(data=data)
    assert rows.is_valid()
    assert [f["name"] for f in rows.schema] == ["c", "a"]
    data = eform_rows([*schema, {"name": "a", "type": "text", "label": {"vi": "A lần hai"}}])
    rows = eform_formset(data=data)
    assert not rows.is_valid()
    assert "tên trường đã được dùng cho một trường khác" in " ".join(rows.non_form_errors())


def test_preview_shows_the_rows_as_typed_without_saving(editor, staff_client):
    procedure = ProcedureFactory()
    before = list(procedure.form_schema)
    client = staff_client(editor)
    choice = {
        "name": "so_ban",
        "type": "select",
        "label": {"vi": "Số bản sao"},
        "options": [{"value": "1", "label": {"vi": "Một bản"}}],
    }
    response = client.post(f"/admin/services/procedure/{procedure.pk}/preview/", eform_rows([*before, choice]))
    assert response.status_code == 200
    assert "Số bản sao" in response.content.decode() and "Một bản" in response.content.decode()
    procedure.refresh_from_db()
    assert procedure.form_schema == before


def test_publish_page_lists_what_changes_in_words(publisher, staff_client):
    procedure = ProcedureFactory()
    procedure_publish(procedure=procedure, by=publisher)
    FeeLine.objects.create(procedure=procedure, name="Phí trích lục", amount=12000)
    current = procedure.versions.get()
    sections = snapshot_diff(current.snapshot, procedure_snapshot(procedure))
    assert [(s.title, c.what, c.label, c.new) for s in sections for c in s.changes] == [
        ("Phí, lệ phí", "added", "Phí trích lục", "Lệ phí; 12.000 đồng")
    ]
    client = staff_client(publisher)
    change_page = client.get(f"/admin/services/procedure/{procedure.pk}/change/").content.decode()
    assert "thay đổi chưa công bố" in change_page
    page = client.get(f"/admin/services/procedure/{procedure.pk}/publish/").content.decode()
    assert "Phí trích lục" in page and "12.000 đồng" in page and "Công bố ngay" in page
    assert procedure.versions.count() == 1  # looking publishes nothing
    client.post(f"/admin/services/procedure/{procedure.pk}/publish/")
    assert procedure.versions.filter(status="published").get().number == 2
    assert (
        "thay đổi chưa công bố" not in client.get(f"/admin/services/procedure/{procedure.pk}/change/").content.decode()
    )
