import pytest

from catalog.services import procedure_publish
from tests.catalog.factories import AgencyFactory, FeeLineFactory, FieldFactory, ProcedureFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    civil = FieldFactory(code="ho-tich", name="Hộ tịch")
    commune = AgencyFactory(code="000.01.31.H62", level="commune")
    province = AgencyFactory(code="000.00.11.H62")
    rows = [
        ("1.001193", "Đăng ký khai sinh", civil, commune, "commune", "full"),
        ("2.000986", "Liên thông đăng ký khai sinh, thường trú, thẻ BHYT", civil, commune, "commune", "full"),
        ("1.000689", "Đăng ký lại khai sinh", civil, commune, "commune", "partial"),
        ("2.000488", "Cấp Phiếu lý lịch tư pháp", FieldFactory(code="lltp"), province, "province", "full"),
    ]
    for code, name, field, agency, level, online in rows:
        procedure = ProcedureFactory(
            code=code, name=name, field=field, agencies=[agency], level=level, online_level=online
        )
        if code == "2.000488":
            FeeLineFactory(procedure=procedure, amount=200000, kind="charge")
        procedure_publish(procedure=procedure, by=None)
    ProcedureFactory(code="9.999999", name="Khai sinh nháp")


@pytest.mark.parametrize("search", ["khai sinh", "KHAI SINH", "khai sính"])
def test_list_search_ranks_the_name_match_first(client, catalog, search):
    body = client.get("/api/v1/services/", {"search": search}).json()
    assert body["count"] == 3
    assert body["results"][0]["code"] == "1.001193"
    assert "9.999999" not in [r["code"] for r in body["results"]]


def test_list_filters_and_pagination(client, catalog):
    get = lambda **params: client.get("/api/v1/services/", params).json()  # noqa: E731
    assert [r["code"] for r in get(level="province")["results"]] == ["2.000488"]
    assert get(field="ho-tich")["count"] == 3
    assert get(agency="000.00.11.H62")["count"] == 1
    assert get(online_level="partial")["results"][0]["code"] == "1.000689"
    page = get(page_size=2)
    assert page["count"] == 4 and len(page["results"]) == 2 and page["next"]
    item = get(search="ly lich")["results"][0]
    assert item["total_fee"] == "200000"
    assert item["field"] == {"code": "lltp", "name": item["field"]["name"]}
    assert item["url"].endswith("/api/v1/services/2.000488/")


def test_detail_has_documents_fees_and_schema(client, catalog):
    body = client.get("/api/v1/services/2.000488/").json()
    assert body["code"] == "2.000488"
    assert body["fees"] == [{"name": "Lệ phí", "kind": "charge", "amount": "200000", "note": "", "per_unit_field": ""}]
    assert body["form_schema"][0]["name"] == "full_name"
    assert body["processing_time"] == {"value": "15", "unit": "working_days"}
    assert body["documents"] == [] and body["is_bundle"] is False
    assert isinstance(body["version_id"], int)
    assert client.get("/api/v1/services/9.999999/").status_code == 404


def test_openapi_documents_the_catalog(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    text = response.content.decode()
    assert "/api/v1/services/" in text and "/api/v1/services/{code}/" in text
    assert "online_level" in text
