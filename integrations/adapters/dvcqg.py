"""The national portal (DVCQG) through the province's LGSP/NGSP: a bearer token, JSON bodies.

The field names and codes come from integrations/dvcqg_mapping.py (one table); this module only
speaks HTTP. Paths are relative to settings.NATIONAL_SYNC_URL:
  POST hoso/dongbo            one message (the receiver dedupes on MaThongDiep)
  GET  hoso/doisoat           counts per agency and status (the latest status of each dossier)
  GET  hoso/doisoat/thutu     ?MaHoSo=a,b: the last sequence number held for each dossier
"""

import requests
from django.conf import settings

from .. import dvcqg_mapping as m
from . import SyncRejected, SyncTemporaryError, adapter_registry


@adapter_registry.register
class DvcqgAdapter:
    id = "dvcqg"

    def __init__(self):
        self.base = settings.NATIONAL_SYNC_URL.rstrip("/") + "/"
        self.timeout = settings.NATIONAL_SYNC_TIMEOUT_SECONDS
        self.session = requests.Session()
        self.session.headers.update(
            {"Authorization": f"Bearer {settings.NATIONAL_SYNC_TOKEN}", "Accept": "application/json"}
        )

    def _call(self, method: str, path: str, **kwargs) -> dict:
        try:
            response = self.session.request(method, self.base + path, timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise SyncTemporaryError(f"{type(exc).__name__}: {exc}") from exc
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise SyncTemporaryError(f"HTTP {response.status_code}: {response.text[:300]}")
        if response.status_code >= 400:
            raise SyncRejected(f"HTTP {response.status_code}: {response.text[:300]}")
        try:
            return response.json()
        except ValueError as exc:
            raise SyncTemporaryError(f"HTTP {response.status_code}, not JSON: {response.text[:200]}") from exc

    def send(self, payload: dict) -> dict:
        return self._call("POST", "hoso/dongbo", json=payload)

    def counts(self) -> dict[tuple[str, str], int]:
        rows = self._call("GET", "hoso/doisoat").get("data", [])
        f = m.COUNT_FIELDS
        return {(r[f["agency_code"]], r[f["status_code"]]): int(r[f["count"]]) for r in rows}

    def last_sequences(self, codes: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for start in range(0, len(codes), 100):
            chunk = codes[start : start + 100]
            data = self._call("GET", "hoso/doisoat/thutu", params={m.FIELDS["dossier_code"]: ",".join(chunk)})
            found.update({k: int(v) for k, v in data.get("data", {}).items()})
        return found
