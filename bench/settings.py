"""Settings for `make bench` only: the portal's settings plus the baseline view, the
X-Query-Count header, and no per-IP rate limits (the whole load comes from one client IP,
and the bench measures the pages, not the limiter). Never used by the test suite."""

from portal.settings import *  # noqa: F403
from portal.settings import MIDDLEWARE, REST_FRAMEWORK, env

BENCH_ENABLED = True
DEBUG = False
# Outermost, so that session, authentication and two-factor queries are counted too.
MIDDLEWARE = ["bench.middleware.QueryCountMiddleware", *MIDDLEWARE]
RATELIMIT_ENABLE = False
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": dict.fromkeys(REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}), "1000000/min"),
}
DOSSIER_LOOKUP_RATE = "1000000/m"
LOOKUP_RATE = "1000000/min"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("BENCH_LOG_LEVEL", default="WARNING")},
}
