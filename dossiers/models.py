"""Dossiers (hồ sơ): what a citizen files, its lifecycle status and its append-only timeline."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    IN_PROCESSING = "in_processing", _("In processing")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Supplements requested")
    TRANSFERRED = "transferred", _("Transferred to another agency")
    RESULT_READY = "result_ready", _("Result ready")
    COMPLETED = "completed", _("Completed")
    REJECTED = "rejected", _("Rejected at intake")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    COUNTER = "counter", _("At the counter")
    MOBILE_TEAM = "mobile_team", _("Mobile team")
    POST = "post", _("By post")


class Dossier(models.Model):
    """A dossier. Nothing but the transition functions in dossiers/services.py assigns `status`."""

    code = models.CharField(_("dossier code"), max_length=60, unique=True, null=True, blank=True)
    status = models.CharField(_("status"), max_length=24, choices=Status.choices, default=Status.DRAFT)
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="dossiers", verbose_name=_("applicant")
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossiers_filed_on_behalf",
        verbose_name=_("filed on behalf by"),
    )
    channel = models.CharField(_("channel"), max_length=12, choices=Channel.choices, default=Channel.ONLINE)
    procedure_version = models.ForeignKey(
        "services.ProcedureVersion", on_delete=models.PROTECT, related_name="dossiers", verbose_name=_("procedure")
    )
    agency = models.ForeignKey(
        "services.Agency", on_delete=models.PROTECT, related_name="dossiers", verbose_name=_("receiving agency")
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="parts", verbose_name=_("bundle dossier")
    )
    applicant = models.JSONField(_("applicant"), default=dict, blank=True)
    form_data = models.JSONField(_("form data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_dossiers",
        verbose_name=_("handled by"),
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        indexes = [
            models.Index(fields=["agency", "status", "due_at"]),
            models.Index(fields=["citizen", "-created_at"]),
        ]

    def __str__(self):
        return self.code or f"#{self.pk} ({self.get_status_display()})"


class DossierEvent(models.Model):
    """One step of a dossier's timeline. Append-only."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("by")
    )
    action = models.CharField(_("action"), max_length=40)
    from_status = models.CharField(_("from"), max_length=24, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=24, choices=Status.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["dossier", "at", "id"]
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")

    def __str__(self):
        return f"{self.dossier}: {self.action}"
