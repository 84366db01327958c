"""Keys most requests read (the catalog generation, whether a webhook is subscribed) are read
once per request, together, and a change the request makes itself is read again (portal.cache)."""

from django.core.cache import cache
from django.http import HttpResponse
from django.test import RequestFactory

from catalog.catalog_cache import GENERATION_KEY, catalog_generation, catalog_generation_bump
from integrations.services import WEBHOOK_ANY_CACHE_KEY
from portal.cache import RequestCacheReadsMiddleware, request_cache_get


class CountingReads:
    """The default cache, counting the reads asked of it (not the backend's own inner calls: the
    embedded cache's get_many is a get per key)."""

    def __init__(self, monkeypatch):
        from django.core.cache import caches

        self.calls, self.depth = [], 0
        backend = caches["default"]
        for name in ("get", "get_many"):
            monkeypatch.setattr(backend, name, self._counted(name, getattr(backend, name)))

    def _counted(self, name, original):
        def counted(*args, **kwargs):
            if not self.depth:
                self.calls.append(name)
            self.depth += 1
            try:
                return original(*args, **kwargs)
            finally:
                self.depth -= 1

        return counted


def _in_a_request(view):
    seen = {}

    def wrapped(request):
        view(seen)
        return HttpResponse("ok")

    RequestCacheReadsMiddleware(wrapped)(RequestFactory().get("/"))
    return seen


def test_a_request_reads_the_keys_of_most_requests_once_and_together(monkeypatch, db):
    catalog_generation()  # the generation exists
    reads = CountingReads(monkeypatch)

    def view(seen):
        seen["first"] = catalog_generation()
        seen["second"] = catalog_generation()
        seen["webhook"] = request_cache_get(WEBHOOK_ANY_CACHE_KEY)

    seen = _in_a_request(view)
    assert seen["first"] == seen["second"]
    assert reads.calls == ["get_many"]  # one round trip for all three reads


def test_a_change_made_elsewhere_is_seen_by_the_next_request_one_made_here_at_once(db):
    before = catalog_generation()

    def view(seen):
        seen["start"] = catalog_generation()
        cache.set(GENERATION_KEY, seen["start"] + 100)  # another process bumps meanwhile
        seen["same request"] = catalog_generation()
        catalog_generation_bump()  # this request changes the catalog itself
        seen["after own change"] = catalog_generation()

    seen = _in_a_request(view)
    assert seen["start"] == before and seen["same request"] == before
    assert seen["after own change"] == before + 101
    assert _in_a_request(lambda s: s.update(now=catalog_generation()))["now"] == before + 101


def test_outside_a_request_every_read_asks_the_cache(db):
    """A task or a command has no request: it never answers from an earlier read."""
    first = catalog_generation()
    cache.set(GENERATION_KEY, first + 7)
    assert catalog_generation() == first + 7
