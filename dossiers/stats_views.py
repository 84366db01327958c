"""The public page "Thống kê, đánh giá chất lượng phục vụ": the service-quality figures per
agency and month, to anyone (no personal data: counts and ratios only), cached, with a CSV."""

import contextlib
import datetime as dt

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from . import indicator_pages as statistics

MONTHS_SHOWN = 12


def _month_asked(request, months: list[dt.date]) -> dt.date:
    value = request.GET.get("thang", "")
    for first in months:
        if value == f"{first:%Y-%m}":
            return first
    return months[-1]


def _series(last: dt.date):
    """The figures of every agency for the MONTHS_SHOWN months up to `last`, cached."""
    key = f"dossiers:public-statistics:{last:%Y-%m}:{get_language()}"
    try:
        series = cache.get(key)
    except Exception:  # the cache unreachable: compute, the page still answers
        series = None
    if series is None:
        series = statistics.monthly(agency_ids=None, last=last, n=MONTHS_SHOWN)
        with contextlib.suppress(Exception):
            cache.set(key, series, settings.PUBLIC_STATISTICS_CACHE_SECONDS)
    return series


def public_statistics(request):
    months = statistics.months_back(statistics.this_month(), MONTHS_SHOWN)
    series = _series(months[-1])
    month = _month_asked(request, months)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="thong-ke-chat-luong-{months[0]:%Y%m}-{months[-1]:%Y%m}.csv"'
        )
        response.write("\ufeff")  # Excel opens UTF-8 with a BOM correctly
        response.write(statistics.csv_text(series))
        return response
    rows = dict(series)[month]
    context = {
        "months": months,
        "month": month,
        "rows": rows,
        "columns": statistics.columns(),
        "score_formula": statistics.score_formula(),
        "charts": statistics.charts(rows=rows, series=series, prefix="pub"),
    }
    return render(request, "dossiers/statistics.html", context)
