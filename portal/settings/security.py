"""Passwords, the second factor, rate limits, reverse proxies, cookies, response headers
(CSP, HSTS) and the HTTPS settings of production. docs/security.md is the index."""

from portal.client_ip import trusted_proxies_validate
from portal.settings.base import MIDDLEWARE, PRODUCTION, TESTING, env

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
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env.str("MFA_TOTP_ISSUER", default="Cổng DVC")
MFA_PASSKEY_LOGIN_ENABLED = False

# Login limits per IP and per account (allauth); the IP is portal.client_ip's (TRUSTED_PROXIES).
ACCOUNT_RATE_LIMITS = {"login_failed": "10/m/ip,5/5m/key", "signup": "20/m/ip", "reset_password": "20/m/ip,5/m/key"}
RATELIMIT_USE_CACHE = "default"
# If the limit's store cannot count, the view is not blocked: with Redis down FailSoftRedisCache
# already counts the limits in process memory, so this only covers a store that fails otherwise.
RATELIMIT_FAIL_OPEN = True
RATELIMIT_VIEW = "portal.views.ratelimited"
# Reverse proxies (comma-separated IPs or CIDRs, `unix` for one on a Unix socket) whose
# X-Forwarded-For is believed; empty: the peer is the client and X-Forwarded-For is ignored.
# portal.client_ip gives every per-IP limit, vnp_IpAddr and the audit trail the same address.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
trusted_proxies_validate(TRUSTED_PROXIES)
RATELIMIT_IP_META_KEY = "portal.client_ip.client_ip"
# Before SecurityMiddleware: X-Forwarded-Proto from outside TRUSTED_PROXIES must not count as HTTPS.
MIDDLEWARE.insert(0, "portal.middleware.TrustedProxyMiddleware")

# Sessions are read from the cache (no SQL per request), the database stays the truth: a Redis
# outage falls back to it. portal/sessions.py bounds what a cache that missed a delete can keep.
SESSION_ENGINE = "portal.sessions"
SESSION_CACHE_SECONDS = env.int("SESSION_CACHE_SECONDS", default=300)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
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
