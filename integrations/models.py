"""Outbound integrations: the national portal's sync outbox, webhook subscriptions and their
deliveries, and the built-in sandbox national portal's own store."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SyncMessage(models.Model):
    """One status change of a dossier for the national portal, written in the change's
    transaction. Messages of one dossier go out strictly in `sequence` order."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed, needs an operator")

    message_id = models.UUIDField(_("message id"), default=uuid.uuid4, unique=True, editable=False)
    dossier = models.ForeignKey(
        "dossiers.Dossier", on_delete=models.CASCADE, related_name="+", verbose_name=_("dossier")
    )
    dossier_code = models.CharField(_("dossier code"), max_length=60)
    sequence = models.PositiveIntegerField(_("sequence"))
    action = models.CharField(_("action"), max_length=40)
    to_status = models.CharField(_("portal status"), max_length=24)
    agency_code = models.CharField(_("agency code"), max_length=40, blank=True)
    status_code = models.CharField(_("national status code"), max_length=10)
    is_latest = models.BooleanField(_("latest of the dossier"), default=True)
    payload = models.JSONField(_("message"), default=dict)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True)
    resent_by_reconciliation = models.PositiveIntegerField(_("re-sent by reconciliation"), default=0)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["dossier_id", "sequence"]
        verbose_name = _("national sync message")
        verbose_name_plural = _("national sync messages")
        constraints = [models.UniqueConstraint(fields=["dossier", "sequence"], name="sync_message_dossier_seq")]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="sync_message_due_idx"),
            models.Index(fields=["is_latest", "agency_code", "status_code"], name="sync_message_latest_idx"),
        ]

    def __str__(self):
        return f"{self.dossier_code} #{self.sequence} ({self.status_code})"


class SyncReconciliation(models.Model):
    """One comparison of our counts with the national portal's."""

    ran_at = models.DateTimeField(_("ran at"), auto_now_add=True)
    groups_compared = models.PositiveIntegerField(_("groups compared"), default=0)
    groups_different = models.PositiveIntegerField(_("groups different"), default=0)
    messages_resent = models.PositiveIntegerField(_("messages re-sent"), default=0)
    error = models.TextField(_("error"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        ordering = ["-ran_at"]
        verbose_name = _("national sync reconciliation")
        verbose_name_plural = _("national sync reconciliations")

    def __str__(self):
        return f"{self.ran_at:%Y-%m-%d %H:%M}"


class WebhookSubscription(models.Model):
    """An agency's or a system's URL that receives signed dossier events."""

    name = models.CharField(_("name"), max_length=200)
    agency = models.ForeignKey(
        "services.Agency",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("agency"),
        help_text=_("Only this agency's dossiers; empty: every agency (a system subscription)."),
    )
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(
        _("events"), default=list, blank=True, help_text=_("Event types to send; empty: every dossier event.")
    )
    secret = models.CharField(_("signing secret"), max_length=100, editable=False)
    previous_secret = models.CharField(_("previous secret"), max_length=100, blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(_("previous secret valid until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self):
        return self.name


class WebhookDelivery(models.Model):
    """One event for one subscription; retried until delivered or WEBHOOK_RETRY_HOURS pass."""

    class State(models.TextChoices):
        PENDING = "pending", _("Waiting to be delivered")
        DELIVERED = "delivered", _("Delivered")
        FAILED = "failed", _("Given up")

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("subscription")
    )
    event_id = models.UUIDField(_("event id"))
    event_type = models.CharField(_("event"), max_length=60)
    payload = models.JSONField(_("body"), default=dict)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event_id"], name="webhook_delivery_once_per_event")
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="webhook_delivery_due_idx")]

    def __str__(self):
        return f"{self.event_type} {self.event_id}"


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_rows")
    at = models.DateTimeField(_("at"), auto_now_add=True)
    http_status = models.PositiveIntegerField(_("HTTP status"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.http_status or self.error[:40]}"


class SandboxNationalRecord(models.Model):
    """What the sandbox national portal (/sandbox/dvcqg/) received: one row per message id."""

    message_id = models.CharField(max_length=64, unique=True)
    dossier_code = models.CharField(max_length=60, db_index=True)
    sequence = models.PositiveIntegerField()
    agency_code = models.CharField(max_length=40, blank=True)
    status_code = models.CharField(max_length=10)
    step = models.CharField(max_length=200, blank=True)
    payload = models.JSONField(default=dict)
    out_of_order = models.BooleanField(default=False)
    times_received = models.PositiveIntegerField(default=1)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["dossier_code", "sequence"]
        verbose_name = _("sandbox national portal record")
        verbose_name_plural = _("sandbox national portal records")

    def __str__(self):
        return f"{self.dossier_code} #{self.sequence}"


class SandboxNationalSwitch(models.Model):
    """The sandbox's error switch: the next `fail_next` sync requests answer `fail_status`."""

    fail_next = models.PositiveIntegerField(default=0)
    fail_status = models.PositiveIntegerField(default=503)
    requests_seen = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"fail next {self.fail_next}"
