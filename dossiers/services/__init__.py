"""Writes on dossiers: drafts, submission (with the dossier code), every lifecycle transition,
claiming and assigning, files, ratings and the deadline marks. Nothing else assigns `status`.

Each transition locks the row, checks the state, is a no-op when already done, refuses an
illegal move with DossierActionError (a message for people), appends a timeline event, sends
`dossier_transitioned`, and queues the notification and the PDF to go out on commit.
"""

from .act import dossier_act
from .base import (
    DossierActionError,
    DossierIncomplete,
    DossierLevelRequired,
    official_may,
    procedure_level_check,
)
from .consent import (
    on_behalf_code_pending,
    on_behalf_code_send,
    on_behalf_code_verify,
    on_behalf_consent_form_attach,
    on_behalf_contacts,
)
from .deadlines import dossier_deadlines_mark
from .drafts import (
    applicant_clean,
    applicant_from_user,
    applicant_locked,
    dossier_draft_create,
    dossier_draft_delete,
    dossier_draft_update,
    dossier_file_add,
    dossier_file_remove,
    dossier_on_behalf_start,
)
from .on_behalf import (
    applicant_store_documents,
    on_behalf_access_check,
    on_behalf_allowed,
    on_behalf_audit,
    on_behalf_is_filer,
    on_behalf_may_file,
)
from .popularity import procedure_popularity_refresh
from .submission import dossier_code_next, dossier_file_and_submit, dossier_submit, dossier_validation_errors
from .transitions import (
    dossier_approve,
    dossier_assign,
    dossier_certify_copy,
    dossier_claim,
    dossier_extend,
    dossier_propose_approve,
    dossier_propose_refuse,
    dossier_rate,
    dossier_receive,
    dossier_refuse,
    dossier_reject_intake,
    dossier_request_supplement,
    dossier_resubmit,
    dossier_return_result,
    dossier_send_back,
    dossier_sign_off,
    dossier_stop,
    dossier_transfer,
    dossier_transfer_back,
    dossier_withdraw,
    issued_document_regenerate,
)

__all__ = [
    "DossierActionError",
    "DossierIncomplete",
    "DossierLevelRequired",
    "applicant_clean",
    "applicant_from_user",
    "applicant_locked",
    "applicant_store_documents",
    "dossier_act",
    "dossier_approve",
    "dossier_assign",
    "dossier_certify_copy",
    "dossier_claim",
    "dossier_code_next",
    "dossier_deadlines_mark",
    "dossier_draft_create",
    "dossier_draft_delete",
    "dossier_draft_update",
    "dossier_extend",
    "dossier_file_add",
    "dossier_file_and_submit",
    "dossier_file_remove",
    "dossier_on_behalf_start",
    "dossier_propose_approve",
    "dossier_propose_refuse",
    "dossier_rate",
    "dossier_receive",
    "dossier_refuse",
    "dossier_reject_intake",
    "dossier_request_supplement",
    "dossier_resubmit",
    "dossier_return_result",
    "dossier_send_back",
    "dossier_sign_off",
    "dossier_stop",
    "dossier_submit",
    "dossier_transfer",
    "dossier_transfer_back",
    "dossier_validation_errors",
    "dossier_withdraw",
    "issued_document_regenerate",
    "official_may",
    "on_behalf_access_check",
    "on_behalf_allowed",
    "on_behalf_audit",
    "on_behalf_code_pending",
    "on_behalf_code_send",
    "on_behalf_code_verify",
    "on_behalf_consent_form_attach",
    "on_behalf_contacts",
    "on_behalf_is_filer",
    "on_behalf_may_file",
    "procedure_level_check",
    "procedure_popularity_refresh",
]
