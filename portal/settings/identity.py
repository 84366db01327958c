"""Accounts (django-allauth), the e-ID (OpenID Connect), the population registry and the
personal document store: what `identity/` reads.

Passwords, the second factor and login rate limits are in security.py.
"""

from portal.settings.base import MIDDLEWARE, PRODUCTION, SITE_URL, env

AUTH_USER_MODEL = "identity.User"
AUTHENTICATION_BACKENDS = [
    # First: reads permissions and roles in one statement; it authenticates nobody (the next two do).
    "identity.backends.PermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "/tai-khoan/"
LOGOUT_REDIRECT_URL = "/"

ACCOUNT_ADAPTER = "identity.adapters.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
# Confirming the email in the browser that signed up logs the citizen in and goes on to where
# they were going (`next`, also carried by the link itself: identity/adapters.py).
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Cổng DVC] "
# Phone as a login method is not enabled: allauth 65 requires an SMS verification flow for it,
# and the SMS channel is not wired to allauth yet. The phone number is kept on the profile.
# Staff must use two-factor on every page and API (identity.middleware.StaffTwoFactorMiddleware).
MIDDLEWARE.append("identity.middleware.StaffTwoFactorMiddleware")
# After a sign-out: prompt=login on the next e-ID sign-in, and RP-initiated logout at the issuer.
MIDDLEWARE.append("identity.middleware.EidSignOutMiddleware")

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
# Population-registry checks in any 24 hours, per account and per personal ID checked: without a
# limit, 366 tries recover anyone's birth date from their number. Counted in the database.
REGISTRY_CHECK_LIMIT_PER_DAY = env.int("REGISTRY_CHECK_LIMIT_PER_DAY", default=5)
REGISTRY_CHECK_LIMIT_PER_NUMBER_PER_DAY = env.int("REGISTRY_CHECK_LIMIT_PER_NUMBER_PER_DAY", default=5)

# Personal document store: largest file, and the per-citizen quota (uploads by the citizen).
IDENTITY_DOCUMENT_MAX_BYTES = env.int("IDENTITY_DOCUMENT_MAX_BYTES", default=10 * 1024 * 1024)
DOCUMENT_STORE_MAX_FILES = env.int("DOCUMENT_STORE_MAX_FILES", default=50)
DOCUMENT_STORE_MAX_BYTES = env.int("DOCUMENT_STORE_MAX_BYTES", default=50 * 1024 * 1024)
