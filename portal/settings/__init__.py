"""Settings for the public-services portal, one module per concern (DJANGO_SETTINGS_MODULE stays
`portal.settings`).

Every knob comes from the environment (django-environ, one `env` object in base.py) with a
working embedded default: no DATABASE_URL -> SQLite under var/, no REDIS_URL -> eager Celery and
local-memory cache. Production (DJANGO_ENV=production) refuses to start without its secrets.
Every variable is listed in docs/configuration.md (tests/portal/test_docs_configuration.py).

The order matters: later modules read base's values and add to its MIDDLEWARE list.
"""

# The order matters (see above): no import sorting here.
# isort: off
from portal.settings.base import *  # noqa: F403
from portal.settings.tasks import *  # noqa: F403
from portal.settings.identity import *  # noqa: F403
from portal.settings.dossiers import *  # noqa: F403
from portal.settings.indicators import *  # noqa: F403
from portal.settings.payments import *  # noqa: F403
from portal.settings.integrations import *  # noqa: F403
from portal.settings.notifications import *  # noqa: F403
from portal.settings.signing import *  # noqa: F403
from portal.settings.api import *  # noqa: F403
from portal.settings.security import *  # noqa: F403
# isort: on
