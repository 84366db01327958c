import datetime

import pytest
from django.utils import timezone

from catalog.eform import build_form_class, form_data_clean, schema_validate
from tests.catalog.factories import SIMPLE_SCHEMA
from tests.portal.factories import ProvinceFactory, WardFactory

FULL_SCHEMA = [
    {
        "name": "child_full_name",
        "type": "text",
        "label": {"vi": "Họ, chữ đệm, tên của trẻ", "en": "Child's full name"},
        "required": True,
        "validation": {"min_length": 2, "max_length": 50, "pattern": r"[^\d]+"},
    },
    {
        "name": "birth_date",
        "type": "date",
        "label": {"vi": "Ngày sinh", "en": "Date of birth"},
        "required": True,
        "validation": {"max_date": "today"},
    },
    {
        "name": "weight",
        "type": "number",
        "label": {"vi": "Cân nặng (kg)", "en": "Weight (kg)"},
        "validation": {"min": 0, "max": 10},
    },
    {
        "name": "sex",
        "type": "select",
        "label": {"vi": "Giới tính", "en": "Sex"},
        "required": True,
        "options": [
            {"value": "M", "label": {"vi": "Nam", "en": "Male"}},
            {"value": "F", "label": {"vi": "Nữ", "en": "Female"}},
        ],
    },
    {"name": "agree", "type": "checkbox", "label": {"vi": "Tôi cam đoan", "en": "I declare"}, "required": True},
    {"name": "note", "type": "textarea", "label": {"vi": "Ghi chú"}},
    {"name": "home", "type": "address", "label": {"vi": "Nơi cư trú", "en": "Residence"}, "required": True},
    {
        "name": "mother_id",
        "type": "cccd",
        "label": {"vi": "Số định danh của mẹ", "en": "Mother's ID number"},
        "prefill": "identity.personal_id",
        "help": {"vi": "12 chữ số", "en": "12 digits"},
    },
]


def good_answers():
    return {
        "child_full_name": "Nguyễn Văn An",
        "birth_date": "2026-01-15",
        "weight": 3.2,
        "sex": "M",
        "agree": True,
        "note": "",
        "home": {"province": 86, "ward": 28789, "line": "12 Đồng Khởi"},
        "mother_id": "083195001234",
    }


def test_full_schema_is_valid():
    assert schema_validate(FULL_SCHEMA) == []
    assert schema_validate(SIMPLE_SCHEMA) == []


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"name": "x"}, "danh sách"),
        ([{"name": "a", "type": "colour", "label": {"vi": "A"}}], "colour"),
        (
            [{"name": "a", "type": "text", "label": {"vi": "A"}}, {"name": "a", "type": "text", "label": {"vi": "B"}}],
            "(a)",
        ),
        ([{"name": "Bad Name", "type": "text", "label": {"vi": "A"}}], "Trường 1"),
        ([{"name": "s", "type": "select", "label": {"vi": "A"}}], "lựa chọn"),
        ([{"name": "t", "type": "text", "label": {"vi": "A"}, "validation": {"pattern": "("}}], "biểu thức"),
        ([{"name": "t", "type": "text", "label": {"vi": "A"}, "prefill": "identity.salary"}], "identity.salary"),
        ([{"name": "t", "type": "text", "label": {"en": "A"}}], "label.vi"),
        ([{"name": "t", "type": "date", "label": {"vi": "A"}, "validation": {"max_date": "tomorrow"}}], "today"),
        ([{"name": "t", "type": "number", "label": {"vi": "A"}, "validation": {"pattern": "x"}}], "pattern"),
    ],
)
def test_schema_errors_name_the_field_in_vietnamese(schema, expected):
    errors = schema_validate(schema)
    assert errors, schema
    assert any(expected in e for e in errors), errors


def test_duplicate_name_error_mentions_the_second_field():
    schema = [{"name": "a", "type": "text", "label": {"vi": "A"}}, {"name": "a", "type": "text", "label": {"vi": "B"}}]
    (error,) = schema_validate(schema)
    assert error.startswith("Trường 2 (a)")


@pytest.mark.django_db
def test_clean_good_answers_gives_json():
    WardFactory()
    cleaned, errors = form_data_clean(FULL_SCHEMA, good_answers())
    assert errors == {}
    assert cleaned == {
        "child_full_name": "Nguyễn Văn An",
        "birth_date": "2026-01-15",
        "weight": 3.2,
        "sex": "M",
        "agree": True,
        "note": "",
        "home": {"province": 86, "ward": 28789, "line": "12 Đồng Khởi"},
        "mother_id": "083195001234",
    }


@pytest.mark.django_db
def test_clean_reports_errors_by_field():
    WardFactory()
    ProvinceFactory(code=1, name="Hà Nội", codename="ha_noi")
    data = good_answers()
    data.update(
        child_full_name="A1",
        birth_date=(timezone.localdate() + datetime.timedelta(days=3)).isoformat(),
        weight=20,
        sex="X",
        agree=False,
        home={"province": 1, "ward": 28789, "line": ""},
        mother_id="999195001234",
    )
    cleaned, errors = form_data_clean(FULL_SCHEMA, data)
    assert cleaned == {}
    assert set(errors) == {"child_full_name", "birth_date", "weight", "sex", "agree", "home", "mother_id"}
    assert "không thuộc" in errors["home"][0]
    assert "mã tỉnh" in errors["mother_id"][0]


@pytest.mark.django_db
def test_form_renders_widgets_with_labels_in_the_language():
    WardFactory()
    form = build_form_class(FULL_SCHEMA, language="en")()
    html = form.as_div()
    assert 'type="date"' in html
    assert "Child&#x27;s full name" in html
    assert 'name="home_province"' in html and 'name="home_ward"' in html and 'name="home_line"' in html
    # No province chosen yet: the commune list waits for one (never the country's 3,321 communes).
    assert "Phường Bến Tre" not in html
    assert "Chọn tỉnh/thành phố trước" in html
    assert "<textarea" in html and 'type="checkbox"' in html
    vi_html = build_form_class(FULL_SCHEMA)().as_div()
    assert "Họ, chữ đệm, tên của trẻ" in vi_html


def test_build_refuses_an_invalid_schema():
    with pytest.raises(ValueError, match="invalid e-form schema"):
        build_form_class([{"name": "x", "type": "nope", "label": {"vi": "X"}}])


@pytest.mark.django_db
def test_the_commune_list_holds_only_the_chosen_provinces_communes():
    """The address field lists the communes of the province chosen (given, or sent by a
    province-only reload without JavaScript), not the whole country."""
    ward = WardFactory()
    elsewhere = WardFactory(code=1, name="Xã Ở Tỉnh Khác", province=ProvinceFactory(code=2, name="Tỉnh Khác"))
    WardFactory(code=28790, name="Xã Cùng Tỉnh", province=ward.province)
    form = build_form_class(FULL_SCHEMA)(initial={"home": {"province": ward.province_id, "ward": None, "line": ""}})
    html = form.as_div()
    start = html.index('name="home_ward"')
    ward_select = html[start : html.index("</select>", start)]
    assert "Phường Bến Tre" in ward_select and "Xã Cùng Tỉnh" in ward_select
    assert elsewhere.name not in ward_select and ward_select.count("<option") == 3


@pytest.mark.django_db
def test_the_communes_of_a_province_are_served_as_json(client):
    ward = WardFactory()
    WardFactory(code=1, name="Xã Ở Tỉnh Khác", province=ProvinceFactory(code=2, name="Tỉnh Khác"))
    data = client.get(f"/dia-gioi/tinh/{ward.province_id}/xa/").json()
    assert data["wards"] == [{"code": 28789, "name": "Phường Bến Tre"}]
    assert client.get("/dia-gioi/tinh/abc/xa/").json()["wards"] == []
