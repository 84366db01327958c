import pytest
from django.db import connection

from catalog.search import search_normalize
from catalog.selectors import version_search
from catalog.services import procedure_publish, procedure_unpublish
from tests.catalog.factories import AgencyFactory, FieldFactory, ProcedureFactory

pytestmark = pytest.mark.django_db

NAMES = {
    "1.001193": "Đăng ký khai sinh",
    "1.000689": "Đăng ký lại khai sinh",
    "2.000986": "Liên thông thủ tục hành chính về đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế",
    "1.000656": "Đăng ký khai tử",
    "1.000894": "Đăng ký kết hôn",
    "2.000635": "Cấp bản sao trích lục hộ tịch",
}


@pytest.fixture
def catalog():
    civil = FieldFactory(code="ho-tich", name="Hộ tịch")
    other = FieldFactory(code="tu-phap", name="Tư pháp")
    commune = AgencyFactory(code="000.31.29.H62", name="UBND Phường Bến Tre", level="commune")
    versions = {}
    for code, name in NAMES.items():
        procedure = ProcedureFactory(
            code=code,
            name=name,
            field=other if code == "2.000635" else civil,
            level="commune",
            online_level="partial" if code == "1.000894" else "full",
            agencies=[commune],
            description="Cấp cho người đã đăng ký khai sinh, kết hôn" if code == "2.000635" else "",
        )
        versions[code] = procedure_publish(procedure=procedure, by=None)
    draft = ProcedureFactory(code="9.999999", name="Khai sinh bản nháp chưa công bố")
    return {"versions": versions, "draft": draft, "agency": commune}


def codes(qs):
    return [v.code for v in qs]


def test_normalize():
    assert search_normalize("  Đăng ký   KHAI SÍNH ") == "dang ky khai sinh"
    assert search_normalize("Thường trú, tạm trú") == "thuong tru, tam tru"


@pytest.mark.parametrize("query", ["khai sinh", "KHAI SINH", "khai sính", "Khai Sinh", "đăng ký khai sinh"])
def test_birth_registration_comes_first(catalog, query):
    found = codes(version_search(q=query))
    assert found[0] == "1.001193"
    assert set(found) == {"1.001193", "1.000689", "2.000986", "2.000635"}
    assert found.index("2.000635") == len(found) - 1  # matched in the description only: last
    assert "9.999999" not in found  # drafts never show


def test_code_and_filters(catalog):
    assert codes(version_search(q="1.000894")) == ["1.000894"]
    assert codes(version_search(q="ket hon")) == ["1.000894", "2.000635"]
    assert codes(version_search(online_level="partial")) == ["1.000894"]
    assert codes(version_search(field="tu-phap")) == ["2.000635"]
    assert len(codes(version_search(agency=catalog["agency"].code))) == len(NAMES)
    assert len(codes(version_search(agency=str(catalog["agency"].pk), level="commune"))) == len(NAMES)
    assert codes(version_search(level="province")) == []
    assert codes(version_search(q="khong ton tai")) == []


def test_unpublished_disappears_from_search(catalog):
    procedure_unpublish(procedure=catalog["versions"]["1.001193"].procedure, by=None)
    assert "1.001193" not in codes(version_search(q="khai sinh"))


@pytest.mark.postgres
def test_postgres_trigram_indexes_and_unaccent_agree(catalog):
    with connection.cursor() as cursor:
        cursor.execute("SELECT extname FROM pg_extension WHERE extname IN ('unaccent', 'pg_trgm')")
        assert {row[0] for row in cursor.fetchall()} == {"unaccent", "pg_trgm"}
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'services_procedureversion'")
        indexes = {row[0] for row in cursor.fetchall()}
        assert {"services_pv_search_name_trgm", "services_pv_search_text_trgm"} <= indexes
        # The database's own unaccent() agrees with our normaliser on the stored names.
        cursor.execute("SELECT lower(unaccent(name)), search_name FROM services_procedureversion")
        for db_normalised, ours in cursor.fetchall():
            assert db_normalised.replace("đ", "d") == ours
    found = codes(version_search(q="KHAI SÍNH"))
    assert found[0] == "1.001193"
