"""Settings for the public-services portal.

Every knob comes from the environment (django-environ) with a working embedded default:
no DATABASE_URL -> SQLite under var/, no REDIS_URL -> eager Celery and local-memory cache.
Production (DJANGO_ENV=production) refuses to start without its secrets.
"""

import sys
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("PORTAL_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"
# Tests get fast hashing and in-memory email; detected when running under pytest.
TESTING = env.bool("PORTAL_TESTING", default="pytest" in sys.modules)

if PRODUCTION:
    missing = [name for name in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL") if not env.str(name, default="")]
    if missing:
        raise ImproperlyConfigured(
            "Production mode (DJANGO_ENV=production) needs these environment variables: " + ", ".join(missing)
        )

SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production-0123456789abcdef")
DEBUG = env.bool("DEBUG", default=not PRODUCTION and not TESTING)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Absolute base URL used in PDFs, QR codes, emails and gateway callbacks.
# Production defaults to https:// and the first allowed host name.
SITE_URL = env.str(
    "SITE_URL", default=f"https://{ALLOWED_HOSTS[0].lstrip('.')}" if PRODUCTION else "http://127.0.0.1:8000"
).rstrip("/")
PORTAL_NAME = env.str("PORTAL_NAME", default="Cổng Dịch vụ công tỉnh Vĩnh Long")
PORTAL_OWNER = env.str("PORTAL_OWNER", default="Ủy ban nhân dân tỉnh Vĩnh Long")
# Support line shown in the footer (default: the National Public Service Portal's hotline).
PORTAL_HOTLINE = env.str("PORTAL_HOTLINE", default="1800 1096")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "django_celery_beat",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "portal",
    "catalog",
    "identity",
    "dossiers",
    "payments",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Turns django-ratelimit's Ratelimited into RATELIMIT_VIEW's 429 page.
    "django_ratelimit.middleware.RatelimitMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"
ASGI_APPLICATION = "portal.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "portal.context_processors.site",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env.str("DATABASE_URL", default="")
if DATABASE_URL:
    DATABASES = {"default": env.db_url("DATABASE_URL")}
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    # Validate persistent connections before use so a restarted database is survived.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env.str("SQLITE_PATH", default=str(VAR_DIR / "portal.sqlite3")),
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"},
        }
    }
USING_POSTGRES = DATABASES["default"]["ENGINE"].endswith(("postgresql", "postgis", "psycopg2"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, broker, Celery --------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="portal"),
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "portal"}}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 100
CELERY_TIMEZONE = "Asia/Ho_Chi_Minh"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must not hang a request when the broker is down: the outbox rows keep the work.
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 1, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE: dict = {}

# --- Auth -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "identity.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = (
    ["django.contrib.auth.hashers.MD5PasswordHasher"]
    if TESTING
    else ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
)
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# --- identity (allauth, e-ID, registry) -------------------------------------------------------
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key", "signup": "20/m/ip", "reset_password": "20/m/ip,5/m/key"}
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="Cổng DVC")
MFA_PASSKEY_LOGIN_ENABLED = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Cổng DVC] "
# Phone as a login method is not enabled: allauth 65 requires an SMS verification flow for it,
# and the SMS channel is not wired to allauth yet. The phone number is kept on the profile.
# Staff must use two-factor on every page and API (identity.middleware.StaffTwoFactorMiddleware).
MIDDLEWARE.append("identity.middleware.StaffTwoFactorMiddleware")
# After a sign-out: prompt=login on the next e-ID sign-in, and RP-initiated logout at the issuer.
MIDDLEWARE.append("identity.middleware.EidSignOutMiddleware")
LOGIN_REDIRECT_URL = "/tai-khoan/"
# e-ID (VNeID / national SSO, OpenID Connect). Defaults point at the built-in sandbox issuer.
EID_PROVIDER = env.str("EID_PROVIDER", default="oidc")
EID_ISSUER = env.str("EID_ISSUER", default=f"{SITE_URL}/sandbox/eid").rstrip("/")
EID_CLIENT_ID = env.str("EID_CLIENT_ID", default="cong-dvc-sandbox")
EID_CLIENT_SECRET = env.str("EID_CLIENT_SECRET", default="sandbox-client-secret")
EID_SCOPES = env.str("EID_SCOPES", default="openid profile")
EID_ACR_VALUES = env.str("EID_ACR_VALUES", default="")
EID_CLAIM_PERSONAL_ID = env.str("EID_CLAIM_PERSONAL_ID", default="citizen_pid")
EID_CLAIM_NAME = env.str("EID_CLAIM_NAME", default="full_name")
EID_CLAIM_BIRTH_DATE = env.str("EID_CLAIM_BIRTH_DATE", default="birth_date")
EID_CLAIM_LEVEL = env.str("EID_CLAIM_LEVEL", default="identity_level")
EID_HTTP_TIMEOUT = env.float("EID_HTTP_TIMEOUT", default=5.0)
EID_CALLBACK_RATE = env.str("EID_CALLBACK_RATE", default="30/m")
# Former issuer URLs (comma-separated) whose e-ID links still count after EID_ISSUER changed.
EID_ISSUER_ALIASES = env.list("EID_ISSUER_ALIASES", default=[])
# "" = from discovery (client_secret_basic preferred, else client_secret_post); or force one.
EID_TOKEN_AUTH_METHOD = env.str("EID_TOKEN_AUTH_METHOD", default="")
# Where the issuer sends the browser after RP-initiated logout (register it there); "" = SITE_URL + "/".
EID_POST_LOGOUT_REDIRECT_URI = env.str("EID_POST_LOGOUT_REDIRECT_URI", default="")
# How long a browser that signed out asks for a fresh e-ID login (prompt=login), in seconds.
EID_PROMPT_LOGIN_COOKIE_AGE = env.int("EID_PROMPT_LOGIN_COOKIE_AGE", default=30 * 24 * 3600)
# Population registry (HTTP adapter); defaults to the built-in sandbox registry.
REGISTRY_ADAPTER = env.str("REGISTRY_ADAPTER", default="http")
REGISTRY_URL = env.str("REGISTRY_URL", default=f"{SITE_URL}/sandbox/registry").rstrip("/")
REGISTRY_TOKEN = env.str("REGISTRY_TOKEN", default="sandbox-registry-token")
REGISTRY_CONNECT_TIMEOUT = env.float("REGISTRY_CONNECT_TIMEOUT", default=2.0)
REGISTRY_READ_TIMEOUT = env.float("REGISTRY_READ_TIMEOUT", default=4.0)
REGISTRY_RETRIES = env.int("REGISTRY_RETRIES", default=2)
REGISTRY_BACKOFF = env.float("REGISTRY_BACKOFF", default=0.3)
REGISTRY_BREAKER_THRESHOLD = env.int("REGISTRY_BREAKER_THRESHOLD", default=3)
REGISTRY_BREAKER_COOLDOWN = env.float("REGISTRY_BREAKER_COOLDOWN", default=60.0)
REGISTRY_CACHE_SECONDS = env.int("REGISTRY_CACHE_SECONDS", default=300)
REGISTRY_SANDBOX_DELAY = env.float("REGISTRY_SANDBOX_DELAY", default=0.0)
IDENTITY_DOCUMENT_MAX_BYTES = env.int("IDENTITY_DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)
# Per-citizen quota of the personal document store (uploads by the citizen), count and bytes.
DOCUMENT_STORE_MAX_FILES = env.int("DOCUMENT_STORE_MAX_FILES", default=50)
DOCUMENT_STORE_MAX_BYTES = env.int("DOCUMENT_STORE_MAX_BYTES", default=50 * 1024 * 1024)
# Population-registry checks in any 24 hours, per account and per personal ID checked: without a
# limit, 366 tries recover anyone's birth date from their number. Counted in the database.
REGISTRY_CHECK_LIMIT_PER_DAY = env.int("REGISTRY_CHECK_LIMIT_PER_DAY", default=5)
REGISTRY_CHECK_LIMIT_PER_NUMBER_PER_DAY = env.int("REGISTRY_CHECK_LIMIT_PER_NUMBER_PER_DAY", default=5)
# --- end identity ---

# --- dossiers ---------------------------------------------------------------------------------
# Dossiers received after the cut-off count from the next working day (DOMAIN.md, configurable).
DOSSIER_INTAKE_CUTOFF = env.str("DOSSIER_INTAKE_CUTOFF", default="15:00")
# Office hours of a working day, used for processing times in working hours.
DOSSIER_WORKING_HOURS = [
    tuple(p.split("-", 1)) for p in env.list("DOSSIER_WORKING_HOURS", default=["08:00-12:00", "13:00-17:00"])
]
# A dossier is "due soon" this many working days before its due date.
DOSSIER_DUE_SOON_DAYS = env.int("DOSSIER_DUE_SOON_DAYS", default=2)
DOSSIER_UPLOAD_MAX_FILE_SIZE = env.int("DOSSIER_UPLOAD_MAX_FILE_SIZE", default=10 * 1024 * 1024)
DOSSIER_UPLOAD_MAX_TOTAL_SIZE = env.int("DOSSIER_UPLOAD_MAX_TOTAL_SIZE", default=50 * 1024 * 1024)
DOSSIER_UPLOAD_MAX_FILES = env.int("DOSSIER_UPLOAD_MAX_FILES", default=20)
# Images (uploads and the CCCD QR reader) declaring more pixels than this are refused before
# decoding; Pillow's MAX_IMAGE_PIXELS follows it (portal/kernel/uploads.py).
UPLOAD_IMAGE_MAX_PIXELS = env.int("UPLOAD_IMAGE_MAX_PIXELS", default=50_000_000)
DOSSIER_LOOKUP_RATE = env.str("DOSSIER_LOOKUP_RATE", default="30/m")
# Filing on a citizen's behalf: the one-time consent code sent to the citizen's phone or email
# (lifetime, wrong tries per code, wait before a new code, codes per citizen per hour).
ON_BEHALF_CODE_TTL_SECONDS = env.int("ON_BEHALF_CODE_TTL_SECONDS", default=10 * 60)
ON_BEHALF_CODE_MAX_ATTEMPTS = env.int("ON_BEHALF_CODE_MAX_ATTEMPTS", default=5)
ON_BEHALF_CODE_RESEND_SECONDS = env.int("ON_BEHALF_CODE_RESEND_SECONDS", default=60)
ON_BEHALF_CODES_PER_HOUR = env.int("ON_BEHALF_CODES_PER_HOUR", default=5)
CELERY_BEAT_SCHEDULE["dossiers-pdf-redeliver"] = {
    "task": "dossiers.tasks.issued_documents_redeliver",
    "schedule": env.int("DOSSIER_PDF_REDELIVER_SECONDS", default=60),
}
CELERY_BEAT_SCHEDULE["dossiers-deadlines"] = {
    "task": "dossiers.tasks.dossier_deadlines_check",
    "schedule": env.int("DOSSIER_DEADLINE_CHECK_SECONDS", default=30 * 60),
}
# "Most used services" on the home page: dossiers submitted in this many days, recounted daily.
DOSSIER_POPULARITY_DAYS = env.int("DOSSIER_POPULARITY_DAYS", default=90)
CELERY_BEAT_SCHEDULE["dossiers-popularity"] = {
    "task": "dossiers.tasks.procedure_popularity_refresh",
    "schedule": env.int("DOSSIER_POPULARITY_REFRESH_SECONDS", default=24 * 60 * 60),
}
# Service-quality indicators (Decision 766/QĐ-TTg, 2022). The decision's exact per-indicator
# formulas are unverified (DOMAIN.md): these weights turn the computed ratios into a 0–100
# score; a ratio without data ("—") is left out and the other weights are scaled up to 100.
INDICATOR_WEIGHTS = {
    "on_time_rate": 30,  # processing progress and results
    "online_share": 10,  # online service provision
    "fully_online_share": 10,
    "online_payment_share": 10,
    "digitised_results_share": 20,  # digitisation of dossiers
    "satisfied_share": 20,  # satisfaction (ratings of 4 or 5)
}
# Targets shown next to the values: (comparison, percent). Bình Dương's 2025 targets.
INDICATOR_TARGETS = {
    "online_share": (">=", 80),
    "fully_online_share": (">", 50),
    "online_payment_share": (">=", 80),
    "digitised_results_share": (">", 90),
}
# --- end dossiers ---

# --- payments ---------------------------------------------------------------------------------
# Enabled providers (registry ids in payments/providers). Keys and URLs default to the built-in
# sandboxes with demo keys; switching to the real gateways is setting these variables only.
from celery.schedules import crontab  # noqa: E402

_PAYMENT_ENV = {
    "vnpay": ["VNPAY_TMN_CODE", "VNPAY_HASH_SECRET", "VNPAY_PAYMENT_URL", "VNPAY_API_URL"],
    "momo": ["MOMO_PARTNER_CODE", "MOMO_ACCESS_KEY", "MOMO_SECRET_KEY", "MOMO_ENDPOINT"],
}
# Production without sandboxes never uses the demo keys: by default only the gateways whose
# variables are all set are enabled; listing one explicitly without its variables refuses to start.
_PAYMENT_REAL = PRODUCTION and not env.bool("SANDBOX_ENABLED", default=False)
PAYMENT_PROVIDERS = env.list(
    "PAYMENT_PROVIDERS",
    default=[
        pid
        for pid in ("vnpay", "momo", "counter")
        if not _PAYMENT_REAL or all(env.str(n, default="") for n in _PAYMENT_ENV.get(pid, []))
    ],
)
if _PAYMENT_REAL:
    _missing = [n for pid in PAYMENT_PROVIDERS for n in _PAYMENT_ENV.get(pid, []) if not env.str(n, default="")]
    if _missing:
        raise ImproperlyConfigured("Payment providers need these environment variables: " + ", ".join(_missing))
VNPAY_TMN_CODE = env.str("VNPAY_TMN_CODE", default="DVCDEMO1")
VNPAY_HASH_SECRET = env.str("VNPAY_HASH_SECRET", default="DEMOSANDBOXHASHSECRETVNPAY2026XYZ")
VNPAY_PAYMENT_URL = env.str("VNPAY_PAYMENT_URL", default=SITE_URL + "/sandbox/vnpay/paymentv2/vpcpay.html")
VNPAY_API_URL = env.str("VNPAY_API_URL", default=SITE_URL + "/sandbox/vnpay/merchant_webapi/api/transaction")
MOMO_PARTNER_CODE = env.str("MOMO_PARTNER_CODE", default="MOMODVCDEMO")
MOMO_ACCESS_KEY = env.str("MOMO_ACCESS_KEY", default="demoAccessKey2026")
MOMO_SECRET_KEY = env.str("MOMO_SECRET_KEY", default="demoMoMoSandboxSecretKey2026")
MOMO_ENDPOINT = env.str("MOMO_ENDPOINT", default=SITE_URL + "/sandbox/momo")
# A payment left at the gateway expires after this many minutes (vnp_ExpireDate);
# reconciliation asks the gateway about payments still pending after PAYMENT_RECONCILE_AFTER_MINUTES.
PAYMENT_EXPIRE_MINUTES = env.int("PAYMENT_EXPIRE_MINUTES", default=15)
PAYMENT_RECONCILE_AFTER_MINUTES = env.int("PAYMENT_RECONCILE_AFTER_MINUTES", default=20)
CELERY_BEAT_SCHEDULE["payments-reconcile"] = {
    "task": "payments.tasks.payments_reconcile",
    "schedule": env.int("PAYMENT_RECONCILE_EVERY_SECONDS", default=600),
}
CELERY_BEAT_SCHEDULE["payments-daily-gateway-check"] = {
    "task": "payments.tasks.payments_check_yesterday",
    "schedule": crontab(hour=1, minute=30),
}
# --- end payments ---

# --- i18n -------------------------------------------------------------------------------------
LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", "Tiếng Việt"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
# Day-first date input (dd/mm/yyyy) in forms and the admin: portal/formats/<lang>/formats.py.
FORMAT_MODULE_PATH = ["portal.formats"]
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"]
USE_TZ = True
LANGUAGE_COOKIE_NAME = "portal_language"
LANGUAGE_COOKIE_SECURE = PRODUCTION
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"

# --- Static and private media -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.str("STATIC_ROOT", default=str(VAR_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    # Private files (dossier uploads, receipts): never under a public URL; views serve them
    # after a permission check.
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")), "base_url": "/private/"},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(VAR_DIR / "media"))
if not PRODUCTION:
    Path(STATIC_ROOT).mkdir(parents=True, exist_ok=True)
FILE_UPLOAD_PERMISSIONS = 0o640
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Fonts with Vietnamese glyphs, used by the PDF renderer.
PDF_FONT_DIR = BASE_DIR / "static" / "fonts"

# --- Email and SMS ----------------------------------------------------------------------------
OUTBOX_DIR = Path(env.str("OUTBOX_DIR", default=str(VAR_DIR / "outbox")))
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))
elif TESTING:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
else:
    EMAIL_BACKEND = "portal.mail.OutboxEmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Cổng Dịch vụ công <no-reply@dichvucong.example.vn>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Notifications: which channel plugin delivers each channel (portal/channels.py).
# SMS_CHANNEL=outbox writes SMS under var/outbox/sms/; SMS_CHANNEL=http posts to SMS_GATEWAY_URL.
SMS_CHANNEL = env.str("SMS_CHANNEL", default="outbox")
if PRODUCTION and SMS_CHANNEL == "http":
    _missing_sms = [n for n in ("SMS_GATEWAY_URL", "SMS_GATEWAY_TOKEN") if not env.str(n, default="")]
    if _missing_sms:
        raise ImproperlyConfigured("SMS_CHANNEL=http needs these environment variables: " + ", ".join(_missing_sms))
NOTIFICATION_CHANNEL_PLUGINS = {"email": "email", "inbox": "inbox", "sms": f"sms-{SMS_CHANNEL}"}
NOTIFICATION_MAX_ATTEMPTS = env.int("NOTIFICATION_MAX_ATTEMPTS", default=6)
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default=SITE_URL + "/sandbox/sms/send/")
SMS_GATEWAY_TOKEN = env.str("SMS_GATEWAY_TOKEN", default="sandbox-sms-token")
SMS_BRANDNAME = env.str("SMS_BRANDNAME", default="DVC")
SMS_GATEWAY_TIMEOUT = env.float("SMS_GATEWAY_TIMEOUT", default=10.0)
SANDBOX_SMS_TOKEN = "sandbox-sms-token"  # noqa: S105 -- what the built-in sandbox gateway accepts
CELERY_BEAT_SCHEDULE["notifications-redeliver"] = {
    "task": "portal.tasks.notifications_redeliver",
    "schedule": env.int("NOTIFICATION_REDELIVER_SECONDS", default=60),
}

# --- API --------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        # Tokens are for citizens only: staff need the second factor of a session.
        "identity.authentication.CitizenTokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "DEFAULT_PARSER_CLASSES": ["portal.api.JSONParser", "portal.api.FormParser", "portal.api.MultiPartParser"],
    "PAGE_SIZE": 20,
    "DEFAULT_THROTTLE_RATES": {"lookup": env.str("LOOKUP_RATE", default="30/min"), "anon": "120/min"},
    # DRF's own client address never trusts X-Forwarded-For; the throttles in portal.throttling
    # take it from portal.client_ip (TRUSTED_PROXIES) instead.
    "NUM_PROXIES": 0,
}
# Largest API request body (bytes), refused with 413 above it: a dossier's JSON is a few KB.
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=1024 * 1024)
SPECTACULAR_SETTINGS = {
    "TITLE": "Cổng Dịch vụ công — API",
    "DESCRIPTION": "Public catalog of administrative procedures, citizens' dossiers and payments.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

# --- Security ---------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
RATELIMIT_USE_CACHE = "default"
RATELIMIT_VIEW = "portal.views.ratelimited"
# Reverse proxies (comma-separated IPs or CIDRs, `unix` for one on a Unix socket) whose
# X-Forwarded-For is believed; empty: the peer is the client and X-Forwarded-For is ignored.
# portal.client_ip gives every per-IP limit, vnp_IpAddr and the audit trail the same address.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
from portal.client_ip import trusted_proxies_validate  # noqa: E402

trusted_proxies_validate(TRUSTED_PROXIES)
RATELIMIT_IP_META_KEY = "portal.client_ip.client_ip"
ACCOUNT_ADAPTER = "identity.adapters.AccountAdapter"
# Before SecurityMiddleware: X-Forwarded-Proto from outside TRUSTED_PROXIES must not count as HTTPS.
MIDDLEWARE.insert(0, "portal.middleware.TrustedProxyMiddleware")
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^health/"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'", *env.list("CSP_FORM_ACTION_EXTRA", default=[])],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Sandboxes (built-in gateways that speak the real protocols) ------------------------------
# On in the embedded setup and in tests, off in production unless explicitly enabled.
SANDBOX_ENABLED = env.bool("SANDBOX_ENABLED", default=not PRODUCTION)
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="demo-portal-2026")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
