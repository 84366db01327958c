import pytest
from django.core.files.base import ContentFile
from django.urls import NoReverseMatch, reverse

from catalog.services import procedure_publish, procedure_unpublish
from tests.catalog.factories import FeeLineFactory, FieldFactory, ProcedureFactory, RequiredDocumentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def published():
    field = FieldFactory(code="ho-tich", name="Hộ tịch")
    procedure = ProcedureFactory(code="1.001193", name="Đăng ký khai sinh", field=field, requirements="Trong 60 ngày")
    doc = RequiredDocumentFactory(procedure=procedure, key="to-khai", name="Tờ khai đăng ký khai sinh")
    doc.template.save("to-khai.pdf", ContentFile(b"%PDF-1.4 blank"), save=True)
    FeeLineFactory(procedure=procedure, name="Lệ phí đăng ký", amount=50000)
    FeeLineFactory(procedure=procedure, name="Phí bản sao", amount=8000, kind="charge")
    procedure_publish(procedure=procedure, by=None)
    free = ProcedureFactory(code="1.000656", name="Đăng ký khai tử", field=field)
    procedure_publish(procedure=free, by=None)
    draft = ProcedureFactory(code="9.000001", name="Khai sinh bản nháp bí mật", field=field)
    return procedure, free, draft


def test_home_lists_fields_and_popular_services(client, published):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Hộ tịch" in html and "Đăng ký khai sinh" in html
    assert 'action="/thu-tuc/"' in html
    assert "bản nháp bí mật" not in html


def test_search_page_finds_without_diacritics_and_hides_drafts(client, published):
    for q in ("khai sinh", "KHAI SINH", "khai sính"):
        html = client.get("/thu-tuc/", {"q": q}).content.decode()
        assert "Đăng ký khai sinh" in html
        assert "bản nháp bí mật" not in html
    html = client.get("/thu-tuc/", {"field": "ho-tich", "online_level": "full"}).content.decode()
    assert "Đăng ký khai tử" in html
    assert client.get("/thu-tuc/", {"page": "999"}).status_code == 200


def test_search_paginates(client):
    field = FieldFactory()
    for n in range(12):
        procedure_publish(procedure=ProcedureFactory(code=f"3.{n:06d}", name=f"Thủ tục {n}", field=field), by=None)
    first = client.get("/thu-tuc/").content.decode()
    second = client.get("/thu-tuc/", {"page": 2}).content.decode()
    assert "3.000000" in first and "3.000011" not in first
    assert "3.000011" in second
    assert 'rel="next"' in first


def test_procedure_page_tells_everything(client, published):
    html = client.get("/thu-tuc/1.001193/").content.decode()
    assert "Đăng ký khai sinh" in html
    assert "Tờ khai đăng ký khai sinh" in html
    assert "58.000 đ" in html  # total of the two fee lines
    assert "Trong 60 ngày" in html
    assert "/thu-tuc/1.001193/mau/to-khai/" in html
    try:
        file_url = reverse("dossiers:file", args=["1.001193"])
    except NoReverseMatch:
        file_url = None
    if file_url:
        assert file_url in html and "Nộp hồ sơ trực tuyến" in html
    free = client.get("/thu-tuc/1.000656/").content.decode()
    assert "Miễn phí" in free


def test_template_download_is_public(client, published):
    response = client.get("/thu-tuc/1.001193/mau/to-khai/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 blank"
    assert "attachment" in response["Content-Disposition"]
    assert client.get("/thu-tuc/1.001193/mau/khong-co/").status_code == 404


def test_drafts_and_unpublished_procedures_are_never_public(client, published):
    procedure, _free, draft = published
    assert client.get(f"/thu-tuc/{draft.code}/").status_code == 404
    assert client.get(f"/api/v1/services/{draft.code}/").status_code == 404
    procedure_unpublish(procedure=procedure, by=None)
    assert client.get("/thu-tuc/1.001193/").status_code == 404
    assert client.get("/thu-tuc/1.001193/mau/to-khai/").status_code == 404
    assert "Đăng ký khai sinh" not in client.get("/thu-tuc/", {"q": "khai sinh"}).content.decode()
    assert client.get("/api/v1/services/", {"search": "khai sinh"}).json()["count"] == 0


def test_published_page_shows_the_published_text_not_the_draft(client, published):
    procedure, _free, _draft = published
    procedure.name = "Tên đang sửa trong bản nháp"
    procedure.save()
    html = client.get("/thu-tuc/1.001193/").content.decode()
    assert "Tên đang sửa" not in html and "Đăng ký khai sinh" in html
