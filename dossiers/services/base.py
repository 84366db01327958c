"""The shared machinery of the dossier writes: the error, roles, locking, the timeline event and
the one transition helper every lifecycle step goes through; bundles following their parts."""

from collections.abc import Callable

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from identity import roles
from identity.selectors import official_agency_ids, officials_with_roles, user_has_role, user_meets_level

from ..hooks import transition_guards_check
from ..issued_pdfs import issued_document_schedule
from ..models import (
    FINAL_STATUSES,
    Dossier,
    DossierEvent,
    Status,
)
from ..notify import citizen_notify, officials_notify
from ..signals import dossier_transitioned


class DossierActionError(Exception):
    """An action that may not happen now; str(error) is a message for the person who tried."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = str(message)


class DossierLevelRequired(DossierActionError):
    """The procedure needs a higher e-ID level than the citizen's account has."""


def procedure_level_check(*, citizen, procedure_version, on_behalf: bool = False) -> None:
    """The one rule on a procedure's `min_eid_level`, for every way of filing (page, API, on behalf)."""
    level = int((procedure_version.snapshot or {}).get("min_eid_level") or 1)
    if user_meets_level(citizen, level):
        return
    if on_behalf:
        raise DossierLevelRequired(_("This procedure needs a level-2 e-ID account: verify the citizen first."))
    raise DossierLevelRequired(
        _("This procedure needs a level-2 e-ID account: verify your identity with VNeID or at the one-stop desk first.")
    )


class DossierIncomplete(DossierActionError):
    """Submission refused: `errors` says what is missing, as `dossier_validation_errors` does."""

    def __init__(self, message, errors: dict[str, list[str]]):
        super().__init__(message)
        self.errors = errors


# Which official roles may take which action (superusers may take all).
ACTION_ROLES = {
    "receive": {roles.INTAKE, roles.LEADER},
    "request_supplement": {roles.INTAKE, roles.PROCESSING, roles.LEADER},
    "reject_intake": {roles.INTAKE, roles.LEADER},
    "transfer": {roles.PROCESSING, roles.LEADER},
    "transfer_back": {roles.INTAKE, roles.PROCESSING, roles.LEADER},
    "approve": {roles.PROCESSING, roles.LEADER},
    "refuse": {roles.PROCESSING, roles.LEADER},
    "extend": {roles.PROCESSING, roles.LEADER},
    "return_result": {roles.INTAKE, roles.LEADER},
    "claim": {roles.INTAKE, roles.PROCESSING, roles.LEADER},
    "assign": {roles.LEADER},
    "regenerate": {roles.INTAKE, roles.PROCESSING, roles.LEADER},
}

ACTION_LABELS = {
    "submit": gettext_noop("submit"),
    "receive": gettext_noop("receive"),
    "request_supplement": gettext_noop("request supplements"),
    "resubmit": gettext_noop("resubmit"),
    "reject_intake": gettext_noop("reject at intake"),
    "transfer": gettext_noop("transfer"),
    "transfer_back": gettext_noop("transfer back"),
    "approve": gettext_noop("approve"),
    "refuse": gettext_noop("refuse"),
    "extend": gettext_noop("extend"),
    "return_result": gettext_noop("return the result"),
    "withdraw": gettext_noop("withdraw"),
    "claim": gettext_noop("claim"),
    "assign": gettext_noop("assign"),
}


def _action_label(action: str) -> str:
    return _(ACTION_LABELS.get(action, action))


def official_may(user, dossier: Dossier, action: str) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    agency_id = dossier.current_agency_id or dossier.agency_id
    if agency_id not in official_agency_ids(user):
        return False
    return user_has_role(user, *ACTION_ROLES.get(action, set()))


def _check_official(user, dossier: Dossier, action: str) -> None:
    if not official_may(user, dossier, action):
        raise DossierActionError(_("You may not %(action)s this dossier.") % {"action": _action_label(action)})


def _check_owner(user, dossier: Dossier) -> None:
    if user is None or user.pk not in (dossier.citizen_id, dossier.filed_by_id):
        raise DossierActionError(_("This dossier is not yours."))


def _illegal(dossier: Dossier, action: str) -> DossierActionError:
    return DossierActionError(
        _("A dossier that is “%(status)s” cannot be %(action)s: this step is not possible now.")
        % {"status": dossier.get_status_display(), "action": _action_label(action)}
    )


def _lock(dossier: Dossier | int) -> Dossier:
    pk = dossier.pk if isinstance(dossier, Dossier) else dossier
    return (
        Dossier.objects.select_for_update(of=("self",) if connection.features.has_select_for_update_of else ())
        .select_related("citizen", "agency", "current_agency", "procedure_version")
        .get(pk=pk)
    )


def _event(*, dossier, actor, action, from_status="", to_status="", note="", data=None) -> DossierEvent:
    return DossierEvent.objects.create(
        dossier=dossier,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data or {},
    )


def _issue_on_commit(*, dossier_id: int, kind: str, event_id: int) -> None:
    issued_document_schedule(dossier_id=dossier_id, kind=kind, event_id=event_id)


def _transition(
    *,
    dossier,
    actor,
    action: str,
    allowed: tuple,
    to: str | None,
    note: str = "",
    data: dict | None = None,
    apply: Callable[[Dossier], None] | None = None,
    done: Callable[[Dossier], bool] | None = None,
    check: Callable[[Dossier], None] | None = None,
    issue: str | None = None,
    official: bool = True,
    guard: bool = True,
    notify_citizen: bool = True,
    notify_note: str | None = None,
) -> Dossier:
    with transaction.atomic():
        d = _lock(dossier)
        if official:
            _check_official(actor, d, action)
        else:
            _check_owner(actor, d)
        if (done or (lambda x: to is not None and x.status == to))(d):
            return d
        if d.status not in allowed:
            raise _illegal(d, action)
        if check:
            check(d)
        if guard:
            message = transition_guards_check(dossier=d, action=action)
            if message:
                raise DossierActionError(message)
        from_status = d.status
        if apply:
            apply(d)
        if to:
            d.status = to
        d.save()
        event = _event(
            dossier=d, actor=actor, action=action, from_status=from_status, to_status=d.status, note=note, data=data
        )
        dossier_transitioned.send(
            sender=Dossier, dossier=d, action=action, from_status=from_status, to_status=d.status, actor=actor
        )
        if issue:
            _issue_on_commit(dossier_id=d.pk, kind=issue, event_id=event.pk)
        if notify_citizen:
            citizen_notify(
                dossier=d, action=action, note=notify_note if notify_note is not None else note, key=f"event:{event.pk}"
            )
        if d.parent_id:
            _bundle_parent_sync(parent_id=d.parent_id, actor=actor)
    return d


def _bundle_parent_sync(*, parent_id: int, actor) -> None:
    """A bundle's status follows its parts: in processing once one is received, completed
    when all are done."""
    parent = _lock(parent_id)
    parts = list(parent.parts.values_list("status", "due_at", "received_at"))
    statuses = [s for s, _due, _rec in parts]
    if not statuses:
        return
    if all(s in FINAL_STATUSES for s in statuses):
        if any(s == Status.COMPLETED for s in statuses):
            new = Status.COMPLETED
        elif all(s == Status.WITHDRAWN for s in statuses):
            new = Status.WITHDRAWN
        else:
            new = Status.REFUSED
    elif any(s == Status.SUPPLEMENT_REQUESTED for s in statuses):
        new = Status.SUPPLEMENT_REQUESTED
    elif any(s in (Status.IN_PROCESSING, Status.TRANSFERRED, Status.RESULT_READY, Status.COMPLETED) for s in statuses):
        new = Status.IN_PROCESSING
    else:
        new = Status.SUBMITTED
    dues = [due for _s, due, _r in parts if due]
    receipts = [rec for _s, _d, rec in parts if rec]
    parent.due_at = max(dues) if dues else parent.due_at
    parent.received_at = min(receipts) if receipts else parent.received_at
    if new == parent.status:
        parent.save(update_fields=["due_at", "received_at", "updated_at"])
        return
    old = parent.status
    parent.status = new
    if new in FINAL_STATUSES:
        parent.completed_at = timezone.now()
    parent.save()
    _event(dossier=parent, actor=actor, action="bundle_sync", from_status=old, to_status=new)
    dossier_transitioned.send(
        sender=Dossier, dossier=parent, action="bundle_sync", from_status=old, to_status=new, actor=actor
    )
    if new == Status.COMPLETED:
        citizen_notify(dossier=parent, action="return_result")


def _intake_officials_notify(*, dossier: Dossier) -> None:
    users = officials_with_roles(agency_ids=[dossier.current_agency_id], roles=[roles.INTAKE])
    officials_notify(
        users=users,
        dossier=dossier,
        event="dossier.new",
        subject=_("New dossier %(code)s") % {"code": dossier.code},
        body=_("A new dossier %(code)s (%(procedure)s) is waiting in your agency's queue.")
        % {"code": dossier.code, "procedure": dossier.procedure_version.name},
    )
