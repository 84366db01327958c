"""Cache of the public catalog reads (search results, filter lists, home figures).

Everything cached here changes only when the catalog changes, so every key carries the catalog
*generation*: a counter in the cache (Redis in production) bumped by `procedure_publish` /
`procedure_unpublish` and by any save of a version, agency or field (signals in `apps.py`).
A bump makes every older entry unreachable at once; they expire on their own.
"""

import hashlib
import time

from django.core.cache import cache
from django.db import transaction

from portal.cache import (
    cache_unavailable,
    request_cache_forget,
    request_cache_get,
    request_cache_key,
    request_cache_remember,
)

GENERATION_KEY = request_cache_key("catalog:generation")
TIMEOUT = 600  # seconds; a bump invalidates earlier, this only bounds memory


# A bump this process could not write because the cache was down; made once it answers again,
# so entries cached before the outage do not outlive a change made during it.
_bump_owed = False


def _first_generation() -> int:
    """Where the counter starts when the cache has none (a new Redis, one restarted empty, a
    flushed cache): the clock in nanoseconds, so a generation number is never used twice in a
    process's lifetime — a row kept under generation 5 before a restart is not taken for
    generation 5 after it (`catalog_generation_known`)."""
    return time.time_ns()


def catalog_generation() -> int:
    if _bump_owed and not cache_unavailable(cache):
        _bump()
    generation = request_cache_get(GENERATION_KEY)  # once per request (portal.cache)
    if generation is None:
        cache.add(GENERATION_KEY, _first_generation(), timeout=None)
        generation = cache.get(GENERATION_KEY) or 1
        request_cache_remember(GENERATION_KEY, generation)
    return int(generation)


def catalog_cache_shared() -> bool:
    """Whether every process of the portal sees this cache (Redis), so that a generation started
    by one is the generation of all."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    return isinstance(caches["default"], RedisCache)


def catalog_generation_known() -> int | None:
    """The generation as the cache holds it, or None when the cache cannot say (Redis down):
    nothing may then be kept by generation."""
    if cache_unavailable(cache):
        return None
    generation = catalog_generation()
    return None if cache_unavailable(cache) else generation


def _bump() -> None:
    global _bump_owed
    request_cache_forget(GENERATION_KEY)
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # missing key
        cache.add(GENERATION_KEY, _first_generation(), timeout=None)
    _bump_owed = cache_unavailable(cache)


def catalog_generation_bump() -> None:
    """Invalidate every cached catalog read: now (this transaction's own reads) and again after
    commit, so that a reader racing the commit cannot keep stale rows under the new generation."""
    _bump()
    transaction.on_commit(_bump)


def catalog_generation_changed(**kwargs) -> None:
    """The receiver of post_save / post_delete of a version, agency or field and of a version's
    agencies changing (apps.py)."""
    catalog_generation_bump()


def catalog_key(name: str, *parts) -> str:
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
    return f"catalog:{catalog_generation()}:{name}:{digest}"


def catalog_cached(name: str, parts: tuple, compute):
    """`compute()` once per catalog generation and key parts."""
    key = catalog_key(name, *parts)
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, TIMEOUT)
    return value
