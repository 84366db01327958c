"""The session store: Django's cached_db (the database is the truth, the cache saves its read on
every request) with two guards for a fail-soft cache that may miss a write or a delete.

- A session is kept in the cache at most SESSION_CACHE_SECONDS (5 minutes), then read again from
  the database: a copy the cache kept while a sign-out could not reach it dies within that bound.
- A delete that could not reach the cache (Redis down: FailSoftRedisCache skips it) is retried by
  this process as soon as the cache answers again, so a signed-out session does not come back
  from the cache when Redis does.
"""

from __future__ import annotations

import logging
import threading

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.contrib.sessions.backends.db import SessionStore as DBStore

from portal.cache import cache_unavailable

logger = logging.getLogger("django.contrib.sessions")

# Cache keys of deleted sessions whose cache delete did not reach Redis, retried by this process.
_undeleted: set[str] = set()
_undeleted_lock = threading.Lock()


def _cache_seconds(age: int) -> int:
    return max(0, min(int(age), int(getattr(settings, "SESSION_CACHE_SECONDS", 300))))


class SessionStore(CachedDBStore):
    def _retry_deletes(self) -> None:
        if not _undeleted or cache_unavailable(self._cache):
            return
        with _undeleted_lock:
            keys = list(_undeleted)
        try:
            self._cache.delete_many(keys)
        except Exception:  # a cache that raises rather than failing soft: next time
            return
        if not cache_unavailable(self._cache):
            with _undeleted_lock:
                _undeleted.difference_update(keys)

    def load(self):
        self._retry_deletes()
        try:
            data = self._cache.get(self.cache_key)
        except Exception:  # as cached_db: an invalid cache key resets the session (Django #17810)
            data = None
        if data is None:
            s = self._get_session_from_db()
            if s:
                data = self.decode(s.session_data)
                self._cache_set(data, self.get_expiry_age(expiry=s.expire_date))
            else:
                data = {}
        return data

    def save(self, must_create=False):
        self._retry_deletes()
        # The database first (cached_db's order): a failed write raises before the cache holds it.
        DBStore.save(self, must_create)
        self._cache_set(self._session, self.get_expiry_age())

    def _cache_set(self, data, age: int) -> None:
        try:
            self._cache.set(self.cache_key, data, _cache_seconds(age))
        except Exception:
            logger.exception("Error saving to cache (%s)", self._cache)

    def delete(self, session_key=None):
        DBStore.delete(self, session_key)
        session_key = session_key or self.session_key
        if not session_key:
            return
        key = self.cache_key_prefix + session_key
        try:
            self._cache.delete(key)
            missed = cache_unavailable(self._cache)
        except Exception:
            missed = True
        if missed:
            with _undeleted_lock:
                _undeleted.add(key)

    # The async API (Django's async views) goes through the same guards.
    async def aload(self):
        return await sync_to_async(self.load)()

    async def asave(self, must_create=False):
        await sync_to_async(self.save)(must_create)

    async def adelete(self, session_key=None):
        await sync_to_async(self.delete)(session_key)
