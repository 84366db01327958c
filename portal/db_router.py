"""Read replicas (docs/read-replicas.md): the public read-only pages read from a streaming standby
when `DATABASE_REPLICA_URLS` is set; everything else reads and writes the primary.

A read goes to a replica only when all of these hold:

- the view said so (`replica_reads`: catalog, procedure pages, lookup, indicators, exports), and
  the request is a GET/HEAD;
- the model belongs to an app whose data is public or reported (`REPLICA_APPS`): sessions, users,
  tokens, MFA devices and the outbox are always read from the primary (a session written a moment
  ago must be found);
- the primary connection is not in a transaction and nothing was written in this request;
- the person has not written in the last `DATABASE_REPLICA_STICKY_SECONDS` (read-your-writes: a
  cookie set by `ReplicaStickyMiddleware` on any request that wrote);
- the replica answered and its replay lag is at most `DATABASE_REPLICA_MAX_LAG`
  (`pg_last_xact_replay_timestamp()`, checked at most every `DATABASE_REPLICA_CHECK_SECONDS` per
  process). A replica that does not answer is left alone for `REPLICA_DOWN_SECONDS`.

A replica that fails in the middle of a view (the standby stopped after it was checked): the view
runs again on the primary, so a visitor never sees a 500 for it.

Public interface: ReplicaRouter, ReplicaStickyMiddleware, replica_reads, replica_state.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import random
import re
import time
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connections

logger = logging.getLogger(__name__)

# App labels whose models may be read from a replica (public catalog, dossiers' public status and
# indicators, payments for the indicators and exports).
REPLICA_APPS = frozenset({"services", "dossiers", "payments"})
REPLICA_DOWN_SECONDS = 5.0
STICKY_COOKIE = "portal_primary_until"
_WRITE_PREFIXES = ("INSERT", "UPDATE", "DELETE", "MERGE", "COPY", "CREATE", "ALTER", "DROP", "TRUNCATE")
# A statement that starts otherwise and still writes: the relay's wake-up sent in front of an
# INSERT (`NOTIFY portal_outbox; INSERT …`), a data-modifying WITH (`WITH r0 AS (INSERT …)`: the
# filing's rows, the IPN's payment). A read-only WITH (the agencies' tree) names none of these.
_WRITE_INSIDE = re.compile(r"\b(?:INSERT\s+INTO|UPDATE\s|DELETE\s+FROM|MERGE\s+INTO)", re.IGNORECASE)


def sql_writes(sql: str) -> bool:
    """Whether a statement sent to the primary writes (read-your-writes, ReplicaStickyMiddleware)."""
    head = sql.lstrip()[:8].upper()
    if head.startswith(_WRITE_PREFIXES):
        return True
    return head.startswith(("WITH", "NOTIFY")) and _WRITE_INSIDE.search(sql) is not None


# Set by `replica_reads` for the duration of a view: None = primary only, else the replicas used.
_replica_request: ContextVar[set | None] = ContextVar("portal_replica_request", default=None)
# alias -> (checked at (monotonic), usable, lag seconds or None)
_state: dict[str, tuple[float, bool, float | None]] = {}


def _check(alias: str) -> tuple[bool, float | None]:
    """Ask the replica how far behind it is. 0 when it has replayed all it received."""
    connection = connections[alias]
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT CASE WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
                "ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END"
            )
            lag = cursor.fetchone()[0]
    except Exception as exc:  # connection refused, reset, timeout: the primary serves
        logger.warning("Read replica %s unreachable, reading from the primary: %s", alias, exc)
        _close_quietly(alias)
        return False, None
    lag = float(lag) if lag is not None else 0.0
    return lag <= settings.DATABASE_REPLICA_MAX_LAG, lag


def _close_quietly(alias: str) -> None:
    with contextlib.suppress(Exception):  # already broken
        connections[alias].close()


def replica_state(alias: str, *, now: float | None = None) -> tuple[bool, float | None]:
    """(usable, lag in seconds) of a replica, from a cache of at most DATABASE_REPLICA_CHECK_SECONDS
    (REPLICA_DOWN_SECONDS when it did not answer)."""
    now = time.monotonic() if now is None else now
    cached = _state.get(alias)
    if cached is not None:
        checked, usable, lag = cached
        ttl = settings.DATABASE_REPLICA_CHECK_SECONDS if (usable or lag is not None) else REPLICA_DOWN_SECONDS
        if now - checked < ttl:
            return usable, lag
    usable, lag = _check(alias)
    _state[alias] = (now, usable, lag)
    return usable, lag


def _mark_down(aliases) -> None:
    now = time.monotonic()
    for alias in aliases:
        _state[alias] = (now, False, None)
        _close_quietly(alias)


def _replica_for_read() -> str | None:
    used = _replica_request.get()
    if used is None or not settings.DATABASE_REPLICAS:
        return None
    if connections[DEFAULT_DB_ALIAS].in_atomic_block:
        return None  # a transaction reads what it is about to write: the primary
    candidates = list(settings.DATABASE_REPLICAS)
    random.shuffle(candidates)
    for alias in candidates:
        usable, _lag = replica_state(alias)
        if usable:
            used.add(alias)
            return alias
    return None


class ReplicaRouter:
    """Reads of the public apps in a `replica_reads` view go to a healthy replica; all else, and
    every write and migration, to the primary."""

    def db_for_read(self, model, **hints):
        if model._meta.app_label not in REPLICA_APPS:
            return None
        return _replica_for_read()

    def db_for_write(self, model, **hints):
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replicas hold the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS if db in settings.DATABASE_REPLICAS else None


def _sticky(request) -> bool:
    try:
        return float(request.COOKIES.get(STICKY_COOKIE, "0")) > time.time()
    except ValueError:
        return False


def replica_reads(view):
    """Mark a read-only public view: its GET/HEAD requests may read from a replica (see the module
    docstring for when they do). Works on function views and on `as_view()` results."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not settings.DATABASE_REPLICAS or request.method not in ("GET", "HEAD") or _sticky(request):
            return view(request, *args, **kwargs)
        used: set = set()
        token = _replica_request.set(used)
        try:
            response = view(request, *args, **kwargs)
            if hasattr(response, "render") and not getattr(response, "is_rendered", True):
                response.render()  # templates read lazily: inside the replica's scope
            return response
        except (OperationalError, InterfaceError) as exc:
            if not used:
                raise
            # The replica went away after it was checked: once more on the primary.
            logger.warning("Read replica %s failed during %s, retrying on the primary: %s", used, request.path, exc)
            _mark_down(used)
        finally:
            _replica_request.reset(token)
        return view(request, *args, **kwargs)

    wrapped.replica_reads = True
    return wrapped


class ReplicaStickyMiddleware:
    """Read-your-writes: a request that is not a GET/HEAD/OPTIONS, or that wrote to the primary,
    sets a cookie that keeps this browser's reads on the primary for
    DATABASE_REPLICA_STICKY_SECONDS. A write also ends replica reads for the rest of its request.
    Does nothing without replicas."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not settings.DATABASE_REPLICAS:
            return self.get_response(request)
        wrote = [request.method not in ("GET", "HEAD", "OPTIONS")]

        def watch(execute, sql, params, many, context):
            if not wrote[0] and sql_writes(sql):
                wrote[0] = True
                used = _replica_request.get()
                if used is not None:
                    _replica_request.set(None)  # the rest of this request reads the primary
            return execute(sql, params, many, context)

        with connections[DEFAULT_DB_ALIAS].execute_wrapper(watch):
            response = self.get_response(request)
        if wrote[0]:
            seconds = settings.DATABASE_REPLICA_STICKY_SECONDS
            response.set_cookie(
                STICKY_COOKIE,
                f"{time.time() + seconds:.3f}",
                max_age=max(int(seconds) + 1, 1),
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response
