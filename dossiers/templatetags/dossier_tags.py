"""Template helpers of the dossier pages."""

from functools import partial

from django import template
from django.utils import timezone
from django.utils.html import format_html

from dossiers.lifecycle import DRAFT_STATUSES, IN_PROGRESS_STATUSES, STATUS_BADGES

register = template.Library()


@register.simple_tag
def status_badge(dossier):
    return format_html(
        '<span class="badge {}">{}</span>', STATUS_BADGES.get(dossier.status, ""), dossier.get_status_display()
    )


@register.filter
def is_overdue(dossier) -> bool:
    return bool(
        dossier.due_at
        and dossier.status in IN_PROGRESS_STATUSES  # the clock stops while waiting for supplements
        and dossier.due_at < timezone.now()
    )


@register.simple_tag
def indicator_cell(row, key):
    """One ratio of the indicators table: the percentage (with the counts behind it), and
    whether it meets its target, in words as well as colour."""
    from django.utils.formats import number_format
    from django.utils.translation import gettext as _

    ratio = getattr(row, key)
    if ratio.percent is None:
        from django.utils.safestring import mark_safe

        return mark_safe('<td class="num">—</td>')
    met = row.target_met(key)
    badge = ""
    if met is not None:
        badge = format_html(
            ' <span class="badge {}">{}</span>', "badge-ok" if met else "badge-warn", _("met") if met else _("not met")
        )
    return format_html(
        '<td class="num">{} %<span class="ip-counts">{}/{}</span>{}</td>',
        number_format(ratio.percent, 2),
        ratio.numerator,
        ratio.denominator,
        badge,
    )


@register.simple_tag
def indicator_rows(rows, columns):
    """The body of the indicators table: one <tr> per agency and the total, the same cells as
    `indicator_cell` (a year of 200 agencies is 1,200 ratio cells: built here in one pass, not
    through the template engine cell by cell)."""
    from django.conf import settings
    from django.template.defaultfilters import floatformat
    from django.utils.formats import get_format, localize, number_format
    from django.utils.html import escape
    from django.utils.safestring import mark_safe
    from django.utils.translation import gettext as _

    keys = [c["key"] for c in columns]
    if settings.USE_THOUSAND_SEPARATOR:
        number = localize
        percent_text = partial(number_format, decimal_pos=2)
    else:  # what number_format gives without grouping, without its per-call format lookups
        number = str
        decimal_separator = get_format("DECIMAL_SEPARATOR")

        def percent_text(value):
            return f"{value:.2f}".replace(".", decimal_separator)

    met_badge = ' <span class="badge badge-ok">{}</span>'.format(escape(_("met")))
    not_met_badge = ' <span class="badge badge-warn">{}</span>'.format(escape(_("not met")))
    out = []
    for r in rows:
        score = r.score
        cells = []
        for key in keys:
            ratio = getattr(r, key)
            percent = ratio.percent
            if percent is None:
                cells.append('<td class="num">—</td>')
                continue
            met = r.target_met(key)
            badge = "" if met is None else (met_badge if met else not_met_badge)
            cells.append(
                f'<td class="num">{percent_text(percent)} %<span class="ip-counts">'
                f"{ratio.numerator}/{ratio.denominator}</span>{badge}</td>"
            )
        average = r.average_rating
        tr = '<tr class="ip-total">' if r.is_total else "<tr>"
        out.append(
            f"{tr}"
            f'<th scope="row">{escape(r.agency_name)}</th>'
            f'<td class="num"><strong>{"—" if score is None else floatformat(score, 1)}</strong></td>'
            f'<td class="num">{number(r.received)}</td><td class="num">{number(r.resolved)}</td>'
            + "".join(cells)
            + (
                f'<td class="num"><span class="badge badge-danger">{number(r.overdue_now)}</span></td>'
                if r.overdue_now
                else '<td class="num">0</td>'
            )
            + f'<td class="num">{"—" if average is None else f"{floatformat(average, 2)}/5"}</td></tr>\n'
        )
    return mark_safe("".join(out))  # noqa: S308 - every text is escaped above


@register.filter
def is_draft(dossier) -> bool:
    return dossier.status in DRAFT_STATUSES
