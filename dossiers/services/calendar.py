"""Writes on the working-day calendar's exceptions, each within the writer's scope: the
province-wide calendar belongs to superusers and holders of `change_province_calendar`, an
agency's own exceptions to that agency's leader (`change_calendarexception`)."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from identity.selectors import official_agency

from ..models import CalendarException

PROVINCE_PERMISSION = "dossiers.change_province_calendar"


def calendar_exception_may_change(*, user, agency_id: int | None) -> bool:
    """Whether `user` may add, change or delete exceptions of that scope (None: the province)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if user.is_superuser or user.has_perm(PROVINCE_PERMISSION):
        return True  # the province's calendar, and any agency's
    if agency_id is None or not user.has_perm("dossiers.change_calendarexception"):
        return False
    agency = official_agency(user)
    return agency is not None and agency.pk == agency_id


def _refuse(agency_id):
    if agency_id is None:
        raise PermissionDenied(_("Only the province may change the province-wide calendar."))
    raise PermissionDenied(_("You may only change the calendar of your own agency."))


@transaction.atomic
def calendar_exception_save(*, exception: CalendarException, by) -> CalendarException:
    """Create or change an exception; both its old and its new scope must be the writer's."""
    if exception.pk:
        old = CalendarException.objects.select_for_update().get(pk=exception.pk)
        if not calendar_exception_may_change(user=by, agency_id=old.agency_id):
            _refuse(old.agency_id)
    if not calendar_exception_may_change(user=by, agency_id=exception.agency_id):
        _refuse(exception.agency_id)
    exception.save()
    return exception


@transaction.atomic
def calendar_exception_delete(*, exception: CalendarException, by) -> None:
    if not calendar_exception_may_change(user=by, agency_id=exception.agency_id):
        _refuse(exception.agency_id)
    exception.delete()
