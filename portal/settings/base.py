"""The project's foundation: the one `env` object, paths, the production switch, apps,
middleware, templates, database, cache, languages, static and private files, logging.

Every other settings module imports `env` (and what it needs) from here.
"""

import sys
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
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
    "portal.apps.PortalAdminConfig",
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
    "integrations",
]

# identity.py appends its middleware and security.py puts TrustedProxyMiddleware first.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The catalog generation and the other keys most requests read: once per request (portal.cache).
    "portal.cache.RequestCacheReadsMiddleware",
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
    # Read-your-writes with read replicas: a session that wrote reads from the primary for a while.
    "portal.db_router.ReplicaStickyMiddleware",
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
# The officials' hottest reads run as server-side prepared statements on PostgreSQL
# (portal/prepared.py). Off behind a pooler that does not keep a client's session (PgBouncer in
# transaction pooling).
DB_PREPARED_STATEMENTS = env.bool("DB_PREPARED_STATEMENTS", default=True)

# Read replicas (docs/read-replicas.md): streaming standbys of the primary that serve the public
# read-only pages (catalog, procedure pages, lookup, indicators, exports) through
# portal.db_router. Unset: everything reads from the primary.
DATABASE_REPLICA_URLS = [u.strip() for u in env.list("DATABASE_REPLICA_URLS", default=[]) if u.strip()]
# Seconds a session that wrote reads from the primary (read-your-writes).
DATABASE_REPLICA_STICKY_SECONDS = env.float("DATABASE_REPLICA_STICKY_SECONDS", default=10.0)
# Seconds of replay lag beyond which a replica is left for the primary.
DATABASE_REPLICA_MAX_LAG = env.float("DATABASE_REPLICA_MAX_LAG", default=5.0)
# Seconds a replica's state (reachable, lag) is cached per process.
DATABASE_REPLICA_CHECK_SECONDS = env.float("DATABASE_REPLICA_CHECK_SECONDS", default=1.0)
DATABASE_REPLICAS: list[str] = []
if USING_POSTGRES:
    for _n, _url in enumerate(DATABASE_REPLICA_URLS):
        _alias = f"replica{_n}"
        DATABASES[_alias] = env.db_url_config(_url)
        DATABASES[_alias]["CONN_MAX_AGE"] = DATABASES["default"]["CONN_MAX_AGE"]
        DATABASES[_alias]["CONN_HEALTH_CHECKS"] = True
        DATABASES[_alias]["OPTIONS"] = {
            **DATABASES[_alias].get("OPTIONS", {}),
            "connect_timeout": env.int("DATABASE_REPLICA_CONNECT_TIMEOUT", default=2),
            "application_name": f"portal-{_alias}",
        }
        # Tests: the standby replicates the whole cluster, so the test database the primary gets
        # is there too; the alias reads it (no database of its own is created).
        DATABASES[_alias]["TEST"] = {"MIRROR": "default"}
        DATABASE_REPLICAS.append(_alias)
DATABASE_ROUTERS = ["portal.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache (the Celery broker is in tasks.py) --------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            # Redis down is a miss, never a 500; rate limits then count per process (portal/cache.py).
            "BACKEND": "portal.cache.FailSoftRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="portal"),
            "OPTIONS": {
                # Seconds; a dead Redis costs at most this, once per CIRCUIT_SECONDS and process.
                "socket_connect_timeout": env.float("CACHE_SOCKET_TIMEOUT", default=0.25),
                "socket_timeout": env.float("CACHE_SOCKET_TIMEOUT", default=0.25),
                # Seconds the cache is not asked again after a failure.
                "CIRCUIT_SECONDS": env.float("CACHE_CIRCUIT_SECONDS", default=2.0),
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "portal"}}

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
# The PDF/A profile of every issued PDF (WeasyPrint pdf_variant); empty = plain PDF.
PDF_VARIANT = env.str("PDF_VARIANT", default="pdf/a-3b")

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
