"""Shared reference data (administrative units) and the append-only audit log."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Province(models.Model):
    """A province-level unit (34 since 2025-07-01), keyed by its GSO code."""

    code = models.PositiveIntegerField(_("code"), primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    division_type = models.CharField(_("division type"), max_length=50)
    codename = models.SlugField(_("code name"), max_length=100)

    class Meta:
        ordering = ["name"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")

    def __str__(self):
        return self.name


class Ward(models.Model):
    """A commune-level unit (xã, phường, đặc khu); there is no district level since 2025."""

    code = models.PositiveIntegerField(_("code"), primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    division_type = models.CharField(_("division type"), max_length=50)
    codename = models.SlugField(_("code name"), max_length=100)
    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="wards", verbose_name=_("province"))

    class Meta:
        ordering = ["province", "name"]
        verbose_name = _("commune-level unit")
        verbose_name_plural = _("commune-level units")

    def __str__(self):
        return f"{self.name}, {self.province.name}"


class AuditEvent(models.Model):
    """Who looked at or changed whose personal data, and when. Rows are never updated."""

    class Action(models.TextChoices):
        VIEW = "view", _("viewed")
        DOWNLOAD = "download", _("downloaded")
        CHANGE = "change", _("changed")
        EXPORT = "export", _("exported")
        VERIFY = "verify", _("verified")
        LOGIN = "login", _("logged in")

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_events",
        verbose_name=_("actor"),
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_subject_events",
        verbose_name=_("whose data"),
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=100, blank=True)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["subject", "-at"]), models.Index(fields=["actor", "-at"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)


class Notification(models.Model):
    """One message to one person over one channel: an outbox row written in the transaction
    of the change it reports, delivered by Celery from here (so a broker outage only delays)."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")
        INBOX = "inbox", _("Portal inbox")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    event = models.CharField(_("event"), max_length=100)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("message"))
    url = models.CharField(_("link"), max_length=500, blank=True)
    # Email address or phone number at the time of sending (the account may change later).
    address = models.CharField(_("address"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    # The attempt handed to the channel: recorded (and committed) before the channel is called,
    # so a "sent" that failed to commit leaves the row visibly in doubt instead of pending.
    attempt_id = models.CharField(_("attempt id"), max_length=32, blank=True)
    sending_at = models.DateTimeField(_("sending since"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    related_type = models.CharField(_("related object type"), max_length=100, blank=True)
    related_id = models.CharField(_("related object id"), max_length=64, blank=True)
    dedupe_key = models.CharField(_("deduplication key"), max_length=64, unique=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["user", "channel", "-created_at"], name="notif_inbox_idx"),
            models.Index(fields=["status", "created_at"], name="notif_pending_idx"),
            models.Index(fields=["related_type", "related_id"], name="notif_related_idx"),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} → {self.user}: {self.subject}"


class SandboxSmsMessage(models.Model):
    """A message received by the built-in sandbox SMS gateway (/sandbox/sms/), for demos and tests."""

    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    to = models.CharField(_("to"), max_length=20)
    brandname = models.CharField(_("brand name"), max_length=20, blank=True)
    text = models.TextField(_("text"))
    segments = models.PositiveSmallIntegerField(_("segments"), default=1)
    reference = models.CharField(_("client reference"), max_length=100, unique=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("sandbox SMS")
        verbose_name_plural = _("sandbox SMS")

    def __str__(self):
        return f"{self.to}: {self.text[:40]}"


class OutboxJob(models.Model):
    """One side effect to carry out (a receipt, a refund, a PDF): written as a pending row in the
    transaction that causes it, delivered by Celery from here (portal/outbox.py), so a broker
    outage or a killed worker only delays it. `key` makes the effect happen once."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    kind = models.CharField(_("kind"), max_length=50)
    key = models.CharField(_("deduplication key"), max_length=200, unique=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    attempt_id = models.CharField(_("attempt id"), max_length=32, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("outbox job")
        verbose_name_plural = _("outbox jobs")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due_idx")]

    def __str__(self):
        return f"{self.kind} {self.key} ({self.status})"


class SandboxSigningCredential(models.Model):
    """A key and certificate of the sandbox CA (root, TSA, one per agency): generated on first use
    and kept in the database, so every process signs with the same keys and no key file is ever
    committed. Only used when the sandbox signer is enabled (never in production)."""

    name = models.CharField(max_length=120, unique=True)
    private_pem = models.TextField()
    certificate_pem = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("sandbox signing credential")
        verbose_name_plural = _("sandbox signing credentials")

    def __str__(self):
        return self.name


class IdempotencyRecord(models.Model):
    """The first answer to a POST sent with an `Idempotency-Key`, per principal, until it expires."""

    principal = models.CharField(max_length=80)
    key = models.CharField(max_length=255)
    method_path = models.CharField(max_length=300)
    body_digest = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    response = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["principal", "key"], name="idempotency_principal_key")]

    def __str__(self):
        return f"{self.principal} {self.key}"
