"""The dossier changes, recorded for the national portal and the webhooks in their transaction."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from dossiers.lifecycle import DRAFT_STATUSES
from dossiers.signals import dossier_transitioned

from . import services
from .models import WebhookSubscription


@receiver(dossier_transitioned, dispatch_uid="integrations.record_change")
def dossier_change_record(sender, *, dossier, action, from_status, to_status, **kwargs):
    # Filed now (from no status, or from a draft, which never has a code): its first message.
    first = action == "submit" and (not from_status or from_status in DRAFT_STATUSES)
    services.sync_record(dossier=dossier, action=action, to_status=to_status, first=first)
    services.webhook_events_record(dossier=dossier, action=action, from_status=from_status, to_status=to_status)


post_save.connect(
    services.webhook_subscriptions_changed, sender=WebhookSubscription, dispatch_uid="integrations.subs_saved"
)
post_delete.connect(
    services.webhook_subscriptions_changed, sender=WebhookSubscription, dispatch_uid="integrations.subs_gone"
)
