"""The indicators as people read them: the columns with their plain-language formulas and
targets, the month-by-month series, the charts, and the CSV (the leaders' page in the admin and
the public page "Thống kê, đánh giá chất lượng phục vụ" share this)."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import logging
from io import StringIO

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, pgettext
from django.utils.translation import gettext as _

from .charts import Bar, ranking_svg, trend_svg
from .indicators import AgencyIndicators, agency_indicators_periods

LABELS = {
    "on_time_rate": gettext_lazy("On time"),
    "online_share": gettext_lazy("Filed online"),
    "fully_online_share": gettext_lazy("Fully online"),
    "online_payment_share": gettext_lazy("Paid online"),
    "digitised_results_share": gettext_lazy("Electronic results"),
    "satisfied_share": gettext_lazy("Satisfied (4–5)"),
}

# Each figure's formula, in words a citizen reads.
FORMULAS = {
    "on_time_rate": gettext_lazy(
        "Dossiers resolved on or before their legal due date, out of the dossiers resolved in the period "
        "(an apology with a new date does not move the legal due date)."
    ),
    "online_share": gettext_lazy("Dossiers filed online, out of all dossiers received in the period."),
    "fully_online_share": gettext_lazy(
        "Dossiers filed online for a procedure offered fully online, out of all dossiers received."
    ),
    "online_payment_share": gettext_lazy(
        "Fees paid online (VNPay, MoMo), out of all fees paid for the dossiers received in the period."
    ),
    "digitised_results_share": gettext_lazy(
        "Results returned with an electronic result document, out of all results returned in the period."
    ),
    "satisfied_share": gettext_lazy("Ratings of 4 or 5 stars, out of all ratings given in the period."),
}


def columns() -> list[dict]:
    """The ratio columns: key, label, formula, target (comparison, value) and its text."""
    out = []
    for key, label in LABELS.items():
        target = settings.INDICATOR_TARGETS.get(key)
        text = (
            _("target %(op)s %(value)s %%") % {"op": "≥" if target[0] == ">=" else ">", "value": target[1]}
            if target
            else ""
        )
        out.append(
            {
                "key": key,
                "label": label,
                "formula": FORMULAS[key],
                "target": text,
                "target_value": target[1] if target else None,
            }
        )
    return out


def score_formula() -> str:
    weights = ", ".join(f"{LABELS[k]} {w}" for k, w in settings.INDICATOR_WEIGHTS.items() if k in LABELS)
    return _(
        "The score (0–100) is the average of the figures above weighted by the province (%(weights)s); "
        "a figure with nothing to count in the period is left out."
    ) % {"weights": weights}


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(first: dt.date) -> dt.date:
    return (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def months_back(last: dt.date, n: int) -> list[dt.date]:
    """The first days of the n months ending with last's month, oldest first."""
    firsts, first = [], month_start(last)
    for _i in range(n):
        firsts.append(first)
        first = month_start(first - dt.timedelta(days=1))
    return firsts[::-1]


def monthly(*, agency_ids, last: dt.date, n: int) -> list[tuple[dt.date, list[AgencyIndicators]]]:
    """Per month (oldest first): the rows per agency and their total (the month rows of all the
    months in one query, "overdue now" once, the payments one query a month)."""
    return period_and_monthly(agency_ids=agency_ids, period=None, last=last, n=n)[1]


def period_and_monthly(
    *, agency_ids, period: tuple[dt.date, dt.date] | None, last: dt.date, n: int
) -> tuple[list[AgencyIndicators] | None, list[tuple[dt.date, list[AgencyIndicators]]]]:
    """The rows of a period (None: none) and the monthly series of the n months up to `last`,
    computed together (dossiers.indicators.agency_indicators_periods)."""
    firsts = months_back(last, n)
    periods = [(first, month_end(first)) for first in firsts]
    if period is not None:
        periods.insert(0, period)
    computed = agency_indicators_periods(agency_ids=agency_ids, periods=periods)
    rows = computed.pop(0) if period is not None else None
    return rows, list(zip(firsts, computed, strict=True))


logger = logging.getLogger(__name__)


def leaders_figures(*, agency_ids, period: tuple[dt.date, dt.date], n: int = 6, prefix: str = "adm") -> dict:
    """The leaders' page: the rows of the period, its charts (with the trend of the n months up
    to its end) and when they were computed. Kept INDICATOR_CACHE_SECONDS per set of agencies,
    period and language: the leaders of a province opening the page in the same minute cost one
    computation, not one each (at 10 million dossiers a computation reads a year of rollups and
    counts the overdue dossiers). The cache unreachable is a miss, never an error."""
    start, end = period
    seconds = settings.INDICATOR_CACHE_SECONDS
    scope = "all" if agency_ids is None else ",".join(str(pk) for pk in sorted(agency_ids))
    digest = hashlib.sha256(
        f"{scope}|{start}|{end}|{n}|{prefix}|{get_language()}|{timezone.localdate()}".encode()
    ).hexdigest()[:32]
    key = f"dossiers:indicators:v2:{digest}"  # v2: the figures carry the rows' HTML
    if seconds > 0:
        try:
            figures = cache.get(key)
        except Exception:
            logger.warning("Indicators cache unavailable (get)")
            figures = None
        if figures is not None:
            return figures
    rows, series = period_and_monthly(agency_ids=agency_ids, period=period, last=end, n=n)
    from .templatetags.dossier_tags import indicator_rows

    figures = {
        "rows": rows,
        # The table's body as well: 200 agencies are 1,200 cells, half of the page's rendering.
        "rows_html": indicator_rows(rows, columns()),
        "charts": charts(rows=rows, series=series, prefix=prefix),
        "computed_at": timezone.now(),
    }
    if seconds > 0:
        try:
            cache.set(key, figures, seconds)
        except Exception:
            logger.warning("Indicators cache unavailable (set)")
    return figures


def charts(*, rows: list[AgencyIndicators], series, prefix: str) -> dict:
    """The ranking of agencies (by score, and by on-time rate with its target) and one trend per
    figure (the total of the agencies shown, month by month, with its target)."""
    agencies = [r for r in rows if not r.is_total]
    cols = columns()
    ranking = ranking_svg(
        chart_id=f"{prefix}-rank-score",
        title=_("Agencies ranked by score (0–100)"),
        bars=[Bar(r.agency_name, r.score) for r in agencies],
    )
    ranking_on_time = ranking_svg(
        chart_id=f"{prefix}-rank-on-time",
        title=_("Agencies ranked by the share resolved on time"),
        bars=[Bar(r.agency_name, r.on_time_rate.percent) for r in agencies],
    )
    trends = []
    for c in cols:
        # Six months at most: twelve points would not read on a phone.
        points = [
            (f"{first:%m/%Y}", getattr(_total(month_rows), c["key"]).percent) for first, month_rows in series[-6:]
        ]
        trends.append(
            {
                "label": str(c["label"]),
                "formula": str(c["formula"]),
                "svg": trend_svg(
                    chart_id=f"{prefix}-trend-{c['key']}",
                    title=_("%(figure)s by month") % {"figure": c["label"]},
                    points=points,
                    target=c["target_value"],
                    target_text=c["target"],
                ),
            }
        )
    return {"ranking": ranking, "ranking_on_time": ranking_on_time, "trends": trends}


def _total(rows: list[AgencyIndicators]) -> AgencyIndicators:
    return next(r for r in rows if r.is_total)


def csv_text(series) -> str:
    """Per month and agency: the counts and the figures (no personal data)."""
    out = StringIO()
    writer = csv.writer(out)
    cols = columns()
    writer.writerow(
        [
            _("Month"),
            _("Agency code"),
            _("Agency"),
            _("Score (0–100)"),
            pgettext("indicators", "Received"),
            _("Resolved"),
            *[f"{c['label']} (%)" for c in cols],
            _("Overdue now"),
            _("Average rating"),
        ]
    )
    for first, rows in series:
        for r in rows:
            writer.writerow(
                [
                    f"{first:%Y-%m}",
                    r.agency_code,
                    r.agency_name,
                    "" if r.score is None else f"{r.score:.1f}",
                    r.received,
                    r.resolved,
                    *["" if getattr(r, c["key"]).percent is None else str(getattr(r, c["key"])) for c in cols],
                    r.overdue_now,
                    "" if r.average_rating is None else f"{r.average_rating:.2f}",
                ]
            )
    return out.getvalue()


def this_month() -> dt.date:
    return month_start(timezone.localdate())
