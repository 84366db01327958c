"""The shared machinery of the dossier writes: the error, roles, locking, the timeline event and
the one transition helper every lifecycle step goes through; bundles following their parts."""

from collections.abc import Callable

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from identity import roles
from identity.selectors import officials_with_roles, user_meets_level
from portal.rows import rows_insert

from ..errors import DossierActionError
from ..hooks import transition_guards_check
from ..issued_pdfs import issued_document_schedule
from ..lifecycle import (
    ACTIONS,
    FINAL_STATUSES,
    SUCCESS_STATUSES,
    action_check,
    actor_check,
    bundle_status,
    official_may,
)
from ..lifecycle import _illegal as _lifecycle_illegal
from ..models import Dossier, DossierEvent
from ..notify import citizen_notify, officials_notify
from ..signals import dossier_transitioned


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


def _check_official(user, dossier: Dossier, action: str) -> None:
    if not official_may(user, dossier, action):
        label = ACTIONS[action].label if action in ACTIONS else action
        raise DossierActionError(_("You may not take the step “%(action)s” on this dossier.") % {"action": label})


def _check_owner(user, dossier: Dossier) -> None:
    if user is None or user.pk not in (dossier.citizen_id, dossier.filed_by_id):
        raise DossierActionError(_("This dossier is not yours."))


def _illegal(dossier: Dossier, action: str) -> DossierActionError:
    return _lifecycle_illegal(dossier, ACTIONS[action])


def _lock(dossier: Dossier | int) -> Dossier:
    pk = dossier.pk if isinstance(dossier, Dossier) else dossier
    return (
        Dossier.objects.select_for_update(of=("self",) if connection.features.has_select_for_update_of else ())
        .select_related("citizen", "agency", "current_agency", "procedure_version")
        .get(pk=pk)
    )


def _event(*, dossier, actor, action, from_status="", to_status="", note="", data=None) -> DossierEvent:
    event = DossierEvent(
        dossier=dossier,
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note,
        data=data or {},
    )
    rows_insert([event])  # one INSERT, without save()'s machinery (portal.rows)
    return event


def _issue_on_commit(*, dossier_id: int, kind: str, event_id: int) -> None:
    issued_document_schedule(dossier_id=dossier_id, kind=kind, event_id=event_id)


def _transition(
    *,
    dossier,
    actor,
    action: str,
    to: str | None = "",
    note: str = "",
    data: dict | None = None,
    apply: Callable[[Dossier], None] | None = None,
    done: Callable[[Dossier], bool] | None = None,
    check: Callable[[Dossier], None] | None = None,
    issue: str | None = None,
    guard: bool = True,
    notify_citizen: bool = True,
    notify_note: str | None = None,
    cascade: Callable[[Dossier], None] | None = None,
    sync_parent: bool = True,
) -> Dossier:
    """One lifecycle step, all in one transaction: lock, `action_check` (the lifecycle table:
    who, which state, the legal limits), the step, its event and signal, then `cascade` (over a
    bundle's parts) and the bundle's own status. Any refusal rolls the whole step back."""
    spec = ACTIONS[action]
    target = spec.target if to == "" else to
    with transaction.atomic():
        d = _lock(dossier)
        actor_check(user=actor, dossier=d, action=action)
        if (done or (lambda x: target is not None and x.status == target))(d):
            return d  # a repeat (double click, retried request): nothing more to do
        action_check(user=actor, dossier=d, action=action)
        if check:
            check(d)
        if guard:
            message = transition_guards_check(dossier=d, action=action)
            if message:
                raise DossierActionError(message)
        from_status = d.status
        if apply:
            apply(d)
        if target:
            d.status = target
        d.save()
        event = _event(
            dossier=d, actor=actor, action=action, from_status=from_status, to_status=d.status, note=note, data=data
        )
        dossier_transitioned.send(
            sender=Dossier,
            dossier=d,
            action=action,
            from_status=from_status,
            to_status=d.status,
            actor=actor,
            event=event,
        )
        if issue:
            _issue_on_commit(dossier_id=d.pk, kind=issue, event_id=event.pk)
        if notify_citizen:
            citizen_notify(
                dossier=d, action=action, note=notify_note if notify_note is not None else note, key=f"event:{event.pk}"
            )
        if cascade:
            cascade(d)
        if d.parent_id and sync_parent:
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
    new = bundle_status(statuses)
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
    event = _event(dossier=parent, actor=actor, action="bundle_sync", from_status=old, to_status=new)
    dossier_transitioned.send(
        sender=Dossier, dossier=parent, action="bundle_sync", from_status=old, to_status=new, actor=actor, event=event
    )
    if new in SUCCESS_STATUSES:
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
