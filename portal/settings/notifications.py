"""Email, SMS and the notification outbox: which channel plugin delivers each channel
(portal/channels.py) and how. The redelivery beat job is in tasks.py."""

from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from portal.settings.base import PRODUCTION, SITE_URL, TESTING, VAR_DIR, env

OUTBOX_DIR = Path(env.str("OUTBOX_DIR", default=str(VAR_DIR / "outbox")))
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))  # EMAIL_BACKEND, EMAIL_HOST, EMAIL_PORT, …
elif TESTING:
    EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
else:
    EMAIL_BACKEND = "portal.mail.OutboxEmailBackend"
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Cổng Dịch vụ công <no-reply@dichvucong.example.vn>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
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
