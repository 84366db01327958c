"""A small closed-loop HTTP load generator on asyncio + aiohttp: N concurrent clients, each
sending its next request as soon as the previous answer is read, for at most `duration`
seconds and `max_requests` requests per endpoint. Only ever talks to 127.0.0.1."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlparse

import aiohttp


@dataclass
class Request:
    path: str
    method: str = "GET"
    headers: dict = field(default_factory=dict)
    json: object = None
    # A multipart body: a function returning a fresh aiohttp.FormData (one can be sent only once).
    form: object = None


@dataclass
class Endpoint:
    name: str
    # i -> Request: every request may differ (another dossier code, another order).
    request: Callable[[int], Request]
    # (status, body) -> True when the answer is the one expected.
    check: Callable[[int, bytes], bool] = lambda status, body: 200 <= status < 300
    max_requests: int | None = None
    warmup: int = 10
    concurrency: int | None = None
    note: str = ""


@dataclass
class Result:
    name: str
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies_ms: list = field(default_factory=list)
    queries: list = field(default_factory=list)
    statuses: dict = field(default_factory=dict)
    error_samples: list = field(default_factory=list)
    skipped: str = ""
    note: str = ""

    def summary(self) -> dict:
        if self.skipped:
            return {"name": self.name, "skipped": self.skipped}
        lat = sorted(self.latencies_ms)

        def pct(p):
            if not lat:
                return None
            k = min(len(lat) - 1, max(0, round(p / 100 * len(lat) + 0.5) - 1))
            return round(lat[k], 2)

        return {
            "name": self.name,
            "requests": self.requests,
            "errors": self.errors,
            "seconds": round(self.seconds, 2),
            "rps": round(self.requests / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": pct(50),
            "p95_ms": pct(95),
            "p99_ms": pct(99),
            "mean_ms": round(statistics.fmean(lat), 2) if lat else None,
            "queries_median": statistics.median(self.queries) if self.queries else None,
            "queries_max": max(self.queries) if self.queries else None,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "error_samples": self.error_samples[:3],
            "note": self.note,
        }


def merge(results: list[Result]) -> Result:
    """One result from several bursts of the same endpoint."""
    out = Result(name=results[0].name, note=results[0].note)
    for r in results:
        out.requests += r.requests
        out.errors += r.errors
        out.seconds += r.seconds
        out.latencies_ms += r.latencies_ms
        out.queries += r.queries
        out.error_samples += r.error_samples
        for k, v in r.statuses.items():
            out.statuses[k] = out.statuses.get(k, 0) + v
    return out


def _local_only(base_url: str) -> None:
    host = urlparse(base_url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"the bench only talks to 127.0.0.1, not {host}")


async def _run_endpoint(session, base_url, ep: Endpoint, *, concurrency, duration, max_requests, counter) -> Result:
    res = Result(name=ep.name, note=ep.note)
    limit = min(max_requests, ep.max_requests or max_requests)

    async def one(i, record: bool):
        req = ep.request(i)
        started = time.perf_counter()
        try:
            async with session.request(
                req.method,
                base_url + req.path,
                headers=req.headers,
                json=req.json,
                data=req.form() if req.form else None,
                allow_redirects=False,
            ) as resp:
                body = await resp.read()
                elapsed = (time.perf_counter() - started) * 1000
                status = resp.status
                qc = resp.headers.get("X-Query-Count")
        except Exception as exc:  # a refused connection or a timeout is an error of the run
            if record:
                res.requests += 1
                res.errors += 1
                res.statuses["exception"] = res.statuses.get("exception", 0) + 1
                if len(res.error_samples) < 3:
                    res.error_samples.append(f"{req.method} {req.path}: {type(exc).__name__}: {exc}")
            return
        if not record:
            return
        res.requests += 1
        res.latencies_ms.append(elapsed)
        res.statuses[status] = res.statuses.get(status, 0) + 1
        if qc is not None:
            res.queries.append(int(qc))
        if not ep.check(status, body):
            res.errors += 1
            if len(res.error_samples) < 3:
                res.error_samples.append(f"{req.method} {req.path} -> {status}: {body[:300]!r}")

    for _ in range(ep.warmup):
        await one(next(counter), record=False)

    deadline = time.monotonic() + duration
    issued = 0

    async def worker():
        nonlocal issued
        while time.monotonic() < deadline and issued < limit:
            issued += 1
            await one(next(counter), record=True)

    started = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(ep.concurrency or concurrency)))
    res.seconds = time.monotonic() - started
    return res


async def _run(base_url, endpoints, *, concurrency, duration, max_requests, on_result) -> list[Result]:
    import itertools

    _local_only(base_url)
    results = []
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()
    ) as session:
        for ep in endpoints:
            counter = itertools.count()
            result = await _run_endpoint(
                session, base_url, ep, concurrency=concurrency, duration=duration, max_requests=max_requests,
                counter=counter,
            )  # fmt: skip
            results.append(result)
            if on_result:
                on_result(result)
    return results


async def _run_interleaved(base_url, endpoints, *, rounds, duration, concurrency) -> list[Result]:
    import dataclasses
    import itertools

    _local_only(base_url)
    counters = {ep.name: itertools.count() for ep in endpoints}  # requests never repeat an index
    bursts: dict[str, list[Result]] = {ep.name: [] for ep in endpoints}
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()
    ) as session:
        for n in range(rounds):
            for ep in endpoints:
                limit = max(1, (ep.max_requests or 10**9) // rounds)
                burst = dataclasses.replace(ep, warmup=ep.warmup if n == 0 else 0, max_requests=limit)
                result = await _run_endpoint(
                    session, base_url, burst, concurrency=concurrency, duration=duration,
                    max_requests=limit, counter=counters[ep.name],
                )  # fmt: skip
                bursts[ep.name].append(result)
    return [merge(bursts[ep.name]) for ep in endpoints]


def run_interleaved(base_url: str, endpoints: list[Endpoint], *, rounds=5, duration=2.0, concurrency=8) -> list[Result]:
    """The endpoints in turn, `rounds` times, `duration` seconds each time (warm-up in the first
    round only), merged per endpoint: endpoints compared with each other see the same machine, on
    a machine whose speed drifts within a minute (a shared VM)."""
    return asyncio.run(_run_interleaved(base_url, endpoints, rounds=rounds, duration=duration, concurrency=concurrency))


def run(base_url: str, endpoints: list[Endpoint], *, concurrency=8, duration=10.0, max_requests=5000, on_result=None):
    return asyncio.run(
        _run(
            base_url,
            endpoints,
            concurrency=concurrency,
            duration=duration,
            max_requests=max_requests,
            on_result=on_result,
        )
    )
