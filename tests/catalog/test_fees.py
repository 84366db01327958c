"""Fees as the catalog says: the arithmetic of flat, per-copy and tiered fee lines (catalog.fees),
and the one check of a fee line used by the editor, publishing and the catalog import."""

from decimal import Decimal

import pytest

from catalog.demo_catalog import catalog, procedures
from catalog.diff import snapshot_diff
from catalog.fees import fee_line_problems, fee_lines_due, fee_total_due
from catalog.forms import FeeLineForm
from catalog.models import FeeLine
from catalog.services import CatalogError, procedure_problems, procedure_publish
from catalog.snapshot import procedure_snapshot
from catalog.transfer import catalog_import
from tests.catalog.factories import FeeLineFactory, ProcedureFactory

# "2.000 đồng/trang; từ trang thứ ba trở lên thu 1.000 đồng/trang, tối đa không quá 200.000
# đồng/bản" (phí chứng thực bản sao từ bản chính).
CERTIFY = {
    "name": "Phí chứng thực bản sao từ bản chính",
    "kind": "charge",
    "amount": "2000",
    "note": "",
    "per_unit_field": "copies",
    "tier_field": "pages",
    "tier_unit": "trang",
    "tier_first_units": 2,
    "tier_further_amount": "1000",
    "cap": "200000",
}
SCHEMA = [
    {"name": "pages", "type": "number", "label": {"vi": "Số trang"}},
    {"name": "copies", "type": "number", "label": {"vi": "Số bản"}},
]


def _due(line, **answers):
    (due,) = fee_lines_due({"fees": [line]}, answers)
    return due


@pytest.mark.parametrize(
    ("pages", "amount", "text"),
    [
        (0, 2000, "1 trang × 2.000 đ = 2.000 đ"),  # the e-form refuses 0; counted as one page
        (1, 2000, "1 trang × 2.000 đ = 2.000 đ"),
        (2, 4000, "2 trang × 2.000 đ = 4.000 đ"),
        (3, 5000, "2 trang × 2.000 đ + 1 trang × 1.000 đ = 5.000 đ"),
        (5, 7000, "2 trang × 2.000 đ + 3 trang × 1.000 đ = 7.000 đ"),
        (10, 12000, "2 trang × 2.000 đ + 8 trang × 1.000 đ = 12.000 đ"),
    ],
)
def test_tiered_fee_of_one_copy(pages, amount, text):
    due = _due(CERTIFY, pages=pages, copies=1)
    assert due["amount"] == Decimal(amount)
    assert due["text"] == text


@pytest.mark.parametrize(("copies", "amount"), [(0, 7000), (1, 7000), (2, 14000), (3, 21000), (10, 70000)])
def test_tiered_fee_is_multiplied_by_the_copies(copies, amount):
    due = _due(CERTIFY, pages=5, copies=copies)
    assert due["amount"] == Decimal(amount)
    assert due["unit_amount"] == Decimal(7000)
    if copies > 1:
        assert due["text"] == f"{copies} × (2 trang × 2.000 đ + 3 trang × 1.000 đ) = {amount:,} đ".replace(",", ".")


def test_the_cap_holds_per_copy_then_the_copies_multiply():
    one = _due(CERTIFY, pages=198, copies=1)
    assert one["amount"] == Decimal(200000) and not one["capped"]  # 4.000 + 196.000: exactly the cap
    over = _due(CERTIFY, pages=300, copies=1)
    assert over["amount"] == Decimal(200000) and over["capped"]
    assert over["breakdown"] == "2 trang × 2.000 đ + 298 trang × 1.000 đ = 302.000 đ, tối đa 200.000 đ/bản"
    three = _due(CERTIFY, pages=300, copies=3)
    assert three["amount"] == Decimal(600000)
    assert three["text"].startswith("3 × 200.000 đ (") and three["text"].endswith(") = 600.000 đ")


def test_a_cap_without_copies_holds_for_the_line():
    line = {**CERTIFY, "per_unit_field": ""}
    due = _due(line, pages=400, copies=5)
    assert due["amount"] == Decimal(200000) and due["quantity"] == 1
    assert due["breakdown"].endswith("tối đa 200.000 đ")


def test_every_unit_at_one_price_without_a_second_tier():
    line = {**CERTIFY, "tier_first_units": None, "tier_further_amount": None, "cap": None}
    assert _due(line, pages=4, copies=2)["text"] == "2 × 4 trang × 2.000 đ = 16.000 đ"


def test_flat_and_per_copy_lines_are_as_before():
    flat = {"name": "Lệ phí", "kind": "fee", "amount": "50000", "note": ""}
    per_copy = {"name": "Phí bản sao", "kind": "charge", "amount": "8000", "note": "", "per_unit_field": "copies"}
    assert _due(flat, copies=3)["text"] == "50.000 đ" and _due(flat, copies=3)["amount"] == 50000
    assert _due(per_copy, copies=1)["breakdown"] == ""
    assert _due(per_copy, copies=2)["text"] == "2 × 8.000 đ = 16.000 đ"
    snapshot = {"fees": [flat, per_copy, CERTIFY, {**flat, "amount": "0"}]}
    assert fee_total_due(snapshot, {"copies": 2, "pages": 5}) == 50000 + 16000 + 14000


def test_the_check_of_a_fee_line():
    assert fee_line_problems(CERTIFY, SCHEMA) == []
    assert fee_line_problems(CERTIFY) == []
    problems = fee_line_problems({**CERTIFY, "tier_further_amount": None})
    assert problems == ["Nhập số tiền mỗi đơn vị tiếp theo, hoặc để trống số đơn vị tính theo số tiền đầu."]
    assert fee_line_problems({**CERTIFY, "cap": "1000"}) == ["Mức tối đa không thể thấp hơn số tiền của một đơn vị."]
    assert fee_line_problems({**CERTIFY, "tier_field": ""}) == [
        "Phí theo bậc cần trường của tờ khai đếm số đơn vị (ví dụ số trang)."
    ]
    assert fee_line_problems({**CERTIFY, "tier_field": "copies"}) == [
        "Số đơn vị (ví dụ số trang) và số bản phải là hai trường khác nhau của tờ khai."
    ]
    assert fee_line_problems({**CERTIFY, "tier_first_units": 0}) == [
        "Số đơn vị tính theo số tiền đầu phải là số nguyên, ít nhất là 1."
    ]
    assert fee_line_problems(CERTIFY, [SCHEMA[0], {"name": "copies", "type": "text"}]) == [
        "“copies” không phải là trường số của tờ khai."
    ]


@pytest.mark.django_db
def test_the_editor_row_uses_the_same_check():
    procedure = ProcedureFactory()
    base = {"procedure": procedure.pk, "position": 0, "name": "Phí chứng thực", "kind": "charge", "amount": "2000"}
    tiers = {"tier_field": "pages", "tier_unit": "trang", "tier_first_units": "2", "tier_further_amount": "1000"}
    assert FeeLineForm(data={**base, **tiers, "cap": "200000"}).is_valid()
    form = FeeLineForm(data={**base, **tiers, "cap": "500"})
    assert not form.is_valid()
    assert form.non_field_errors() == ["Mức tối đa không thể thấp hơn số tiền của một đơn vị."]
    form = FeeLineForm(data={**base, "tier_unit": "trang", "tier_first_units": "2", "tier_further_amount": "1000"})
    assert not form.is_valid() and "đếm số đơn vị" in " ".join(form.non_field_errors())


@pytest.mark.django_db
def test_publishing_refuses_a_tier_on_a_field_the_e_form_has_not(publisher):
    procedure = ProcedureFactory(form_schema=SCHEMA)
    FeeLine.objects.create(
        procedure=procedure, name="Phí chứng thực", amount=2000, tier_field="so_trang", tier_first_units=2,
        tier_further_amount=1000,
    )  # fmt: skip
    assert "Phí “Phí chứng thực”: “so_trang” không phải là trường số của tờ khai." in procedure_problems(procedure)
    with pytest.raises(CatalogError, match="so_trang"):
        procedure_publish(procedure=procedure, by=publisher)
    FeeLine.objects.filter(procedure=procedure).update(tier_field="pages", per_unit_field="copies", cap=200000)
    version = procedure_publish(procedure=procedure, by=publisher)
    (line,) = version.snapshot["fees"]
    assert line == {
        "name": "Phí chứng thực",
        "kind": "fee",
        "amount": "2000",
        "note": "",
        "per_unit_field": "copies",
        "tier_field": "pages",
        "tier_first_units": 2,
        "tier_further_amount": "1000",
        "cap": "200000",
    }


@pytest.mark.django_db
def test_a_line_without_tiers_keeps_its_snapshot_and_the_diff_says_the_tiers(publisher):
    procedure = ProcedureFactory(form_schema=SCHEMA)
    fee = FeeLineFactory(procedure=procedure, name="Phí chứng thực", amount=2000, per_unit_field="copies")
    published = procedure_publish(procedure=procedure, by=publisher)
    assert set(published.snapshot["fees"][0]) == {"name", "kind", "amount", "note", "per_unit_field"}
    fee.tier_field, fee.tier_unit, fee.tier_first_units, fee.tier_further_amount = "pages", "trang", 2, 1000
    fee.cap = 200000
    fee.save()
    changes = {
        c.label: c.new for s in snapshot_diff(published.snapshot, procedure_snapshot(procedure)) for c in s.changes
    }
    assert changes["Phí chứng thực — số tiền mỗi đơn vị tiếp theo (đồng)"] == "1.000 đồng"
    assert changes["Phí chứng thực — tối đa (đồng, mỗi bản)"] == "200.000 đồng"


def test_the_demo_certification_uses_the_tiered_fee():
    (certify,) = [p for p in procedures() if p["code"] == "2.000815"]
    (line,) = certify["fees"]
    assert fee_line_problems(line, certify["form_schema"]) == []
    assert fee_lines_due({"fees": [line]}, {"pages": 5, "copies": 2})[0]["amount"] == 14000


@pytest.mark.django_db
def test_the_import_refuses_a_bad_tier():
    data = catalog()
    for p in data["procedures"]:
        if p["code"] == "2.000815":
            p["fees"] = [{**p["fees"][0], "tier_field": "so_trang"}]
    with pytest.raises(CatalogError, match="so_trang"):
        catalog_import(data=data)


@pytest.mark.django_db
def test_the_catalog_api_gives_the_tiers(client):
    procedure = ProcedureFactory(form_schema=SCHEMA)
    FeeLine.objects.create(
        procedure=procedure, name="Phí chứng thực", kind="charge", amount=2000, per_unit_field="copies",
        tier_field="pages", tier_unit="trang", tier_first_units=2, tier_further_amount=1000, cap=200000,
    )  # fmt: skip
    procedure_publish(procedure=procedure, by=None)
    (line,) = client.get(f"/api/v1/services/{procedure.code}/").json()["fees"]
    assert line == {
        "name": "Phí chứng thực",
        "kind": "charge",
        "amount": "2000",
        "note": "",
        "per_unit_field": "copies",
        "tier_field": "pages",
        "tier_unit": "trang",
        "tier_first_units": 2,
        "tier_further_amount": "1000",
        "cap": "200000",
    }
