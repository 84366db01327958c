"""Payments of dossier fees: fee rows per dossier, payment attempts through a provider,
refunds, e-receipts, gateway cross-checks and the state of the built-in sandbox gateways.

Money is Decimal whole VND. Nothing but payments/services.py assigns a `status`; a payment in a
final state is never edited again (a refund is a new row).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FeeTiming(models.TextChoices):
    BEFORE_INTAKE = "before_intake", _("Before intake")
    BEFORE_RESULT = "before_result", _("Before the result is returned")


class Fee(models.Model):
    """One fee (lệ phí) or charge (phí) a dossier owes, copied from its procedure version."""

    class Kind(models.TextChoices):
        FEE = "fee", _("Fee")
        CHARGE = "charge", _("Charge")

    class Status(models.TextChoices):
        DUE = "due", _("Due")
        PAID = "paid", _("Paid")
        REFUNDED = "refunded", _("Refunded")

    # No index of its own: the unique (dossier, position) index starts with it. Marking a fee paid
    # rewrites its row with every index (the payment column changes): one index fewer to write.
    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.CASCADE, related_name="fees", db_index=False)
    position = models.PositiveIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.FEE)
    amount = models.DecimalField(_("amount (VND)"), max_digits=14, decimal_places=0)
    note = models.CharField(_("note"), max_length=500, blank=True)
    timing = models.CharField(_("due"), max_length=20, choices=FeeTiming.choices, default=FeeTiming.BEFORE_INTAKE)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DUE)
    payment = models.ForeignKey(
        "Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="paid_fees", verbose_name=_("paid by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["dossier_id", "position", "id"]  # not "dossier": that joins and sorts by Dossier.Meta.ordering
        unique_together = [("dossier", "position")]
        verbose_name = _("dossier fee")
        verbose_name_plural = _("dossier fees")

    def __str__(self):
        return f"{self.name}: {self.amount} VND"


class Provider(models.TextChoices):
    VNPAY = "vnpay", "VNPay"
    MOMO = "momo", "MoMo"
    COUNTER = "counter", _("At the counter")


class Payment(models.Model):
    """One attempt to pay a dossier's open fees through one provider."""

    class Status(models.TextChoices):
        CREATED = "created", _("Created")
        PENDING = "pending", _("Waiting for the gateway")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")

    FINAL_STATES = (Status.PAID, Status.FAILED, Status.CANCELLED, Status.EXPIRED)

    class Method(models.TextChoices):
        ONLINE = "online", _("Online")
        CASH = "cash", _("Cash")
        CARD = "card", _("Card")

    reference = models.CharField(_("order reference"), max_length=40, unique=True)
    dossier = models.ForeignKey("dossiers.Dossier", on_delete=models.PROTECT, related_name="payments")
    # No index of its own: the (agency, status, created_at) index starts with it. The IPN rewrites
    # the payment's row with every index (its status changes): one index fewer to write.
    agency = models.ForeignKey(
        "services.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("agency"), db_index=False
    )
    provider = models.CharField(_("provider"), max_length=20, choices=Provider.choices)
    method = models.CharField(_("method"), max_length=10, choices=Method.choices, default=Method.ONLINE)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.CREATED)
    amount = models.DecimalField(_("amount (VND)"), max_digits=14, decimal_places=0)
    fees = models.ManyToManyField(Fee, related_name="payments", verbose_name=_("fees"))
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("payer"),
    )
    payer_name = models.CharField(_("payer name"), max_length=150, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    redirect_url = models.URLField(_("gateway URL"), max_length=2000, blank=True)
    gateway_transaction_no = models.CharField(_("gateway transaction number"), max_length=64, blank=True)
    gateway_response_code = models.CharField(_("gateway response code"), max_length=16, blank=True)
    bank_code = models.CharField(_("bank / wallet"), max_length=30, blank=True)
    gateway_data = models.JSONField(_("gateway data"), default=dict, blank=True)
    client_ip = models.GenericIPAddressField(_("client IP"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        indexes = [
            models.Index(fields=["agency", "status", "created_at"]),
            models.Index(fields=["status", "created_at"]),
        ]
        permissions = [("record_counter_payment", _("Can record payments at the counter"))]

    def __str__(self):
        return f"{self.reference} ({self.get_status_display()})"

    @property
    def is_final(self) -> bool:
        return self.status in self.FINAL_STATES


class Refund(models.Model):
    """Money given back for a paid payment; the payment row itself stays untouched."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        DONE = "done", _("Refunded")
        FAILED = "failed", _("Failed")

    reference = models.CharField(_("refund reference"), max_length=40, unique=True)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds", verbose_name=_("payment"))
    amount = models.DecimalField(_("amount (VND)"), max_digits=14, decimal_places=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    provider = models.CharField(_("provider"), max_length=20, choices=Provider.choices)
    gateway_transaction_no = models.CharField(_("gateway transaction number"), max_length=64, blank=True)
    gateway_data = models.JSONField(_("gateway data"), default=dict, blank=True)
    message = models.CharField(_("message"), max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")

    def __str__(self):
        return f"{self.reference} ({self.get_status_display()})"


class ReceiptCounter(models.Model):
    """The last receipt number issued per agency and year (locked row: sequential, no gaps)."""

    agency = models.ForeignKey("services.Agency", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        unique_together = [("agency", "year")]

    def __str__(self):
        return f"{self.agency_id}/{self.year}: {self.last}"


class Receipt(models.Model):
    """The e-receipt (biên lai điện tử) of one paid payment."""

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="receipt")
    agency = models.ForeignKey("services.Agency", on_delete=models.PROTECT, related_name="+", verbose_name=_("agency"))
    year = models.PositiveIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(_("receipt number"), max_length=60, unique=True)
    # The receipt template symbol and serial printed on it (kept as issued: settings may change).
    template_symbol = models.CharField(_("receipt template symbol"), max_length=20, blank=True)
    serial = models.CharField(_("receipt serial"), max_length=20, blank=True)
    file = models.FileField(_("PDF"), upload_to="receipts/%Y/", blank=True)
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True)
    signing_error = models.CharField(_("signing problem"), max_length=300, blank=True)

    class Meta:
        ordering = ["-issued_at"]
        unique_together = [("agency", "year", "sequence")]
        verbose_name = _("e-receipt")
        verbose_name_plural = _("e-receipts")

    def __str__(self):
        return self.number


class GatewayCheck(models.Model):
    """What the gateway said about a payment when we asked it (reconciliation, daily report)."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="checks")
    checked_at = models.DateTimeField(auto_now_add=True)
    gateway_status = models.CharField(max_length=20)  # paid | failed | cancelled | pending | not_found | error
    gateway_amount = models.DecimalField(max_digits=14, decimal_places=0, null=True, blank=True)
    gateway_transaction_no = models.CharField(max_length=64, blank=True)
    raw = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-checked_at", "-id"]
        verbose_name = _("gateway check")
        verbose_name_plural = _("gateway checks")

    def __str__(self):
        return f"{self.payment_id}: {self.gateway_status}"


class SandboxTransaction(models.Model):
    """State of the built-in sandbox gateways (VNPay, MoMo): what "the bank" knows."""

    class Status(models.TextChoices):
        PENDING = "pending", "pending"
        SUCCESS = "success", "success"
        CANCELLED = "cancelled", "cancelled"
        REFUNDED = "refunded", "refunded"

    provider = models.CharField(max_length=10)
    token = models.CharField(max_length=40, unique=True)
    merchant = models.CharField(max_length=40)
    order_ref = models.CharField(max_length=60, db_index=True)
    request_id = models.CharField(max_length=60, blank=True)
    amount = models.DecimalField(max_digits=14, decimal_places=0)
    order_info = models.CharField(max_length=255, blank=True)
    return_url = models.URLField(max_length=2000)
    ipn_url = models.URLField(max_length=2000, blank=True)
    extra = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    transaction_no = models.CharField(max_length=40, blank=True)
    bank_code = models.CharField(max_length=30, blank=True)
    response_code = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.provider} {self.order_ref} ({self.status})"
