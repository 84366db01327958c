import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.catalog_cache import catalog_generation
from catalog.services import procedure_publish, procedure_unpublish
from tests.catalog.factories import FieldFactory, ProcedureFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def field():
    return FieldFactory(code="ho-tich", name="Hộ tịch")


def _api_codes(client, **params):
    response = client.get("/api/v1/services/", params)
    assert response.status_code == 200
    return [row["code"] for row in response.json()["results"]], response.json()["count"]


def test_publish_and_unpublish_show_up_at_once_in_search_api_and_home(
    client, field, django_capture_on_commit_callbacks
):
    first = ProcedureFactory(code="1.001193", name="Đăng ký khai sinh", field=field)
    procedure_publish(procedure=first, by=None)
    assert _api_codes(client, search="khai") == (["1.001193"], 1)
    assert "Đăng ký khai sinh" in client.get("/thu-tuc/", {"q": "khai"}).content.decode()
    home_before = client.get("/").content.decode()

    generation = catalog_generation()
    second = ProcedureFactory(code="1.000656", name="Đăng ký khai tử", field=field)
    with django_capture_on_commit_callbacks(execute=True):
        procedure_publish(procedure=second, by=None)
    assert catalog_generation() > generation
    assert _api_codes(client, search="khai") == (["1.000656", "1.001193"], 2)  # shorter name first
    assert "Đăng ký khai tử" in client.get("/thu-tuc/", {"q": "khai"}).content.decode()
    home_after = client.get("/").content.decode()
    assert home_after != home_before and "Đăng ký khai tử" in home_after

    procedure_unpublish(procedure=first, by=None)
    assert _api_codes(client, search="khai") == (["1.000656"], 1)
    assert "Đăng ký khai sinh" not in client.get("/thu-tuc/", {"q": "khai"}).content.decode()
    assert "Đăng ký khai sinh" not in client.get("/").content.decode()


def test_repeated_search_is_served_from_the_cache(client, field):
    for n in range(3):
        procedure_publish(procedure=ProcedureFactory(code=f"3.{n:06d}", name=f"Khai báo {n}", field=field), by=None)
    with CaptureQueriesContext(connection) as cold:
        assert _api_codes(client, search="khai bao")[1] == 3
    with CaptureQueriesContext(connection) as warm:
        assert _api_codes(client, search="KHAI BÁO")[1] == 3  # same normalized query
    assert not any("search_text" in q["sql"] for q in warm.captured_queries)
    assert len(warm.captured_queries) < len(cold.captured_queries)

    client.get("/thu-tuc/", {"q": "khai bao"})
    with CaptureQueriesContext(connection) as page:
        html = client.get("/thu-tuc/", {"q": "khai bao"}).content.decode()
    assert "Khai báo 2" in html
    assert not any("procedureversion" in q["sql"] for q in page.captured_queries)


def test_search_counts_once_and_pages_by_id(client, field):
    for n in range(12):
        procedure_publish(procedure=ProcedureFactory(code=f"4.{n:06d}", name=f"Thủ tục {n}", field=field), by=None)
    with CaptureQueriesContext(connection) as ctx:
        html = client.get("/thu-tuc/", {"page": "2"}).content.decode()
    assert "12" in html and 'aria-current="page">2<' in html
    sqls = [q["sql"] for q in ctx.captured_queries]
    assert not any("__count" in s for s in sqls)  # the count is the length of the cached id list
    assert not any("search_text" in s for s in sqls if "procedureversion" in s and "WHERE" in s and "IN (" in s)


def test_a_saved_agency_or_version_is_read_again_not_kept(field, django_assert_num_queries):
    """procedure_version_current and agency_get keep what they read for one catalog generation
    (with a cache all processes share); a save of an agency (the admin's, not only the
    publishing service's) or an unpublished version starts a new one, so the next reader sees
    the change."""
    from catalog.catalog_cache import catalog_cache_shared
    from catalog.selectors import agency_get, procedure_version_current
    from tests.catalog.factories import AgencyFactory

    agency = AgencyFactory(name="UBND xã Cũ")
    version = procedure_publish(procedure=ProcedureFactory(code="1.004000", name="Cấp bản sao", field=field), by=None)
    assert agency_get(id=agency.pk).name == "UBND xã Cũ"
    assert procedure_version_current("1.004000").name == "Cấp bản sao"
    # Kept (no statement) with Redis; read each time with a cache of the process's own.
    with django_assert_num_queries(0 if catalog_cache_shared() else 2):
        assert agency_get(id=agency.pk).name == "UBND xã Cũ"
        assert procedure_version_current("1.004000").pk == version.pk

    agency.name = "UBND xã Mới"
    agency.save()  # as the admin saves it: the signal starts a new generation
    assert agency_get(id=agency.pk).name == "UBND xã Mới"
    procedure_unpublish(procedure=version.procedure, by=None)
    assert procedure_version_current("1.004000") is None


def test_a_kept_row_is_a_copy_and_an_emptied_cache_never_reuses_a_generation(field):
    from django.core.cache import cache

    from catalog.selectors import procedure_version_current

    procedure_publish(procedure=ProcedureFactory(code="1.004001", name="Chứng thực", field=field), by=None)
    first = procedure_version_current("1.004001")
    first.name = "changed by one request"
    assert procedure_version_current("1.004001").name == "Chứng thực"  # another request's copy
    before = catalog_generation()
    cache.clear()  # Redis restarted empty
    assert catalog_generation() > before  # a new start, never an old number again
