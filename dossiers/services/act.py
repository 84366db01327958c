"""The one dispatcher: the admin's action panel, the citizen's pages and the API call
`dossier_act(dossier=…, by=…, action="…", **inputs)`; the lifecycle table says who may do what."""

from django.utils.translation import gettext as _

from ..lifecycle import ACTIONS
from ..models import Dossier
from . import transitions as t
from .base import DossierActionError

_SERVICES = {
    "receive": t.dossier_receive,
    "request_supplement": t.dossier_request_supplement,
    "resubmit": t.dossier_resubmit,
    "reject_intake": t.dossier_reject_intake,
    "transfer": t.dossier_transfer,
    "transfer_back": t.dossier_transfer_back,
    "propose_approve": t.dossier_propose_approve,
    "propose_refuse": t.dossier_propose_refuse,
    "sign_off": t.dossier_sign_off,
    "send_back": t.dossier_send_back,
    "approve": t.dossier_approve,
    "certify_copy": t.dossier_certify_copy,
    "refuse": t.dossier_refuse,
    "extend": t.dossier_extend,
    "stop": t.dossier_stop,
    "return_result": t.dossier_return_result,
    "withdraw": t.dossier_withdraw,
    "claim": t.dossier_claim,
    "assign": t.dossier_assign,
}


def dossier_act(*, dossier: Dossier, by, action: str, **inputs) -> Dossier:
    """Take `action` on `dossier` as `by`, with the inputs the table lists for it (extra inputs
    are refused). Raises DossierActionError with a Vietnamese message saying why not."""
    spec = ACTIONS.get(action)
    service = _SERVICES.get(action)
    if spec is None or service is None:
        raise DossierActionError(_("Unknown action."))
    unknown = set(inputs) - set(spec.inputs)
    if unknown:
        raise DossierActionError(_("Unexpected input: %(names)s.") % {"names": ", ".join(sorted(unknown))})
    if action == "rate":  # pragma: no cover - rating has its own service (returns the rating)
        raise DossierActionError(_("Unknown action."))
    result = service(dossier=dossier, by=by, **inputs)
    return result
