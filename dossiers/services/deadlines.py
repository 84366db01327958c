"""The deadline marks of the beat job: due soon and overdue, each notified once."""

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from identity import roles
from identity.selectors import officials_with_roles

from ..calendar import working_days_between
from ..lifecycle import IN_PROGRESS_STATUSES
from ..models import Dossier
from ..notify import officials_notify
from .base import (
    _event,
    _lock,
)

# --- Deadlines -----------------------------------------------------------------------------------


def dossier_deadlines_mark(*, now: dt.datetime | None = None) -> dict:
    """Notify the responsible officials once when a dossier becomes due soon, once when overdue."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    counts = {"due_soon": 0, "overdue": 0}
    soon_limit = now + dt.timedelta(days=settings.DOSSIER_DUE_SOON_DAYS + 7)
    # Only dossiers whose clock runs: one waiting for the citizen's supplements is never due.
    active = Dossier.objects.filter(status__in=IN_PROGRESS_STATUSES, due_at__isnull=False, current_agency__isnull=False)
    for pk in active.filter(due_at__lt=now, overdue_notified_at__isnull=True).values_list("pk", flat=True)[:1000]:
        with transaction.atomic():
            d = _lock(pk)
            if d.overdue_notified_at or d.status not in IN_PROGRESS_STATUSES:
                continue
            d.overdue_notified_at = now
            d.save(update_fields=["overdue_notified_at"])
            _event(dossier=d, actor=None, action="overdue")
            _deadline_notify(d, overdue=True)
            counts["overdue"] += 1
    soon = active.filter(due_at__gte=now, due_at__lt=soon_limit, due_soon_notified_at__isnull=True)
    for pk, due_at, agency_id in soon.values_list("pk", "due_at", "current_agency_id")[:1000]:
        left = working_days_between(today, timezone.localdate(due_at), agency_id=agency_id)
        if left > settings.DOSSIER_DUE_SOON_DAYS:
            continue
        with transaction.atomic():
            d = _lock(pk)
            if d.due_soon_notified_at or d.status not in IN_PROGRESS_STATUSES:
                continue
            d.due_soon_notified_at = now
            d.save(update_fields=["due_soon_notified_at"])
            _deadline_notify(d, overdue=False)
            counts["due_soon"] += 1
    return counts


def _deadline_notify(d: Dossier, *, overdue: bool) -> None:
    users = get_user_model().objects.filter(pk=d.assigned_to_id) if d.assigned_to_id else None
    if users is None:
        users = officials_with_roles(agency_ids=[d.current_agency_id], roles=[roles.LEADER, roles.PROCESSING])
    due = timezone.localtime(d.due_at).strftime("%d/%m/%Y")
    if overdue:
        subject = _("Dossier %(code)s is overdue") % {"code": d.code}
        body = _("Dossier %(code)s was due on %(due)s and is not finished.") % {"code": d.code, "due": due}
    else:
        subject = _("Dossier %(code)s is due soon") % {"code": d.code}
        body = _("Dossier %(code)s is due on %(due)s.") % {"code": d.code, "due": due}
    event = "dossier.overdue" if overdue else "dossier.due_soon"
    officials_notify(users=users, dossier=d, event=event, subject=subject, body=body)
