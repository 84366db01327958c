"""The service catalog: agencies, fields, procedures (editable drafts) and their immutable
published versions, with required documents, fee lines and e-form schemas."""

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# The unit code (mã định danh) has four dot-separated groups, `AAA.BB.CC.DDD`: three, two and two
# digits or capital letters for the lower levels, and the level-1 unit (a province "H62", a ministry
# "G01") as a capital letter and two digits, e.g. 000.00.31.H62 (QCVN 102:2016/BTTTT; the exact
# character sets are unverified: this accepts digits and capitals in the lower groups).
AGENCY_CODE_RE = r"^[0-9A-Z]{3}\.[0-9A-Z]{2}\.[0-9A-Z]{2}\.[A-Z][0-9]{2}$"
agency_code_validator = RegexValidator(
    AGENCY_CODE_RE, _("A unit code has the shape AAA.BB.CC.DDD, e.g. 000.00.31.H62."), code="agency_code"
)


class Agency(models.Model):
    """An implementing agency (cơ quan thực hiện); `code` is the unit code used in dossier codes."""

    class Level(models.TextChoices):
        CENTRAL = "central", _("Central")
        PROVINCE = "province", _("Province")
        COMMUNE = "commune", _("Commune")

    code = models.CharField(
        _("unit code"),
        max_length=40,
        unique=True,
        validators=[agency_code_validator],
        help_text=_("AAA.BB.CC.DDD, e.g. 000.00.31.H57"),
    )
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=100, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent agency"),
    )
    province = models.ForeignKey(
        "portal.Province", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("province")
    )
    ward = models.ForeignKey(
        "portal.Ward", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("commune-level unit")
    )
    address = models.CharField(_("address"), max_length=255, blank=True)
    tax_code = models.CharField(_("tax code"), max_length=14, blank=True, help_text=_("Printed on e-receipts."))
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=255, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["level", "name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")

    def __str__(self):
        return self.name


class Field(models.Model):
    """A field / sector of procedures (lĩnh vực)."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=150)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("field")
        verbose_name_plural = _("fields")

    def __str__(self):
        return self.name


class OnlineLevel(models.TextChoices):
    FULL = "full", _("Fully online")
    PARTIAL = "partial", _("Partially online")
    NONE = "none", _("In person only")


class TimeUnit(models.TextChoices):
    WORKING_DAYS = "working_days", _("working days")
    WORKING_HOURS = "working_hours", _("working hours")
    CALENDAR_DAYS = "calendar_days", _("calendar days")


class FeeTiming(models.TextChoices):
    BEFORE_INTAKE = "before_intake", _("Before intake")
    BEFORE_RESULT = "before_result", _("Before the result is returned")


class Procedure(models.Model):
    """The editable draft of an administrative procedure (thủ tục hành chính).

    Citizens never see this row directly: they see the current ProcedureVersion, an
    immutable snapshot made when a publisher publishes the draft.
    """

    code = models.CharField(_("national procedure code"), max_length=30, unique=True, help_text=_("e.g. 1.001193"))
    name = models.CharField(_("name"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    field = models.ForeignKey(Field, on_delete=models.PROTECT, related_name="procedures", verbose_name=_("field"))
    agencies = models.ManyToManyField(Agency, related_name="procedures", verbose_name=_("implementing agencies"))
    level = models.CharField(_("implementing level"), max_length=10, choices=Agency.Level.choices)
    online_level = models.CharField(_("online level"), max_length=10, choices=OnlineLevel.choices)
    channel_online = models.BooleanField(_("online"), default=True)
    channel_counter = models.BooleanField(_("at the counter"), default=True)
    channel_post = models.BooleanField(_("by post"), default=False)
    processing_time_value = models.DecimalField(_("processing time"), max_digits=6, decimal_places=1)
    processing_time_unit = models.CharField(
        _("processing time unit"), max_length=20, choices=TimeUnit.choices, default=TimeUnit.WORKING_DAYS
    )
    result_description = models.TextField(_("result"), blank=True)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    requirements = models.TextField(_("conditions"), blank=True)
    min_eid_level = models.PositiveSmallIntegerField(
        _("minimum e-ID level"), choices=[(1, _("Level 1")), (2, _("Level 2"))], default=1
    )
    fee_timing = models.CharField(
        _("fee due"), max_length=20, choices=FeeTiming.choices, default=FeeTiming.BEFORE_INTAKE
    )
    refund_on_refusal = models.BooleanField(_("refund the fee if refused or rejected"), default=True)
    needs_signoff = models.BooleanField(
        _("results need the head's sign-off"),
        default=True,
        help_text=_("Off: the processing official issues the result or the refusal alone (one-step approval)."),
    )
    # The kind of reusable document the result is in the citizen's store (e.g. "birth_extract"):
    # documents of later procedures name it as "store:<kind>" (RequiredDocument.reusable_kinds).
    result_doc_type = models.SlugField(
        _("result document kind"),
        max_length=60,
        blank=True,
        help_text=_("The signed result goes to the citizen's document store as this kind, e.g. birth_extract."),
    )
    certified_copy = models.BooleanField(
        _("electronic certified copy from the original"),
        default=False,
        help_text=_("The official compares the scan with the original and issues a signed certified copy."),
    )
    form_schema = models.JSONField(_("e-form schema"), default=list, blank=True)
    is_bundle = models.BooleanField(_("inter-agency bundle (liên thông)"), default=False)
    popularity = models.PositiveIntegerField(_("popularity"), default=0, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        verbose_name=_("updated by"),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("procedure")
        verbose_name_plural = _("procedures")
        permissions = [("publish_procedure", _("Can publish and unpublish procedures"))]

    def __str__(self):
        return f"{self.code} — {self.name}"


class RequiredDocument(models.Model):
    """One item of the required documents (thành phần hồ sơ)."""

    class Form(models.TextChoices):
        ORIGINAL = "original", _("Original")
        COPY = "copy", _("Copy")
        CERTIFIED_COPY = "certified_copy", _("Certified copy")
        ORIGINAL_OR_COPY = "original_or_copy", _("Original or certified copy")

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="documents")
    position = models.PositiveIntegerField(_("position"), default=0)
    key = models.SlugField(_("key"), max_length=60, help_text=_("Stable identifier within the procedure"))
    name = models.CharField(_("name"), max_length=500)
    description = models.TextField(_("description"), blank=True)
    form = models.CharField(_("form"), max_length=20, choices=Form.choices, default=Form.ORIGINAL)
    copies = models.PositiveSmallIntegerField(_("number of copies"), default=1)
    mandatory = models.BooleanField(_("mandatory"), default=True)
    template = models.FileField(_("template file"), upload_to="catalog/templates/", blank=True)
    # Kinds of data that can stand in for an upload, e.g. "eid:identity" (taken from e-ID data)
    # or "store:birth_certificate" (a document from the personal document store).
    reusable_kinds = models.JSONField(_("can be taken from"), default=list, blank=True)

    class Meta:
        ordering = ["procedure", "position", "id"]
        unique_together = [("procedure", "key")]
        verbose_name = _("required document")
        verbose_name_plural = _("required documents")

    def __str__(self):
        return self.name


class FeeLine(models.Model):
    """A fee (lệ phí) or charge (phí) of a procedure, in whole VND."""

    class Kind(models.TextChoices):
        FEE = "fee", _("Fee (lệ phí)")
        CHARGE = "charge", _("Charge (phí)")

    procedure = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="fees")
    position = models.PositiveIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=255)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.FEE)
    amount = models.DecimalField(_("amount (VND)"), max_digits=14, decimal_places=0)
    note = models.CharField(_("note"), max_length=500, blank=True)
    # A fee per copy / per item: the e-form field (type number) that holds how many are asked.
    per_unit_field = models.SlugField(
        _("per unit of the e-form field"),
        max_length=60,
        blank=True,
        help_text=_("Leave empty for a flat fee. For a fee per copy, the e-form field holding the number of copies."),
    )
    # A tiered fee ("2.000 đồng/trang; từ trang thứ ba trở lên 1.000 đồng/trang, tối đa 200.000
    # đồng/bản"): worked out by catalog.fees, checked by catalog.fees.fee_line_problems.
    tier_field = models.SlugField(
        _("units counted in the e-form field"),
        max_length=60,
        blank=True,
        help_text=_("For a fee per page (or other unit) of each copy: the e-form field holding the number of pages."),
    )
    tier_unit = models.CharField(_("unit name"), max_length=30, blank=True, help_text=_("e.g. trang"))
    tier_first_units = models.PositiveIntegerField(
        _("units at the amount"),
        null=True,
        blank=True,
        help_text=_("e.g. 2: the first two pages cost the amount, further pages the amount per further unit."),
    )
    tier_further_amount = models.DecimalField(
        _("amount per further unit (VND)"), max_digits=14, decimal_places=0, null=True, blank=True
    )
    cap = models.DecimalField(
        _("at most (VND, per copy)"),
        max_digits=14,
        decimal_places=0,
        null=True,
        blank=True,
        help_text=_("The most one copy (or the line, without copies) costs, e.g. 200000."),
    )

    class Meta:
        ordering = ["procedure", "position", "id"]
        verbose_name = _("fee line")
        verbose_name_plural = _("fee lines")

    def __str__(self):
        return f"{self.name}: {self.amount} VND"


class BundlePart(models.Model):
    """One agency's part of an inter-agency bundle (liên thông)."""

    bundle = models.ForeignKey(Procedure, on_delete=models.CASCADE, related_name="bundle_parts")
    position = models.PositiveIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=500)
    procedure = models.ForeignKey(
        Procedure,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("component procedure"),
    )
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("agency"))
    parallel = models.BooleanField(
        _("runs in parallel with the previous part"),
        default=False,
        help_text=_("Off: this part starts only when the previous part has its result."),
    )

    class Meta:
        ordering = ["bundle", "position", "id"]
        verbose_name = _("bundle part")
        verbose_name_plural = _("bundle parts")

    def __str__(self):
        return self.name


class ProcedureVersion(models.Model):
    """An immutable published version of a procedure; dossiers point at the one they were filed under."""

    class Status(models.TextChoices):
        PUBLISHED = "published", _("Published")
        SUPERSEDED = "superseded", _("Superseded")
        UNPUBLISHED = "unpublished", _("Unpublished")

    procedure = models.ForeignKey(
        Procedure, on_delete=models.PROTECT, related_name="versions", verbose_name=_("procedure")
    )
    number = models.PositiveIntegerField(_("version number"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PUBLISHED)
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("published by")
    )
    # The whole procedure as it was published (documents, fees, schema, agencies, bundle parts).
    snapshot = models.JSONField(_("snapshot"))
    # Denormalised from the snapshot for listing, filtering and search.
    code = models.CharField(_("code"), max_length=30, db_index=True)
    name = models.CharField(_("name"), max_length=500)
    search_name = models.CharField(max_length=500, editable=False, help_text="name without diacritics, lower case")
    search_text = models.TextField(editable=False, blank=True)
    field = models.ForeignKey(Field, on_delete=models.PROTECT, related_name="+", verbose_name=_("field"))
    level = models.CharField(_("implementing level"), max_length=10, choices=Agency.Level.choices)
    online_level = models.CharField(_("online level"), max_length=10, choices=OnlineLevel.choices)
    agencies = models.ManyToManyField(
        Agency, related_name="procedure_versions", verbose_name=_("implementing agencies")
    )
    total_fee = models.DecimalField(_("total fee (VND)"), max_digits=14, decimal_places=0, default=0)

    class Meta:
        ordering = ["code", "-number"]
        unique_together = [("procedure", "number")]
        constraints = [
            models.UniqueConstraint(
                fields=["procedure"], condition=models.Q(status="published"), name="one_published_version_per_procedure"
            )
        ]
        indexes = [models.Index(fields=["status", "field"]), models.Index(fields=["status", "search_name"])]
        verbose_name = _("published version")
        verbose_name_plural = _("published versions")

    def __str__(self):
        return f"{self.code} v{self.number} ({self.get_status_display()})"

    def save(self, *args, **kwargs):
        """Published versions are immutable: once stored, only `status` may change (supersede, unpublish)."""
        if self.pk is not None and not self._state.adding:
            frozen = [f.attname for f in self._meta.concrete_fields if f.attname not in ("id", "status")]
            stored = type(self).objects.filter(pk=self.pk).values(*frozen).first()
            if stored is not None and any(stored[name] != getattr(self, name) for name in frozen):
                raise ValueError("A published procedure version is immutable; publish a new version instead.")
            kwargs["update_fields"] = ["status"]
        super().save(*args, **kwargs)
