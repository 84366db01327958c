"""The national population database (Cơ sở dữ liệu quốc gia về dân cư) behind an adapter.

The HTTP client has timeouts, bounded retries with backoff, a circuit breaker whose state lives
in the shared cache (so every process sees the same state) and a short cache of answers. When
the registry is down it raises RegistryUnavailable; callers show a calm message.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
import unicodedata
from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.cache import cache
from django.http import JsonResponse
from django.views.decorators.http import require_GET

from portal.kernel.plugins import PluginRegistry


class RegistryUnavailable(Exception):
    """The registry did not answer in time (down, slow, or the circuit is open)."""


@dataclass(frozen=True)
class RegistryPerson:
    personal_id: str
    full_name: str
    date_of_birth: dt.date | None
    sex: str
    address: str


def normalize_name(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name or "").casefold().split())


class RegistryAdapter:
    """Interface: look a person up and verify name + birth date."""

    id = ""

    def lookup(self, personal_id: str) -> RegistryPerson | None:
        raise RegistryUnavailable

    def verify(self, personal_id: str, full_name: str, date_of_birth: dt.date | None) -> bool:
        person = self.lookup(personal_id)
        return (
            person is not None
            and normalize_name(person.full_name) == normalize_name(full_name)
            and person.date_of_birth == date_of_birth
        )


registry_adapters: PluginRegistry[type[RegistryAdapter]] = PluginRegistry(
    "population registry adapter", setting="REGISTRY_ADAPTER"
)
registry_adapter_register = registry_adapters.register


def registry_adapter(adapter_id: str | None = None) -> RegistryAdapter:
    return registry_adapters.get(adapter_id or getattr(settings, "REGISTRY_ADAPTER", "http"))()


# --- circuit breaker (state in the cache) -------------------------------------------------------

BREAKER_KEY = "identity:registry:breaker"


def breaker_is_open() -> bool:
    state = cache.get(BREAKER_KEY) or {}
    return state.get("open_until", 0) > time.time()


def breaker_record_failure() -> None:
    state = cache.get(BREAKER_KEY) or {"failures": 0, "open_until": 0}
    state["failures"] = state.get("failures", 0) + 1
    if state["failures"] >= int(getattr(settings, "REGISTRY_BREAKER_THRESHOLD", 3)):
        state["open_until"] = time.time() + float(getattr(settings, "REGISTRY_BREAKER_COOLDOWN", 60))
        state["failures"] = 0
    cache.set(BREAKER_KEY, state, 3600)


def breaker_record_success() -> None:
    cache.delete(BREAKER_KEY)


@registry_adapter_register
class HttpRegistryClient(RegistryAdapter):
    id = "http"

    def __init__(self):
        self.base_url = (getattr(settings, "REGISTRY_URL", "") or f"{settings.SITE_URL}/sandbox/registry").rstrip("/")
        self.token = getattr(settings, "REGISTRY_TOKEN", "")
        self.timeout = (
            float(getattr(settings, "REGISTRY_CONNECT_TIMEOUT", 2)),
            float(getattr(settings, "REGISTRY_READ_TIMEOUT", 4)),
        )
        self.retries = int(getattr(settings, "REGISTRY_RETRIES", 2))
        self.backoff = float(getattr(settings, "REGISTRY_BACKOFF", 0.3))
        self.cache_seconds = int(getattr(settings, "REGISTRY_CACHE_SECONDS", 300))

    def _cache_key(self, personal_id: str) -> str:
        digest = hashlib.sha256(f"{self.base_url}|{personal_id}".encode()).hexdigest()[:40]
        return f"identity:registry:person:{digest}"

    def lookup(self, personal_id: str) -> RegistryPerson | None:
        key = self._cache_key(personal_id)
        cached = cache.get(key)
        if cached is not None:
            return RegistryPerson(**cached) if cached else None
        if breaker_is_open():
            raise RegistryUnavailable
        data = self._fetch(personal_id)
        cache.set(key, data or {}, self.cache_seconds)
        return RegistryPerson(**data) if data else None

    def _fetch(self, personal_id: str) -> dict | None:
        url = f"{self.base_url}/people/{personal_id}/"
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * (2 ** (attempt - 1)))
            try:
                response = requests.get(url, headers=headers, timeout=self.timeout)
            except requests.RequestException:
                continue
            if response.status_code == 404:
                breaker_record_success()
                return None
            if response.status_code >= 500 or response.status_code == 429:
                continue
            if response.status_code != 200:
                break
            try:
                body = response.json()
                birth = body.get("date_of_birth")
                data = {
                    "personal_id": body["personal_id"],
                    "full_name": body.get("full_name", ""),
                    "date_of_birth": dt.date.fromisoformat(birth) if birth else None,
                    "sex": body.get("sex", ""),
                    "address": body.get("address", ""),
                }
            except (ValueError, KeyError, TypeError):
                break
            breaker_record_success()
            return data
        breaker_record_failure()
        raise RegistryUnavailable


# --- sandbox registry endpoint -------------------------------------------------------------------


@require_GET
def sandbox_person(request, personal_id: str):
    """The sandbox registry: same shape as the client expects, backed by SandboxResident."""
    from .models import SandboxResident

    expected = getattr(settings, "REGISTRY_TOKEN", "")
    if request.headers.get("Authorization", "") != f"Bearer {expected}":
        return JsonResponse({"error": "unauthorized"}, status=401)
    resident = SandboxResident.objects.select_related("ward__province").filter(personal_id=personal_id).first()
    delay = float(getattr(settings, "REGISTRY_SANDBOX_DELAY", 0))
    if delay:
        # Lets tests and demos reproduce a slow registry (after the database work, so a client
        # that gave up leaves nothing half-done behind).
        time.sleep(delay)
    if resident is None:
        return JsonResponse({"error": "not_found"}, status=404)
    address = ", ".join(
        part
        for part in (
            resident.address_line,
            resident.ward.name if resident.ward else "",
            resident.ward.province.name if resident.ward else "",
        )
        if part
    )
    return JsonResponse(
        {
            "personal_id": resident.personal_id,
            "full_name": resident.full_name,
            "date_of_birth": resident.date_of_birth.isoformat(),
            "sex": resident.sex,
            "address": address,
        }
    )
