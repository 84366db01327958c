"""Reactions to the dossier lifecycle: fee rows at submission, refunds on refusal/rejection."""

from django.dispatch import receiver
from django.utils.translation import gettext as _

from dossiers.lifecycle import REFUSAL_STATUSES as REFUND_ON
from dossiers.signals import dossier_submitted, dossier_transitioned

from . import services


@receiver(dossier_submitted, dispatch_uid="payments.fees_on_submit")
def fees_on_submit(sender, *, dossier, **kwargs):
    services.fees_create_for_dossier(dossier=dossier)


@receiver(dossier_transitioned, dispatch_uid="payments.refund_on_refusal")
def refund_on_refusal(sender, *, dossier, to_status, actor=None, **kwargs):
    if to_status in REFUND_ON:
        services.dossier_refunds_start(
            dossier=dossier,
            reason=_("Dossier %(code)s was refused or rejected: the fee is refunded.") % {"code": dossier.code},
            by=actor,
        )
