"""bench.load.run_interleaved: the endpoints measured in turn, over a real local HTTP server."""

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bench.load import Endpoint, Request, run_interleaved


def test_endpoints_take_turns_and_never_repeat_a_request_index():
    """Each endpoint is measured in every round, in the given order, and its request indexes go
    on from round to round (an IPN order is paid once), within its max_requests."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        endpoints = [
            Endpoint(name="a", request=lambda i: Request(f"/a/{i}"), warmup=2, max_requests=9),
            Endpoint(name="b", request=lambda i: Request(f"/b/{i}"), warmup=0, max_requests=30),
        ]
        results = run_interleaved(
            f"http://127.0.0.1:{server.server_port}", endpoints, rounds=3, duration=5.0, concurrency=2
        )
    finally:
        server.shutdown()
    a = [p for p in seen if p.startswith("/a/")]
    b = [p for p in seen if p.startswith("/b/")]
    assert len(a) == len(set(a)) and len(b) == len(set(b))  # no index twice
    assert [r.name for r in results] == ["a", "b"]
    assert results[0].requests == 9 and len(a) == 9 + 2  # 3 per round, the warm-up only once
    assert results[1].requests == 30 and results[1].errors == 0
    # In turn: a's requests come in three groups, with b's between them.
    turns = "".join(p[1] for p in seen)
    assert turns.count("ab") == 3 and turns.count("ba") == 2
