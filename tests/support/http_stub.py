"""A local HTTP server on 127.0.0.1 that answers every GET and POST with one settable reply.

Clients' error handling is tested against it: set ``reply`` to the status, body and content
type the other end should give (or ``hang=True`` for one that never answers); each request
is kept in ``received`` to show what the client sent.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

HANG_LIMIT = 10.0
"""Seconds a hanging reply holds its request at most, should the test never release it."""


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"
    hang: bool = False


@dataclass(frozen=True, slots=True)
class Received:
    method: str
    path: str
    """With the query string."""
    headers: dict[str, str]
    body: bytes

    @property
    def form(self) -> dict[str, list[str]]:
        """The body read as an HTML form (``application/x-www-form-urlencoded``)."""
        return parse_qs(self.body.decode())


@dataclass
class FakeServer:
    reply: Reply
    url: str = ""
    received: list[Received] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    """Set to let hanging requests go (done when the server stops)."""


@contextmanager
def http_stub(reply: Reply) -> Iterator[FakeServer]:
    """A running server answering ``reply`` until it is changed; stopped when the block exits."""
    fake = FakeServer(reply)

    class Handler(BaseHTTPRequestHandler):
        def answer(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            fake.received.append(Received(self.command, self.path, dict(self.headers), body))
            reply = fake.reply
            if reply.hang:
                fake.release.wait(HANG_LIMIT)
                return
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        def do_GET(self) -> None:
            self.answer()

        def do_POST(self) -> None:
            self.answer()

        def log_message(self, format: str, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    fake.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    threading.Thread(target=httpd.serve_forever, args=(0.02,), daemon=True).start()
    try:
        yield fake
    finally:
        fake.release.set()
        httpd.shutdown()
        httpd.server_close()
