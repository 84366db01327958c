"""The ONE table of a dossier's lifecycle: its states, the actions between them, who may take
each, the form it issues, the input it needs and the legal limit it obeys (Decree 118/2025/NĐ-CP,
Circular 03/2025/TT-VPCP; see docs/lifecycle.md).

Everything else reads this module: the transition services (dossiers/services/), the officials'
action panel (admin), the citizen's pages, the API and payments. No other module compares a
dossier's `status` with a literal or a `Status` member (tests/dossiers/test_lifecycle_lint.py):
they use the status groups below, `action_check` or `actions_available`.
"""

from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from identity import roles
from identity.selectors import official_agency_ids, user_has_role

from .errors import DossierActionError
from .models import Dossier, DossierEvent, IssuedDocument, Status

OFFICIAL, CITIZEN, SYSTEM = "official", "citizen", "system"


@dataclass(frozen=True)
class Action:
    name: str
    sources: frozenset
    target: str | None
    roles: frozenset
    actor: str
    label: Promise | str
    form: str = ""
    inputs: tuple = ()
    destructive: bool = False
    limit: Promise | str = ""
    # Shown in the officials' action panel (False: taken elsewhere, e.g. claim from the queue).
    panel: bool = field(default=True, compare=False)


S = Status
_STAFF = frozenset({roles.INTAKE, roles.PROCESSING, roles.LEADER})

# --- Status groups -------------------------------------------------------------------------------
DRAFT_STATUSES = frozenset({S.DRAFT})
NEW_STATUSES = frozenset({S.SUBMITTED})  # filed, not yet received
FINAL_STATUSES = frozenset({S.COMPLETED, S.REJECTED, S.REFUSED, S.WITHDRAWN, S.STOPPED})
# Waiting for the citizen: the legal clock does not run (never "overdue" nor "due soon").
CLOCK_STOPPED_STATUSES = frozenset({S.SUPPLEMENT_REQUESTED})
# Being worked on with the clock running: these count against the deadline.
IN_PROGRESS_STATUSES = frozenset({S.SUBMITTED, S.IN_PROCESSING, S.TRANSFERRED, S.AWAITING_SIGNOFF})
# Worked on, clock running or stopped (claimable, payable, withdrawable…).
ACTIVE_STATUSES = IN_PROGRESS_STATUSES | CLOCK_STOPPED_STATUSES
# Filed and not finished (includes a result waiting to be collected).
OPEN_STATUSES = ACTIVE_STATUSES | {S.RESULT_READY}
# In the agency's hands after intake (the "in processing" queue).
PROCESSING_STATUSES = frozenset({S.IN_PROCESSING, S.TRANSFERRED, S.AWAITING_SIGNOFF, S.RESULT_READY})
# The officials' queues: waiting for the head's sign-off; a result waiting to be handed over.
SIGNOFF_STATUSES = frozenset({S.AWAITING_SIGNOFF})
RETURN_STATUSES = frozenset({S.RESULT_READY})
# The dossier has its result (a bundle's next part may start).
RESULT_STATUSES = frozenset({S.RESULT_READY, S.COMPLETED})
SUCCESS_STATUSES = frozenset({S.COMPLETED})
# The result is ready and waits to be collected or returned.
RESULT_WAITING_STATUSES = RESULT_STATUSES - SUCCESS_STATUSES
# Ended by the agency's decision: a refusal (at intake or after examination); fees are refunded.
REFUSAL_STATUSES = frozenset({S.REFUSED, S.REJECTED})
# Decided (for the on-time figure): a result returned, or a refusal after examination.
RESOLVED_STATUSES = frozenset({S.COMPLETED, S.REFUSED})
RATABLE_STATUSES = FINAL_STATUSES - {S.WITHDRAWN}
# The states a scan may be added at intake.
INTAKE_SCAN_STATUSES = frozenset({S.SUBMITTED, S.IN_PROCESSING})

ALL_STATUSES = tuple(Status)

# The colour of each state's badge.
STATUS_BADGES = {
    S.DRAFT: "",
    S.SUBMITTED: "badge-info",
    S.IN_PROCESSING: "badge-info",
    S.SUPPLEMENT_REQUESTED: "badge-warn",
    S.TRANSFERRED: "badge-info",
    S.AWAITING_SIGNOFF: "badge-info",
    S.RESULT_READY: "badge-ok",
    S.COMPLETED: "badge-ok",
    S.REJECTED: "badge-danger",
    S.REFUSED: "badge-danger",
    S.WITHDRAWN: "",
    S.STOPPED: "badge-danger",
}


def status_label(status) -> str:
    return str(Status(status).label) if status in Status.values else str(status)


def in_group(dossier_or_status, group) -> bool:
    status = getattr(dossier_or_status, "status", dossier_or_status)
    return status in group


# --- The actions ---------------------------------------------------------------------------------
_ACTIONS = [
    Action(
        "submit", DRAFT_STATUSES, S.SUBMITTED, frozenset(), CITIZEN,
        gettext_lazy("Submit the dossier"), panel=False,
    ),
    Action(
        "receive", NEW_STATUSES, S.IN_PROCESSING, frozenset({roles.INTAKE, roles.LEADER}), OFFICIAL,
        gettext_lazy("Receive the dossier"), form=IssuedDocument.Kind.RECEIPT, inputs=("note",),
        limit=gettext_lazy("A part of a bundle starts only when the previous part has its result."),
    ),
    Action(
        "request_supplement", frozenset({S.SUBMITTED, S.IN_PROCESSING}), S.SUPPLEMENT_REQUESTED, _STAFF, OFFICIAL,
        gettext_lazy("Request supplements"), form=IssuedDocument.Kind.SUPPLEMENT, inputs=("missing", "note"),
        limit=gettext_lazy("Once during processing, listing everything missing; the clock stops meanwhile."),
    ),
    Action(
        "resubmit", CLOCK_STOPPED_STATUSES, None, frozenset(), CITIZEN,
        gettext_lazy("Send the supplements"), inputs=("note",), panel=False,
    ),
    Action(
        "reject_intake", frozenset({S.SUBMITTED, S.SUPPLEMENT_REQUESTED}), S.REJECTED,
        frozenset({roles.INTAKE, roles.LEADER}), OFFICIAL,
        gettext_lazy("Refuse to accept the dossier"), form=IssuedDocument.Kind.REFUSAL, inputs=("reason",),
        destructive=True, limit=gettext_lazy("Only before the dossier is received."),
    ),
    Action(
        "transfer", frozenset({S.IN_PROCESSING}), S.TRANSFERRED, frozenset({roles.PROCESSING, roles.LEADER}),
        OFFICIAL, gettext_lazy("Transfer to another agency"), inputs=("to_agency", "note"),
    ),
    Action(
        "transfer_back", frozenset({S.TRANSFERRED}), S.IN_PROCESSING, _STAFF, OFFICIAL,
        gettext_lazy("Hand back to the receiving agency"), inputs=("note",),
    ),
    Action(
        "propose_approve", frozenset({S.IN_PROCESSING}), S.AWAITING_SIGNOFF,
        frozenset({roles.PROCESSING, roles.LEADER}), OFFICIAL,
        gettext_lazy("Propose the result for sign-off"), inputs=("result_file", "paper_result", "note"),
        limit=gettext_lazy("Procedures whose results need the head's sign-off."),
    ),
    Action(
        "propose_refuse", frozenset({S.IN_PROCESSING, S.TRANSFERRED}), S.AWAITING_SIGNOFF,
        frozenset({roles.PROCESSING, roles.LEADER}), OFFICIAL,
        gettext_lazy("Propose a refusal for sign-off"), inputs=("reason",),
        limit=gettext_lazy("Procedures whose results need the head's sign-off."),
    ),
    Action(
        "sign_off", frozenset({S.AWAITING_SIGNOFF}), None, frozenset({roles.LEADER}), OFFICIAL,
        gettext_lazy("Sign off"), inputs=("note",),
        limit=gettext_lazy("The head of the agency; issues the proposed result or refusal (form 03)."),
    ),
    Action(
        "send_back", frozenset({S.AWAITING_SIGNOFF}), S.IN_PROCESSING, frozenset({roles.LEADER}), OFFICIAL,
        gettext_lazy("Send back for rework"), inputs=("comment",),
    ),
    Action(
        "approve", frozenset({S.IN_PROCESSING}), S.RESULT_READY, frozenset({roles.PROCESSING, roles.LEADER}),
        OFFICIAL, gettext_lazy("Approve the result"), form=IssuedDocument.Kind.RESULT,
        inputs=("result_file", "paper_result", "note"),
        limit=gettext_lazy("Alone only when the procedure needs no sign-off; otherwise the head."),
    ),
    Action(
        "certify_copy", frozenset({S.IN_PROCESSING}), S.RESULT_READY, frozenset({roles.LEADER}), OFFICIAL,
        gettext_lazy("Certify the copy from the original"), form=IssuedDocument.Kind.CERTIFIED_COPY,
        inputs=("file_id", "compared", "note"),
        limit=gettext_lazy(
            "Electronic certified-copy procedures; the person who signs certifications compared the scan with "
            "the original. Takes the next number of the agency's certification register."
        ),
    ),
    Action(
        "refuse", frozenset({S.IN_PROCESSING, S.TRANSFERRED}), S.REFUSED,
        frozenset({roles.PROCESSING, roles.LEADER}), OFFICIAL,
        gettext_lazy("Refuse to process"), form=IssuedDocument.Kind.REFUSAL, inputs=("reason",), destructive=True,
        limit=gettext_lazy("Alone only when the procedure needs no sign-off; otherwise the head."),
    ),
    Action(
        "extend", frozenset({S.IN_PROCESSING, S.TRANSFERRED, S.AWAITING_SIGNOFF}), None,
        frozenset({roles.PROCESSING, roles.LEADER}), OFFICIAL,
        gettext_lazy("Apologise and extend"), form=IssuedDocument.Kind.APOLOGY, inputs=("new_due", "reason"),
        limit=gettext_lazy("Before the due date, once; the legal due date is kept."),
    ),
    Action(
        "stop", frozenset({S.IN_PROCESSING, S.TRANSFERRED, S.SUPPLEMENT_REQUESTED}), S.STOPPED,
        frozenset({roles.PROCESSING, roles.LEADER}), OFFICIAL,
        gettext_lazy("Stop processing"), form=IssuedDocument.Kind.STOP, inputs=("reason",), destructive=True,
        limit=gettext_lazy("With the reason the law allows."),
    ),
    Action(
        "return_result", frozenset({S.RESULT_READY}), S.COMPLETED, frozenset({roles.INTAKE, roles.LEADER}),
        OFFICIAL, gettext_lazy("Return the result"), inputs=("note",),
    ),
    Action(
        "withdraw", ACTIVE_STATUSES, S.WITHDRAWN, frozenset(), CITIZEN,
        gettext_lazy("Withdraw the dossier"), inputs=("reason",), destructive=True, panel=False,
    ),
    Action(
        "claim", OPEN_STATUSES, None, _STAFF, OFFICIAL, gettext_lazy("Take this dossier"),
    ),
    Action(
        "assign", OPEN_STATUSES, None, frozenset({roles.LEADER}), OFFICIAL,
        gettext_lazy("Assign to an official"), inputs=("official",),
    ),
    Action(
        "rate", RATABLE_STATUSES, None, frozenset(), CITIZEN,
        gettext_lazy("Rate the service"), inputs=("score", "comment"), panel=False,
    ),
]  # fmt: skip

ACTIONS: dict[str, Action] = {a.name: a for a in _ACTIONS}
# What the head's sign-off issues, by the proposal it signs: (target status, form issued).
SIGN_OFF_OUTCOMES = {
    "propose_approve": (S.RESULT_READY, IssuedDocument.Kind.RESULT),
    "propose_refuse": (S.REFUSED, IssuedDocument.Kind.REFUSAL),
}
# Not a lifecycle step but a right over a dossier's documents.
REGENERATE_ROLES = _STAFF


def bundle_status(statuses) -> str:
    """A bundle's status follows its parts: in processing once one is received, completed when
    all are done (and one has a result), supplement requested while one waits for the citizen."""
    statuses = set(statuses)
    if statuses <= FINAL_STATUSES:
        if statuses & SUCCESS_STATUSES:
            return S.COMPLETED
        if len(statuses) == 1:
            return next(iter(statuses))
        return S.REFUSED if statuses & REFUSAL_STATUSES else S.STOPPED
    if statuses & CLOCK_STOPPED_STATUSES:
        return S.SUPPLEMENT_REQUESTED
    if statuses & (PROCESSING_STATUSES | SUCCESS_STATUSES):
        return S.IN_PROCESSING
    return S.SUBMITTED


# --- Checks --------------------------------------------------------------------------------------
class _Refusal(Exception):
    pass


def _error(message):
    return DossierActionError(message)


def _official_may(user, dossier: Dossier, role_set) -> bool:
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    agency_id = dossier.current_agency_id or dossier.agency_id
    if agency_id not in official_agency_ids(user):
        return False
    return user_has_role(user, *role_set)


def official_may(user, dossier: Dossier, action: str) -> bool:
    """May this official take this action on this dossier (role and agency; not the state)?"""
    if action == "regenerate":
        return _official_may(user, dossier, REGENERATE_ROLES)
    a = ACTIONS.get(action)
    return a is not None and a.actor == OFFICIAL and _official_may(user, dossier, a.roles)


def needs_signoff(dossier: Dossier) -> bool:
    return bool(dossier.snapshot.get("needs_signoff", True))


def _is_leader(user) -> bool:
    return bool(user is not None and (user.is_superuser or user_has_role(user, roles.LEADER)))


def _last_event(dossier: Dossier, action: str, events=None) -> DossierEvent | None:
    if events is not None:
        return max((e for e in events if e.action == action), key=lambda e: (e.at, e.pk), default=None)
    return dossier.events.filter(action=action).order_by("-at", "-id").first()


def supplement_requested_in_processing(dossier: Dossier, events=None) -> bool:
    """A supplement request after receipt was already made (intake requests before receipt are separate).
    `events`: the dossier's whole timeline already read, searched instead of a query."""
    if events is not None:
        return any(e.action == "request_supplement" and e.from_status == S.IN_PROCESSING for e in events)
    return dossier.events.filter(action="request_supplement", from_status=S.IN_PROCESSING).exists()


def previous_part_pending(dossier: Dossier) -> Dossier | None:
    """The earlier part of a liên thông bundle this part waits for (its result), or None."""
    if not dossier.parent_id:
        return None
    index = (dossier.form_data.get("bundle_part") or {}).get("index")
    if index is None:
        return None
    parts_meta = dossier.snapshot.get("bundle_parts") or []
    if index < len(parts_meta) and parts_meta[index].get("parallel"):
        return None
    for sibling in Dossier.objects.filter(parent_id=dossier.parent_id).exclude(pk=dossier.pk).order_by("id"):
        s_index = (sibling.form_data.get("bundle_part") or {}).get("index")
        if s_index is not None and s_index < index and sibling.status not in RESULT_STATUSES:
            return sibling
    return None


def _rules(*, user, dossier: Dossier, action: Action, events=None) -> None:
    """The legal limits of Decree 118/2025 beyond role and state; raises with the reason why."""
    name = action.name
    if name in ("approve", "refuse") and needs_signoff(dossier) and not _is_leader(user):
        raise _error(
            _(
                "The results of this procedure are signed off by the head of the agency: "
                "propose the result (or the refusal) for sign-off instead."
            )
        )
    if name == "certify_copy" and not dossier.snapshot.get("certified_copy"):
        raise _error(_("This procedure does not issue electronic certified copies."))
    if name in ("propose_approve", "propose_refuse") and not needs_signoff(dossier):
        raise _error(_("This procedure's results need no sign-off: approve or refuse directly."))
    if (
        name == "request_supplement"
        and dossier.status == S.IN_PROCESSING
        and supplement_requested_in_processing(dossier, events)
    ):
        raise _error(
            _(
                "Supplements were already requested once during processing; the law allows one request, "
                "listing everything missing."
            )
        )
    if name == "reject_intake" and dossier.received_at is not None:
        raise _illegal(dossier, action)
    if name == "extend":
        from django.utils import timezone

        if dossier.received_at is None:
            raise _illegal(dossier, action)
        if _last_event(dossier, "extend", events) is not None:
            raise _error(_("An apology with a new date was already issued: the new date is set only once."))
        if dossier.due_at is not None and dossier.due_at <= timezone.now():
            raise _error(_("The due date has passed: an apology with a new date must be issued before the due date."))
    if name == "receive" and (previous := previous_part_pending(dossier)) is not None:
        raise _error(
            _("This part of the bundle starts only when the previous part (%(code)s) has its result.")
            % {"code": previous.code}
        )


def _illegal(dossier: Dossier, action: Action):
    return _error(
        _("“%(action)s” is not possible for a dossier that is “%(status)s”: this step is not possible now.")
        % {"status": status_label(dossier.status), "action": action.label}
    )


def action_check(*, user, dossier: Dossier, action: str, events=None) -> None:
    """Raise DossierActionError (a Vietnamese message saying why) unless `user` may take `action`
    on `dossier` now: who (role, agency or owner), the state, and the legal limits. `events`: the
    dossier's whole timeline when the caller has read it already (the limits look things up in it)."""
    a = actor_check(user=user, dossier=dossier, action=action)
    if dossier.status not in a.sources:
        raise _illegal(dossier, a)
    _rules(user=user, dossier=dossier, action=a, events=events)


def actor_check(*, user, dossier: Dossier, action: str) -> Action:
    """Only the "who" part of `action_check`: the role and agency of an official, the owner for a
    citizen's action. Checked before an idempotent repeat is answered."""
    a = ACTIONS.get(action)
    if a is None:
        raise _error(_("Unknown action."))
    if a.actor == OFFICIAL:
        if not _official_may(user, dossier, a.roles):
            raise _error(_("You may not take the step “%(action)s” on this dossier.") % {"action": a.label})
    elif a.actor == CITIZEN and (user is None or user.pk not in (dossier.citizen_id, dossier.filed_by_id)):
        raise _error(_("This dossier is not yours."))
    return a


def action_allowed(*, user, dossier: Dossier, action: str, events=None) -> bool:
    try:
        action_check(user=user, dossier=dossier, action=action, events=events)
    except DossierActionError:
        return False
    return True


def actions_available(*, user, dossier: Dossier, actor: str | None = None, events=None) -> list[Action]:
    """What this person may do on this dossier now, in table order. `events`: the dossier's whole
    timeline when the caller has read it already (the dossier screen), instead of a query per limit."""
    return [
        a
        for a in _ACTIONS
        if (actor is None or a.actor == actor)
        and action_allowed(user=user, dossier=dossier, action=a.name, events=events)
    ]
