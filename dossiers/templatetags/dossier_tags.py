"""Template helpers of the dossier pages."""

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


@register.filter
def is_draft(dossier) -> bool:
    return dossier.status in DRAFT_STATUSES


@register.inclusion_tag("admin/dossiers/dossier/_queue_results.html")
def queue_results(cl):
    """The queue's table: Django's column headings (sorting links) and the rows the queue's
    ChangeList rendered once (dossiers.admin.QueueChangeList)."""
    from django.contrib.admin.templatetags.admin_list import result_headers

    headers = list(result_headers(cl))
    return {
        "cl": cl,
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "rows": cl.queue_rows,
    }
