"""Server-rendered SVG charts of the service-quality indicators (no script, no CDN).

Readable without colour: every bar carries a hatch pattern and its value written next to it,
every point of a trend its value; a target is a dashed line with its value written on it. Each
chart has a <title> and a <desc> for screen readers, and the page shows the same figures in a
table next to it."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # percent 0–100, None: no data


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}".replace(".", ",") + " %"


def _shorten(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


_PATTERNS = (
    '<defs><pattern id="{id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect width="6" height="6" fill="#dfeefc"/>'
    '<line x1="0" y1="0" x2="0" y2="6" stroke="#123d6b" stroke-width="2"/></pattern></defs>'
)


def ranking_svg(
    *, chart_id: str, title: str, bars: list[Bar], target: float | None = None, target_text: str = ""
) -> SafeString:
    """Horizontal bars, best first, 0–100 %, with the target as a dashed vertical line."""
    bars = sorted(bars, key=lambda b: (b.value is None, -(b.value or 0)))
    label_w, bar_w, row_h, top = 210, 250, 30, 30
    width, height = label_w + bar_w + 70, top + row_h * max(len(bars), 1) + 10
    parts = [
        f'<svg class="chart" id="{chart_id}" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape("; ".join(f"{b.label}: {_pct(b.value)}" for b in bars))}</desc>',
        _PATTERNS.format(id=chart_id),
    ]
    for i, b in enumerate(bars):
        y = top + i * row_h
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 20}" text-anchor="end" font-size="15" fill="#1f2a37">'
            f"{escape(_shorten(b.label, 26))}</text>"
        )
        w = 0 if b.value is None else bar_w * max(0.0, min(b.value, 100.0)) / 100
        parts.append(
            f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" '
            f'fill="url(#{chart_id}-hatch)" stroke="#123d6b"/>'
        )
        parts.append(
            f'<text x="{label_w + w + 4:.1f}" y="{y + 20}" font-size="15" fill="#1f2a37">{_pct(b.value)}</text>'
        )
    if target is not None:
        x = label_w + bar_w * target / 100
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 6}" stroke="#a1121f" '
            f'stroke-width="2" stroke-dasharray="6 4"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{top - 10}" text-anchor="middle" font-size="15" fill="#a1121f">'
            f"{escape(target_text)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped above


def trend_svg(
    *,
    chart_id: str,
    title: str,
    points: list[tuple[str, float | None]],
    target: float | None = None,
    target_text: str = "",
) -> SafeString:
    """A line of monthly values (0–100 %), each point marked and labelled; the target dashed."""
    left, right, top, bottom = 36, 16, 24, 34
    plot_w, plot_h = max(60 * len(points), 240), 140
    width, height = left + plot_w + right, top + plot_h + bottom

    def y_of(v: float) -> float:
        return top + plot_h * (1 - max(0.0, min(v, 100.0)) / 100)

    step = plot_w / max(len(points), 1)
    parts = [
        f'<svg class="chart" id="{chart_id}" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
        f'viewBox="0 0 {width} {height}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape("; ".join(f"{m}: {_pct(v)}" for m, v in points))}</desc>',
    ]
    for grid in (0, 50, 100):
        parts.append(
            f'<line x1="{left}" y1="{y_of(grid):.1f}" x2="{left + plot_w}" y2="{y_of(grid):.1f}" stroke="#c9d1da"/>'
            f'<text x="{left - 4}" y="{y_of(grid) + 4:.1f}" text-anchor="end" font-size="13" fill="#444">{grid}</text>'
        )
    coords, marks = [], []
    for i, (month, value) in enumerate(points):
        x = left + step * (i + 0.5)
        marks.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 18}" text-anchor="middle" font-size="13" fill="#1f2a37">'
            f"{escape(month)}</text>"
        )
        if value is None:
            marks.append(
                f'<text x="{x:.1f}" y="{top + plot_h - 4}" text-anchor="middle" font-size="13" fill="#444">—</text>'
            )
            continue
        coords.append((x, y_of(value)))
        marks.append(
            f'<rect x="{x - 4:.1f}" y="{y_of(value) - 4:.1f}" width="8" height="8" fill="#123d6b"/>'
            f'<text x="{x:.1f}" y="{y_of(value) - 8:.1f}" text-anchor="middle" font-size="13" fill="#1f2a37">'
            f"{_pct(value)}</text>"
        )
    if len(coords) > 1:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#123d6b" stroke-width="2"/>')
    parts.extend(marks)
    if target is not None:
        parts.append(
            f'<line x1="{left}" y1="{y_of(target):.1f}" x2="{left + plot_w}" y2="{y_of(target):.1f}" '
            f'stroke="#a1121f" stroke-width="2" stroke-dasharray="6 4"/>'
            f'<text x="{left + plot_w}" y="{y_of(target) - 4:.1f}" text-anchor="end" font-size="13" fill="#a1121f">'
            f"{escape(target_text)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped above
