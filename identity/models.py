"""People: citizen and official accounts, identity level, official profiles, and the
personal document store (kho dữ liệu cá nhân)."""

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)


class User(AbstractUser):
    """Anyone who logs in. Citizens and officials alike; officials also have an OfficialProfile."""

    class Sex(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    class Level(models.IntegerChoices):
        LEVEL_1 = 1, _("Level 1 (self-registered)")
        LEVEL_2 = 2, _("Level 2 (verified)")

    class VerifiedVia(models.TextChoices):
        NONE = "", _("Not verified")
        EID = "eid", _("e-ID (VNeID)")
        IN_PERSON = "in_person", _("In person by an official")

    class PersonalIdSource(models.TextChoices):
        """Where the personal ID on the account came from. Only EID and IN_PERSON prove that the
        number belongs to the account holder; a typed or card-read number is merely claimed."""

        NONE = "", _("None")
        TYPED = "typed", _("Typed in the profile (claimed)")
        CCCD_QR = "cccd_qr", _("Read from a CCCD QR code (claimed)")
        EID = "eid", _("Verified by e-ID")
        IN_PERSON = "in_person", _("Checked at the one-stop desk")

    username = None
    first_name = None
    last_name = None
    # NULL = no email: an account made by an e-ID login that gave none signs in with the e-ID only
    # (email login and password reset need an address). Unique among the accounts that have one.
    email = models.EmailField(_("email address"), unique=True, null=True, blank=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    personal_id = models.CharField(
        _("personal identification number"), max_length=12, unique=True, null=True, blank=True
    )
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    phone = models.CharField(_("phone number"), max_length=15, blank=True, db_index=True)
    province = models.ForeignKey(
        "portal.Province", null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("province")
    )
    ward = models.ForeignKey(
        "portal.Ward",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("commune / ward"),
    )
    address_line = models.CharField(_("street address"), max_length=255, blank=True)
    identity_level = models.PositiveSmallIntegerField(_("identity level"), choices=Level.choices, default=Level.LEVEL_1)
    verified_via = models.CharField(_("verified via"), max_length=10, choices=VerifiedVia.choices, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    personal_id_source = models.CharField(
        _("personal ID source"), max_length=10, choices=PersonalIdSource.choices, blank=True, default=""
    )
    # The e-ID link: the issuer's `sub` is unique only per issuer, so the key is (issuer, subject).
    eid_issuer = models.CharField(_("e-ID issuer"), max_length=255, blank=True, default="")
    eid_subject = models.CharField(_("e-ID subject"), max_length=255, null=True, blank=True)
    notify_email = models.BooleanField(_("notify me by email"), default=True)
    notify_sms = models.BooleanField(_("notify me by SMS"), default=True)
    registry_checked_at = models.DateTimeField(_("matched the population registry at"), null=True, blank=True)
    in_person_requested_at = models.DateTimeField(_("asked for in-person verification at"), null=True, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(
                fields=["eid_issuer", "eid_subject"],
                condition=models.Q(eid_subject__isnull=False),
                name="identity_user_eid_link_unique",
            )
        ]

    def __str__(self):
        return self.get_full_name()

    def get_full_name(self):
        return self.full_name or self.email or self._anonymous_name()

    def get_short_name(self):
        return self.full_name.split()[-1] if self.full_name else (self.email or self._anonymous_name())

    def _anonymous_name(self) -> str:
        """What names an account with neither a name nor an email (never "None")."""
        return str(_("Account #%(pk)s") % {"pk": self.pk}) if self.pk else str(_("New account"))

    @property
    def is_official(self) -> bool:
        return hasattr(self, "official_profile")

    @property
    def personal_id_verified(self) -> bool:
        """The number was proven to belong to this account's holder (e-ID or at the desk)."""
        return (
            bool(self.personal_id)
            and self.identity_level >= 2
            and self.personal_id_source
            in (
                self.PersonalIdSource.EID,
                self.PersonalIdSource.IN_PERSON,
            )
        )


class OfficialProfile(models.Model):
    """An official's place of work; the roles are Django groups (see identity/roles.py)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="official_profile")
    agency = models.ForeignKey("services.Agency", on_delete=models.PROTECT, related_name="officials")
    title = models.CharField(_("job title"), max_length=150, blank=True)

    class Meta:
        verbose_name = _("official profile")
        verbose_name_plural = _("official profiles")

    def __str__(self):
        return f"{self.user} — {self.agency}"


class PersonalDocument(models.Model):
    """A digitised document in a citizen's personal store, reusable when filing."""

    class Source(models.TextChoices):
        UPLOAD = "upload", _("Uploaded by the citizen")
        PORTAL = "portal", _("Issued by the portal")
        OFFICIAL = "official", _("Certified by an official")
        EID = "eid", _("From e-ID data")

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="documents")
    doc_type = models.CharField(_("document type"), max_length=60, db_index=True)
    title = models.CharField(_("title"), max_length=255)
    number = models.CharField(_("number"), max_length=60, blank=True)
    issuer = models.CharField(_("issued by"), max_length=255, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    file = models.FileField(_("file"), upload_to="personal/%Y/%m/", blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.UPLOAD)
    verified = models.BooleanField(_("verified"), default=False)
    verified_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("verified by")
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    # A document the portal issued and signed (a dossier's result, a certified copy): the file is
    # the signed original, `sha256` finds it on the verification page, `verify_url` is its link
    # there, and `origin` names what issued it ("dossier-result:<issued document id>"), once.
    signed = models.BooleanField(_("digitally signed"), default=False)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True, db_index=True)
    verify_url = models.CharField(_("verification link"), max_length=300, blank=True)
    origin = models.CharField(_("issued from"), max_length=80, blank=True, db_index=True)
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("personal document")
        verbose_name_plural = _("personal documents")

    def __str__(self):
        return self.title


class SandboxResident(models.Model):
    """A demo person in the built-in population registry and e-ID issuer (never real data)."""

    personal_id = models.CharField(_("personal identification number"), max_length=12, unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    date_of_birth = models.DateField(_("date of birth"))
    sex = models.CharField(_("sex"), max_length=1, choices=User.Sex.choices)
    ward = models.ForeignKey(
        "portal.Ward",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("commune / ward"),
    )
    address_line = models.CharField(_("street address"), max_length=255, blank=True)
    phone = models.CharField(_("phone number"), max_length=15, blank=True)
    eid_level = models.PositiveSmallIntegerField(_("e-ID level"), choices=User.Level.choices, default=2)

    class Meta:
        ordering = ["full_name"]
        verbose_name = _("sandbox resident")
        verbose_name_plural = _("sandbox residents")

    def __str__(self):
        return f"{self.full_name} ({self.personal_id})"


class SandboxSigningKey(models.Model):
    """The sandbox e-ID issuer's RSA key: generated on first use and kept in the database, so
    every process signs with the same key and no key file is ever committed."""

    kid = models.CharField(max_length=64, unique=True)
    private_pem = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("sandbox signing key")
        verbose_name_plural = _("sandbox signing keys")

    def __str__(self):
        return self.kid


class RegistryCheckAttempt(models.Model):
    """One check of a profile against the population registry, counted per account and per
    personal ID to limit guessing (REGISTRY_CHECK_LIMIT_*). The number is kept only as a keyed
    digest: the table says how often a number was tried, not whose numbers were typed."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    target_digest = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("population registry check")
        verbose_name_plural = _("population registry checks")
        indexes = [models.Index(fields=["user", "at"], name="identity_regcheck_user_at")]

    def __str__(self):
        return f"{self.user_id} @ {self.at:%Y-%m-%d %H:%M}"


class ServiceAccount(models.Model):
    """Another system (an agency's back office, the LGSP) that calls the API. It acts through its
    own user: an official of `agency` with `roles`, so the lifecycle table decides what it may do
    exactly as for a person; its tokens' scopes narrow which endpoints it may call."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    agency = models.ForeignKey("services.Agency", on_delete=models.PROTECT, related_name="service_accounts")
    roles = models.JSONField(_("roles"), default=list, blank=True)
    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="service_account", editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("service account")
        verbose_name_plural = _("service accounts")

    def __str__(self):
        return self.name


class ServiceToken(models.Model):
    """A bearer token of a service account. Only its SHA-256 is stored; the secret is shown once."""

    class Scope(models.TextChoices):
        READ_QUEUE = "queue:read", _("read the queue")
        ACT = "dossiers:act", _("act on dossiers")
        PUBLISH_RESULTS = "results:publish", _("publish results")

    account = models.ForeignKey(ServiceAccount, on_delete=models.CASCADE, related_name="tokens")
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(_("scopes"), default=list)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, related_name="+")
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("service token")
        verbose_name_plural = _("service tokens")

    def __str__(self):
        return f"{self.account} · {self.prefix}…"
