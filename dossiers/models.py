"""Dossiers (hồ sơ): what a citizen files, its lifecycle status and its append-only timeline."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

# The officials' queue is read earliest due first, then earliest submitted, then by id. A dossier
# without a due date (refused at intake, withdrawn) or a submission time sorts after every dated
# one: the queue's order and its keyset cursor compare this date instead of NULL, the same way on
# every database, and dossier_queue_keyset_idx holds exactly these expressions.
QUEUE_NO_DATE = dt.datetime(9999, 1, 1, tzinfo=dt.UTC)


def queue_due_key():
    return Coalesce("due_at", models.Value(QUEUE_NO_DATE, output_field=models.DateTimeField()))


def queue_submitted_key():
    return Coalesce("submitted_at", models.Value(QUEUE_NO_DATE, output_field=models.DateTimeField()))


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    IN_PROCESSING = "in_processing", _("In processing")
    SUPPLEMENT_REQUESTED = "supplement_requested", _("Supplements requested")
    TRANSFERRED = "transferred", _("Transferred to another agency")
    AWAITING_SIGNOFF = "awaiting_signoff", _("Awaiting the head's sign-off")
    RESULT_READY = "result_ready", _("Result ready")
    COMPLETED = "completed", _("Completed")
    REJECTED = "rejected", _("Rejected at intake")
    REFUSED = "refused", _("Refused")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    STOPPED = "stopped", _("Processing stopped")


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    COUNTER = "counter", _("At the counter")
    MOBILE_TEAM = "mobile_team", _("Mobile team")
    POST = "post", _("By post")


_STATUS_LABELS = dict(Status.choices)  # value -> lazy label


class Dossier(models.Model):
    """A dossier. Nothing but the transition functions in dossiers/services/ assigns `status`."""

    code = models.CharField(_("dossier code"), max_length=60, unique=True, null=True, blank=True)
    status = models.CharField(_("status"), max_length=24, choices=Status.choices, default=Status.DRAFT)
    # citizen, agency, current_agency: no index of their own, each leads a composite index below
    # (three indexes fewer to maintain on every dossier written).
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="dossiers",
        verbose_name=_("applicant"),
        db_index=False,
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
        "services.Agency",
        on_delete=models.PROTECT,
        related_name="dossiers",
        verbose_name=_("receiving agency"),
        db_index=False,
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
    # The promised date (moved once by an apology, form 04) and the original legal due date
    # (never moved by an apology; only the supplement pause pushes both).
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    legal_due_at = models.DateTimeField(_("legal due date"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_dossiers",
        verbose_name=_("handled by"),
    )
    # The agency whose queue holds the dossier now: the receiving agency, or the agency it was
    # transferred to (liên thông). Empty for a bundle's parent, whose parts sit in the queues.
    current_agency = models.ForeignKey(
        "services.Agency",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("agency handling it now"),
        db_index=False,
    )
    consent_recorded = models.BooleanField(_("applicant's consent recorded"), default=False)
    due_soon_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    overdue_notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("dossier")
        verbose_name_plural = _("dossiers")
        permissions = [("assign_dossier", _("Can assign dossiers to officials"))]
        indexes = [
            models.Index(fields=["agency", "status", "due_at"]),
            models.Index(fields=["citizen", "-created_at"]),
            # A queue tab of one agency (its statuses) in the queue's order: a tab of a single
            # status is read from the cursor on without a sort however many dossiers it holds (the
            # "new" tab of 5,000 dossiers was a 10 ms sort per page at 1M); the tabs' due-date
            # conditions compare the same coalesced date (dossiers.selectors.queue_filter), and
            # the tab counts use the agency and status columns.
            models.Index(
                models.F("current_agency"),
                models.F("status"),
                queue_due_key(),
                queue_submitted_key(),
                models.F("id"),
                name="dossier_queue_status_idx",
            ),
            models.Index(fields=["current_agency", "due_at"], name="dossier_queue_due_idx"),
            # The queue page's keyset (dossiers.selectors.queue_page_query): an agency's dossiers in the
            # queue's order, read from a cursor onwards without an OFFSET or a sort.
            models.Index(
                models.F("current_agency"),
                queue_due_key(),
                queue_submitted_key(),
                models.F("id"),
                name="dossier_queue_keyset_idx",
            ),
            # The queue's search by personal ID number (the applicant's, as filed): one index
            # probe instead of reading every dossier of the agency.
            models.Index(models.F("applicant__personal_id"), name="dossier_applicant_pid_idx"),
            models.Index(fields=["status", "due_at"], name="dossier_deadline_idx"),
            # The indicator rollups recompute one day at a time (dossiers/rollups.py) and the
            # indicators page counts today live; "overdue now" is a count on the legal due date.
            models.Index(fields=["submitted_at"], name="dossier_submitted_idx"),
            models.Index(fields=["completed_at"], name="dossier_completed_idx"),
            # Index-only on PostgreSQL once vacuumed: "overdue now" per agency without the heap.
            models.Index(
                fields=["status", "legal_due_at", "agency"],
                condition=models.Q(current_agency__isnull=False),
                name="dossier_legal_due_idx",
            ),
        ]

    def __str__(self):
        return self.code or f"#{self.pk} ({self.get_status_display()})"

    def get_status_display(self) -> str:
        """The status's label in the active language. Django's own builds a dict of every
        status's lazy label on each call (about 100 µs: a queue page shows 200); this is a
        lookup in the enum's labels."""
        label = _STATUS_LABELS.get(self.status)
        return self.status if label is None else str(label)

    @property
    def status_label(self) -> str:
        """`get_status_display()` as an attribute (what the API's `status_display` reads: DRF
        inspects the signature of every method it is given as a source)."""
        return self.get_status_display()

    @property
    def snapshot(self) -> dict:
        return self.procedure_version.snapshot or {}


class DossierEvent(models.Model):
    """One step of a dossier's timeline. Append-only."""

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("at"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("by"),
    )
    action = models.CharField(_("action"), max_length=40)
    from_status = models.CharField(_("from"), max_length=24, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=24, choices=Status.choices, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["dossier_id", "at", "id"]  # not "dossier": that joins and sorts by Dossier.Meta.ordering
        verbose_name = _("timeline event")
        verbose_name_plural = _("timeline events")

    def __str__(self):
        return f"{self.dossier}: {self.action}"

    @property
    def action_label(self) -> str:
        return str(EVENT_LABELS.get(self.action, self.action))

    @property
    def new_due_at(self):
        import datetime as dt

        value = (self.data or {}).get("new_due_at")
        return dt.datetime.fromisoformat(value) if value else None


EVENT_LABELS = {
    "draft": _("Draft started"),
    "submit": _("Submitted"),
    "receive": _("Received (intake receipt issued)"),
    "request_supplement": _("Supplements requested"),
    "resubmit": _("Supplements sent"),
    "reject_intake": _("Rejected at intake"),
    "transfer": _("Transferred to another agency"),
    "transfer_back": _("Returned from the other agency"),
    "propose_approve": _("Result proposed for the head's sign-off"),
    "propose_refuse": _("Refusal proposed for the head's sign-off"),
    "sign_off": _("Signed off by the head of the agency"),
    "send_back": _("Sent back by the head of the agency"),
    "stop": _("Processing stopped (form 05)"),
    "bundle_previous_result": _("Result of the previous part attached"),
    "approve": _("Result ready"),
    "refuse": _("Refused"),
    "extend": _("Result date postponed (apology)"),
    "return_result": _("Result returned"),
    "withdraw": _("Withdrawn"),
    "claim": _("Taken by an official"),
    "assign": _("Assigned to an official"),
    "rate": _("Rated"),
    "overdue": _("Overdue"),
    "bundle_sync": _("Status of the bundle updated"),
    "consent": _("Consent to file on the applicant's behalf confirmed"),
}

# What the citizen's timeline shows (page and API). Not the internal steps: who took or was
# given the dossier (an official's name) and the overdue mark.
CITIZEN_EVENTS = frozenset(EVENT_LABELS) - {"claim", "assign", "overdue"}


class CalendarException(models.Model):
    """An admin-declared exception to the working-day calendar: an extra day off or a make-up
    working day (e.g. a Saturday worked to bridge a holiday), for the whole province (no agency)
    or for one agency only. On a date with both, the agency's own exception wins for its dossiers."""

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("Extra day off")
        WORKING_DAY = "working_day", _("Make-up working day")

    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("reason"), max_length=200, blank=True)
    agency = models.ForeignKey(
        "services.Agency",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("agency"),
        help_text=_("Empty: the whole province."),
    )

    class Meta:
        ordering = ["-date"]
        verbose_name = _("calendar exception")
        verbose_name_plural = _("calendar exceptions")
        permissions = [("change_province_calendar", "Can change the province-wide working-day calendar")]
        constraints = [
            models.UniqueConstraint(
                fields=["date"], condition=models.Q(agency__isnull=True), name="calendar_exception_province_date"
            ),
            models.UniqueConstraint(fields=["agency", "date"], name="calendar_exception_agency_date"),
        ]

    def __str__(self):
        return f"{self.date:%d/%m/%Y} — {self.get_kind_display()}"


class DossierCodeCounter(models.Model):
    """The last sequence number handed out for one receiving unit on one day."""

    unit_code = models.CharField(max_length=40)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["unit_code", "day"], name="dossier_code_counter_unique")]

    def __str__(self):
        return f"{self.unit_code} {self.day}: {self.last}"


def _dossier_file_path(instance, filename):
    # The stored name is random: the citizen's file name never reaches the file system.
    import uuid

    from django.utils import timezone

    ext = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(instance.content_type, "bin")
    return f"dossiers/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.{ext}"


class DossierFile(models.Model):
    """A document attached to a dossier: an upload, a scan made at intake, a reused personal
    document, a supplement or the result."""

    class Kind(models.TextChoices):
        APPLICANT = "applicant", _("Filed by the applicant")
        SCAN = "scan", _("Scanned at intake")
        SUPPLEMENT = "supplement", _("Supplement")
        RESULT = "result", _("Result")
        CONSENT = "consent", _("Signed consent to file on the applicant's behalf")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="files")
    doc_key = models.CharField(_("required document"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.APPLICANT)
    file = models.FileField(_("file"), upload_to=_dossier_file_path, blank=True)
    original_name = models.CharField(_("file name"), max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    personal_document = models.ForeignKey(
        "identity.PersonalDocument",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dossier_uses",
        verbose_name=_("from the personal document store"),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        ordering = ["dossier_id", "created_at", "id"]  # not "dossier" (a join), see DossierEvent
        verbose_name = _("dossier document")
        verbose_name_plural = _("dossier documents")

    def __str__(self):
        return self.original_name or (self.personal_document.title if self.personal_document_id else str(self.pk))


class IssuedDocument(models.Model):
    """A PDF the portal issued for a dossier (forms 01–05, result cover sheet, the signed result
    document, certified copies). Private."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Intake receipt and appointment (form 01)")
        SUPPLEMENT = "supplement", _("Request for supplements (form 02)")
        REFUSAL = "refusal", _("Refusal (form 03)")
        APOLOGY = "apology", _("Apology and new date (form 04)")
        STOP = "stop", _("Notice of stopping (form 05)")
        RESULT = "result", _("Result cover sheet")
        CERTIFIED_COPY = "cert_copy", _("Electronic certified copy from the original")
        # The result document the official uploaded, signed by the agency (a PDF as it is, with an
        # invisible signature; an image on a signed PDF page): what the citizen downloads and stores.
        SIGNED_RESULT = "result_file", _("Result document (digitally signed)")

    dossier = models.ForeignKey(Dossier, on_delete=models.CASCADE, related_name="issued_documents")
    event = models.ForeignKey(DossierEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to="issued/%Y/%m/", blank=True)
    created_at = models.DateTimeField(_("issued at"), auto_now_add=True)
    # The SHA-256 of the signed file (the verification page finds the document by it) and, while
    # the signer is unavailable, why the document is still waiting for its signature.
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True)
    signing_error = models.CharField(_("signing problem"), max_length=300, blank=True)

    class Meta:
        ordering = ["dossier_id", "created_at", "id"]  # not "dossier" (a join), see DossierEvent
        constraints = [models.UniqueConstraint(fields=["dossier", "kind", "event"], name="issued_document_unique")]
        verbose_name = _("issued document")
        verbose_name_plural = _("issued documents")

    def __str__(self):
        return f"{self.dossier} — {self.get_kind_display()}"


class CertificationRegister(models.Model):
    """One agency's certification register (sổ chứng thực bản sao từ bản chính) for one year:
    the last number given. Numbers are sequential and unique per agency and year; the row is
    locked while a number is taken, so two certifications at once never share or skip one."""

    agency = models.ForeignKey("services.Agency", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agency", "year"], name="certification_register_unique")]
        verbose_name = _("certification register")
        verbose_name_plural = _("certification registers")

    def __str__(self):
        return f"{self.year}-SCT/BS: {self.last_number}"


class CertificationEntry(models.Model):
    """One entry of the certification register: the copy certified from its original."""

    agency = models.ForeignKey("services.Agency", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("year"))
    number = models.PositiveIntegerField(_("certification number"))
    dossier = models.ForeignKey(Dossier, on_delete=models.PROTECT, related_name="certifications")
    source_file = models.ForeignKey(
        DossierFile, on_delete=models.PROTECT, related_name="+", verbose_name=_("scan of the original")
    )
    document_title = models.CharField(_("document certified"), max_length=255, blank=True)
    pages = models.PositiveSmallIntegerField(_("pages"), default=1)
    certifier = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("certified by")
    )
    certifier_title = models.CharField(_("title of the certifier"), max_length=150, blank=True)
    event = models.ForeignKey(DossierEvent, on_delete=models.PROTECT, related_name="+", null=True)
    created_at = models.DateTimeField(_("certified at"), auto_now_add=True)

    class Meta:
        ordering = ["agency_id", "year", "number"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "year", "number"], name="certification_entry_number_unique")
        ]
        verbose_name = _("certification register entry")
        verbose_name_plural = _("certification register entries")

    def __str__(self):
        return f"{self.number} — {self.book}"

    @property
    def book(self) -> str:
        """The register's name as printed: <year>-SCT/BS (format unverified)."""
        return f"{self.year}-SCT/BS"


class DossierRating(models.Model):
    """The citizen's satisfaction rating after completion (đánh giá mức độ hài lòng)."""

    dossier = models.OneToOneField(Dossier, on_delete=models.CASCADE, related_name="rating")
    score = models.PositiveSmallIntegerField(_("score"), choices=[(i, str(i)) for i in range(1, 6)])
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("rated at"), auto_now_add=True)

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")

    def __str__(self):
        return f"{self.dossier}: {self.score}/5"


class OnBehalfConsent(models.Model):
    """The proof that a citizen agreed to a filing on their behalf: a one-time code sent to
    their registered phone or email (only its salted hash is kept), or a signed consent form
    attached to the dossier. Rows outlive a deleted draft (dossier set to NULL) so that the
    per-citizen limit on codes cannot be reset by starting over."""

    class Method(models.TextChoices):
        SMS = "sms", _("Code sent by SMS")
        EMAIL = "email", _("Code sent by email")
        SIGNED_FORM = "signed_form", _("Signed consent form")

    dossier = models.ForeignKey(
        Dossier, null=True, blank=True, on_delete=models.SET_NULL, related_name="consents", verbose_name=_("dossier")
    )
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("applicant")
    )
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("official")
    )
    method = models.CharField(_("method"), max_length=12, choices=Method.choices)
    code_hash = models.CharField(max_length=128, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("wrong attempts"), default=0)
    verified_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["citizen", "-created_at"], name="on_behalf_consent_citizen_idx")]
        verbose_name = _("on-behalf consent")
        verbose_name_plural = _("on-behalf consents")

    def __str__(self):
        return f"{self.get_method_display()} ({self.created_at:%Y-%m-%d %H:%M})"


class IndicatorDaily(models.Model):
    """The service-quality counters of one receiving agency, procedure and local day
    (dossiers/rollups.py keeps them; dossiers/indicators.py reads them). A row with no procedure
    is the agency's total for the day, which the indicators page sums over a period."""

    agency = models.ForeignKey("services.Agency", on_delete=models.CASCADE, related_name="+")
    procedure = models.ForeignKey(
        "services.Procedure", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField()
    received = models.PositiveIntegerField(default=0)
    online = models.PositiveIntegerField(default=0)
    fully_online = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    resolved_with_due = models.PositiveIntegerField(default=0)
    on_time = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)
    digitised = models.PositiveIntegerField(default=0)
    ratings = models.PositiveIntegerField(default=0)
    ratings_sum = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)

    COUNTS = (
        "received",
        "online",
        "fully_online",
        "resolved",
        "resolved_with_due",
        "on_time",
        "returned",
        "digitised",
        "ratings",
        "ratings_sum",
        "satisfied",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "procedure", "day"],
                condition=models.Q(procedure__isnull=False),
                name="indicator_daily_cell_unique",
            ),
            models.UniqueConstraint(
                fields=["agency", "day"],
                condition=models.Q(procedure__isnull=True),
                name="indicator_daily_total_unique",
            ),
        ]
        indexes = [
            # The page: the agencies' totals over a period.
            models.Index(
                fields=["day", "agency"], condition=models.Q(procedure__isnull=True), name="indicator_daily_total_idx"
            ),
        ]

    def __str__(self):
        return f"{self.agency_id}/{self.procedure_id or '*'}/{self.day}"


class IndicatorMonthly(models.Model):
    """The service-quality counters of one receiving agency and local calendar month: the sum of
    its daily total rows (`IndicatorDaily` without a procedure). Kept with them, in the same
    transaction, whenever a day is written (dossiers/rollups.py), so a year of an agency sums
    twelve rows instead of 365."""

    agency = models.ForeignKey("services.Agency", on_delete=models.CASCADE, related_name="+")
    month = models.DateField(help_text="the first day of the month")
    received = models.PositiveIntegerField(default=0)
    online = models.PositiveIntegerField(default=0)
    fully_online = models.PositiveIntegerField(default=0)
    resolved = models.PositiveIntegerField(default=0)
    resolved_with_due = models.PositiveIntegerField(default=0)
    on_time = models.PositiveIntegerField(default=0)
    returned = models.PositiveIntegerField(default=0)
    digitised = models.PositiveIntegerField(default=0)
    ratings = models.PositiveIntegerField(default=0)
    ratings_sum = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)

    COUNTS = IndicatorDaily.COUNTS

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month", "agency"], name="indicator_monthly_unique"),
        ]

    def __str__(self):
        return f"{self.agency_id}/{self.month:%Y-%m}"


class IndicatorCursor(models.Model):
    """High-water mark of the rollup job: the last DossierEvent id it has counted."""

    name = models.CharField(max_length=40, primary_key=True)
    last_event_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"{self.name}: {self.last_event_id}"
