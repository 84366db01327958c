import http.server
import json
import threading

import pytest
import requests

from identity.roles import INTAKE, PROCESSING
from tests.dossiers.factories import PDF_BYTES, AgencyFactory, CitizenFactory, official, version


@pytest.fixture(autouse=True)
def _no_pdf_rendering(monkeypatch):
    """The issued PDFs (forms 01-04) are not what these tests look at: a stub renders them."""
    import dossiers.issued_pdfs as issued_pdfs

    monkeypatch.setattr(issued_pdfs, "pdf_render", lambda *, template_name, context: PDF_BYTES)


@pytest.fixture
def agency(db):
    return AgencyFactory(code="000.00.31.H57", name="UBND phường Long Châu")


@pytest.fixture
def pv(agency):
    return version(agencies=[agency])


@pytest.fixture
def citizen(db):
    return CitizenFactory()


@pytest.fixture
def intake(agency):
    return official(agency, INTAKE)


@pytest.fixture
def processor(agency):
    return official(agency, PROCESSING)


class Sandbox:
    """The built-in sandbox national portal on the live test server, driven over HTTP."""

    def __init__(self, base: str, token: str):
        self.base = base
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def control(self, **body) -> dict:
        response = self.session.post(self.base + "api/test/control", json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    def counts(self) -> list[dict]:
        return self.session.get(self.base + "api/hoso/doisoat", timeout=10).json()["data"]


@pytest.fixture
def national(live_server, settings):
    """The sync talks to the sandbox national portal of the live test server."""
    settings.NATIONAL_SYNC_ENABLED = True
    settings.NATIONAL_SYNC_URL = live_server.url + "/sandbox/dvcqg/api/"
    settings.NATIONAL_SYNC_TOKEN = settings.DVCQG_SANDBOX_TOKEN
    return Sandbox(live_server.url + "/sandbox/dvcqg/", settings.DVCQG_SANDBOX_TOKEN)


class Receiver:
    """A webhook receiver: records every request; answers the queued statuses, then 200."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append({"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                answer = json.dumps({"ok": status == 200}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/dvc"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()
