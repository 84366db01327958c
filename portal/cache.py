"""The Redis cache backend that fails soft: with Redis down a read is a miss and a write is
skipped, never a 500 (issue 15). Rate-limit keys keep counting in this process's memory instead,
so login and the other limits stay in force (per process) until Redis answers again.

After a failure the backend stops calling Redis for `CIRCUIT_SECONDS` (the circuit is open), so a
dead Redis costs one short connect timeout per period and process, not one per call. Failures are
counted (`cache_failsoft_stats`, shown by /health/ready/) and logged at most once per
`LOG_SECONDS` per process.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# What "Redis is unavailable" looks like from redis-py: refused/reset/DNS (ConnectionError, which
# also covers BusyLoadingError while Redis loads its append-only file) and timeouts.
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError)

# Keys of rate limits: django-ratelimit ("rl:"), allauth's login/signup/reset limits and their
# locks ("allauth:rl:"), DRF throttles ("throttle_"). Without Redis they count in process memory.
RATE_LIMIT_PREFIXES = ("rl:", "allauth:rl:", "throttle_")

_DOWN = object()  # "answer as if Redis had nothing" marker inside the backend


@dataclass
class _Circuit:
    """Per process and Redis location: shared by every thread's backend instance."""

    location: str
    open_until: float = 0.0
    errors: int = 0  # calls that failed on Redis
    skipped: int = 0  # calls not sent because the circuit was open
    local: int = 0  # rate-limit calls served from process memory
    unlogged: int = 0  # failures since the last log line
    logged_at: float = float("-inf")
    last_error: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def is_open(self) -> bool:
        return time.monotonic() < self.open_until

    def trip(self, exc: Exception, *, seconds: float, log_seconds: float) -> None:
        now = time.monotonic()
        with self.lock:
            self.errors += 1
            self.unlogged += 1
            self.open_until = now + seconds
            self.last_error = f"{type(exc).__name__}: {exc}"
            if now - self.logged_at < log_seconds:
                return
            self.logged_at, count = now, self.unlogged
            self.unlogged = 0
        logger.warning(
            "Cache at %s unavailable (%s); %d failure(s) since the last report. Reads are misses and "
            "writes are skipped; rate limits (login included) count in each process's memory until "
            "Redis answers again.",
            self.location,
            self.last_error,
            count,
        )

    def close(self) -> None:
        if not self.open_until:
            return
        with self.lock:
            if not self.open_until:
                return
            self.open_until = 0.0
        logger.warning("Cache at %s answers again; rate limits count in Redis again.", self.location)


_circuits: dict[str, _Circuit] = {}
_circuits_lock = threading.Lock()


def _redacted(location: str) -> str:
    """The location without its password, for logs."""
    return re.sub(r"//[^/@]*@", "//***@", location)


def _circuit_for(location: str) -> _Circuit:
    with _circuits_lock:
        return _circuits.setdefault(location, _Circuit(location=location))


class _ReusedClients(RedisCacheClient):
    """Django's RedisCacheClient builds a new redis.Redis object (and its table of ~170 response
    callbacks) for every cache call: about 0.5 ms of CPU each, two to four times per request. The
    client objects only wrap the connection pool and are safe to share, so keep one per pool."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class FailSoftRedisCache(RedisCache):
    """django.core.cache.backends.redis.RedisCache whose Redis errors are a miss or a no-op.

    Extra OPTIONS (removed before the Redis client sees them): CIRCUIT_SECONDS (default 2),
    LOG_SECONDS (default 60). socket_connect_timeout and socket_timeout default to 0.25 s.
    """

    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        self.circuit_seconds = float(options.pop("CIRCUIT_SECONDS", 2.0))
        self.log_seconds = float(options.pop("LOG_SECONDS", 60.0))
        options.setdefault("socket_connect_timeout", 0.25)
        options.setdefault("socket_timeout", 0.25)
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._class = _ReusedClients
        location = _redacted(server if isinstance(server, str) else ",".join(server))
        self.circuit = _circuit_for(location)
        # LocMemCache keeps its data per process under this name, whichever thread asks.
        self.local = LocMemCache(f"failsoft:{location}", {"OPTIONS": {"MAX_ENTRIES": 10000}})

    # --- the guard ---------------------------------------------------------------------------

    def _call(self, name: str, keys, *args, **kwargs):
        """Run RedisCache.<name>; with Redis down, the local cache for rate-limit keys, else _DOWN."""
        if self.circuit.is_open():
            self.circuit.skipped += 1
            return self._without_redis(name, keys, *args, **kwargs)
        try:
            result = getattr(super(), name)(*args, **kwargs)
        except REDIS_DOWN as exc:
            self.circuit.trip(exc, seconds=self.circuit_seconds, log_seconds=self.log_seconds)
            return self._without_redis(name, keys, *args, **kwargs)
        self.circuit.close()
        return result

    def _without_redis(self, name: str, keys, *args, **kwargs):
        keys = list(keys)
        if keys and all(str(k).startswith(RATE_LIMIT_PREFIXES) for k in keys):
            self.circuit.local += 1
            return getattr(self.local, name)(*args, **kwargs)
        return _DOWN

    def is_unavailable(self) -> bool:
        return self.circuit.is_open()

    def ping(self) -> None:
        """Ask Redis directly (the readiness check): raises when it does not answer."""
        try:
            self._cache.get_client(write=True).ping()
        except REDIS_DOWN as exc:
            self.circuit.trip(exc, seconds=self.circuit_seconds, log_seconds=self.log_seconds)
            raise
        self.circuit.close()

    # --- the cache API -----------------------------------------------------------------------

    def get(self, key, default=None, version=None):
        result = self._call("get", [key], key, default, version)
        return default if result is _DOWN else result

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._call("set", [key], key, value, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        result = self._call("add", [key], key, value, timeout, version)
        return False if result is _DOWN else result

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        result = self._call("touch", [key], key, timeout, version)
        return False if result is _DOWN else result

    def delete(self, key, version=None):
        result = self._call("delete", [key], key, version)
        return False if result is _DOWN else result

    def has_key(self, key, version=None):
        result = self._call("has_key", [key], key, version)
        return False if result is _DOWN else result

    def incr(self, key, delta=1, version=None):
        result = self._call("incr", [key], key, delta, version)
        if result is _DOWN:  # what a missing key gives; callers already handle it
            raise ValueError(f"Key '{key}' not found (cache unavailable).")
        return result

    def get_many(self, keys, version=None):
        keys = list(keys)
        result = self._call("get_many", keys, keys, version)
        return {} if result is _DOWN else result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        result = self._call("set_many", list(data), data, timeout, version)
        return list(data) if result is _DOWN else result

    def delete_many(self, keys, version=None):
        keys = list(keys)
        self._call("delete_many", keys, keys, version)

    def clear(self):
        self.local.clear()
        result = self._call("clear", [])
        return False if result is _DOWN else result


def cache_unavailable(backend) -> bool:
    """True while `backend` (a FailSoftRedisCache) has found Redis down and is not asking it."""
    is_unavailable = getattr(backend, "is_unavailable", None)
    return bool(is_unavailable and is_unavailable())


def cache_failsoft_stats() -> dict:
    """This process's counters over every fail-soft cache, for /health/ready/."""
    with _circuits_lock:
        circuits = list(_circuits.values())
    return {
        "circuit_open": any(c.is_open() for c in circuits),
        "errors": sum(c.errors for c in circuits),
        "skipped": sum(c.skipped for c in circuits),
        "rate_limit_local": sum(c.local for c in circuits),
    }


# --- Keys a request reads once ---------------------------------------------------------------
# A few keys are read by most requests that touch the catalog or a dossier — the catalog
# generation, whether any webhook is subscribed — and some requests read one of them twice. Within
# a request (RequestCacheReadsMiddleware) the first read of any of them fetches all of them in one
# round trip, and later reads are answered from that; outside a request (tasks, commands) every
# read goes to the cache. A request sees one value of each for its whole life, and a change it
# makes itself (`request_cache_forget`) is read again.

_REQUEST_KEYS: list[str] = []
_request_reads: ContextVar[dict | None] = ContextVar("portal_request_cache_reads", default=None)


def request_cache_key(key: str) -> str:
    """Register `key` as one a request reads once (at import of the module that owns it)."""
    if key not in _REQUEST_KEYS:
        _REQUEST_KEYS.append(key)
    return key


def request_cache_get(key: str):
    """`cache.get(key)`, read once per request together with the other registered keys."""
    from django.core.cache import cache

    reads = _request_reads.get()
    if reads is None:
        return cache.get(key)
    if key not in reads:
        keys = [k for k in _REQUEST_KEYS if k not in reads]
        if key not in keys:
            keys.append(key)
        found = cache.get_many(keys)
        for k in keys:
            reads[k] = found.get(k)
    return reads[key]


def request_cache_remember(key: str, value) -> None:
    """What the request found or wrote for `key` when the cache had nothing."""
    reads = _request_reads.get()
    if reads is not None:
        reads[key] = value


def request_cache_forget(key: str) -> None:
    """The request changed `key`: its next read asks the cache."""
    reads = _request_reads.get()
    if reads is not None:
        reads.pop(key, None)


class RequestCacheReadsMiddleware:
    """The scope of `request_cache_get`: one request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_reads.set({})
        try:
            return self.get_response(request)
        finally:
            _request_reads.reset(token)
