"""Payment providers and their keys, expiry and reconciliation. Beat jobs are in tasks.py.

Enabled providers are registry ids in payments/providers. Keys and URLs default to the built-in
sandboxes with demo keys; switching to the real gateways is setting these variables only.
"""

from django.core.exceptions import ImproperlyConfigured

from portal.settings.base import PRODUCTION, SITE_URL, env

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
# E-receipt template symbol and serial printed on every receipt (as registered with the tax
# authority; the elements of an e-receipt: docs/signing.md). {yy} = two-digit year.
RECEIPT_TEMPLATE_SYMBOL = env.str("RECEIPT_TEMPLATE_SYMBOL", default="01BLP0-001")
RECEIPT_SERIAL = env.str("RECEIPT_SERIAL", default="BL{yy}E")
