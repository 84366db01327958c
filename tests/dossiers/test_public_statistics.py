"""The public page "Thống kê, đánh giá chất lượng phục vụ" (/thong-ke/): every agency's figures
per month, to anyone, without personal data; the charts; the CSV; the cache."""

import csv
import io

import pytest
from django.core.cache import cache

from .test_indicators import _complete, _file

pytestmark = pytest.mark.django_db

URL = "/thong-ke/"


def test_anyone_sees_the_figures_per_agency_without_personal_data(client, pv, citizen, agency, intake, processor):
    done = _complete(_file(pv, citizen), intake, processor, rate=5)
    page = client.get(URL).content.decode()
    assert "Thống kê, đánh giá chất lượng phục vụ" in page
    assert agency.name in page
    assert "100,00 %" in page  # on time, and satisfied
    # Counts and shares only: no dossier code, no applicant, no official.
    for secret in (done.code, citizen.full_name, citizen.personal_id, intake.get_full_name()):
        assert secret not in page
    # The formulas in words and the charts, with their target lines and readable labels.
    assert "Cách tính từng chỉ số" in page and "trên tổng số hồ sơ tiếp nhận trong kỳ" in page
    assert page.count("<svg") == 2 + 6
    assert 'stroke-dasharray="6 4"' in page  # a target line
    assert "<title id=" in page and "<desc id=" in page


def test_the_csv_gives_every_agency_for_twelve_months(client, pv, citizen, agency, intake, processor):
    _complete(_file(pv, citizen), intake, processor)
    response = client.get(URL, {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Tháng", "Mã cơ quan", "Cơ quan"]
    months = {r[0] for r in rows[1:]}
    assert len(months) == 12
    mine = [r for r in rows[1:] if r[1] == agency.code and r[4] == "1"]
    assert len(mine) == 1 and mine[0][5] == "1"


def test_the_figures_are_cached(client, pv, citizen, intake, processor, settings, django_assert_max_num_queries):
    settings.PUBLIC_STATISTICS_CACHE_SECONDS = 60
    cache.clear()
    client.get(URL)
    _complete(_file(pv, citizen), intake, processor)
    with django_assert_max_num_queries(1):  # at most the session (cached) and nothing of the figures
        page = client.get(URL).content.decode()
    assert "100,00 %" not in page  # the cached month has nothing resolved yet
    cache.clear()
