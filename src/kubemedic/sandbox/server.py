"""The sandbox's HTTPS API server (and the plain-HTTP Prometheus endpoint beside it).

``ApiApp`` decides what a request means — health, version, discovery, OpenAPI, the control API
or a resource — after authenticating its bearer token; ``HttpServer`` speaks HTTP/1.1 with
keep-alive and chunked streaming for watches. TLS handshakes run in each connection's thread,
so a slow client never holds up the others.
"""

from __future__ import annotations

import logging
import select
import socket
import ssl
import threading
from collections.abc import Callable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import orjson

from kubemedic.sandbox import discovery
from kubemedic.sandbox.api import ResourceAPI
from kubemedic.sandbox.apierrors import NotFoundError, StoreError
from kubemedic.sandbox.auth import READONLY_USER, Tokens, forbid_control, impersonate
from kubemedic.sandbox.backend import Backend
from kubemedic.sandbox.control_api import PREFIX as CONTROL_PREFIX
from kubemedic.sandbox.control_api import ControlAPI
from kubemedic.sandbox.negotiation import Call, Query, Reply, Stream, negotiate
from kubemedic.sandbox.rbac import Attributes, Authorizer
from kubemedic.sandbox.remotecommand import RemoteCommands, Upgrade
from kubemedic.sandbox.reviews import Reviews
from kubemedic.sandbox.routing import Route, parse_resource_path
from kubemedic.sandbox.served_time import ServedTime
from kubemedic.sandbox.store import Store
from kubemedic.sandbox.websocket import Channels

log = logging.getLogger(__name__)

_HEALTH_PATHS = frozenset({"/healthz", "/livez", "/readyz"})
_NOT_FOUND = "the server could not find the requested resource"
_PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8"


def _verb(method: str, collection: bool, watch: bool) -> str:
    if method == "GET":
        return ("watch" if watch else "list") if collection else "get"
    if method == "DELETE":
        return "deletecollection" if collection else "delete"
    return {"POST": "create", "PUT": "update", "PATCH": "patch"}.get(method, method.lower())


def _attributes(verb: str, route: Route) -> Attributes:
    """The RBAC attributes of a resource request (a Namespace's own namespace is its name)."""
    namespace = route.namespace or ""
    if route.resource.kind == "Namespace" and route.name:
        namespace = route.name
    return Attributes(
        verb=verb,
        group=route.resource.group,
        resource=route.resource.plural,
        subresource=route.subresource or "",
        namespace=namespace,
        name=route.name or "",
    )


class ApiApp:
    """Maps one HTTP request to its answer; knows nothing of sockets."""

    def __init__(
        self,
        store: Store,
        backend: Backend,
        tokens: Tokens,
        now: Callable[[], datetime],
        control: ControlAPI,
        address: str,
        served: ServedTime | None = None,
    ) -> None:
        self.tokens = tokens
        self.store = store
        self.authorizer = Authorizer(store, READONLY_USER)
        self.reviews = Reviews(tokens, store, self.authorizer, now)
        self.resources = ResourceAPI(store, backend, now)
        self.remote = RemoteCommands(store, backend, now)
        self.served = served or ServedTime(lambda: 0)
        self.control = control
        self.address = address
        self.stopping = threading.Event()

    def respond(
        self,
        method: str,
        target: str,
        headers: dict[str, str],
        body: bytes,
        alive: Callable[[], bool],
    ) -> Reply | Stream | Upgrade:
        split = urlsplit(target)
        path = split.path.rstrip("/") or "/"
        query = Query(dict(parse_qsl(split.query, keep_blank_values=True)))
        if path in _HEALTH_PATHS:
            return Reply(200, b"ok", "text/plain; charset=utf-8")
        if path == "/version":
            return _json(discovery.KUBERNETES_VERSION)
        user = self.tokens.authenticate(headers.get("authorization"), self.store)
        user = impersonate(user, headers, self.authorizer)
        if path.startswith(CONTROL_PREFIX.rstrip("/")):
            forbid_control(user)
            return self.control.handle(method, path, query, body)
        content_type = headers.get("content-type", "application/json")
        review = self.reviews.handle(method, path, body, content_type, user)
        if review is not None:
            return review
        fixed = self._fixed_document(method, path)
        if fixed is not None:
            return fixed
        route = parse_resource_path(path)
        if route is None:
            raise NotFoundError(None, "", message=_NOT_FOUND)
        verb = _verb(method, route.is_collection, query.flag("watch"))
        if route.subresource in ("exec", "attach"):  # WebSocket GETs need create, as in 1.31+
            self.authorizer.authorize(user, _attributes("create", route), route.resource)
            return self.remote.upgrade(method, route, split.query, headers)
        self.authorizer.authorize(user, _attributes(verb, route), route.resource)
        if route.subresource == "token" and method == "POST":
            return self.served.response(self.reviews.token_request(route, body, content_type))
        call = Call(
            method=method,
            route=route,
            query=query,
            representation=negotiate(headers.get("accept"), query.get("includeObject")),
            content_type=content_type,
            body=self.served.request(body, content_type),
            alive=lambda: alive() and not self.stopping.is_set(),
        )
        return self.served.response(self.resources.handle(call))

    def _fixed_document(self, method: str, path: str) -> Reply | None:
        """Discovery and OpenAPI documents (None when ``path`` is not one of them)."""
        if method != "GET":
            return None
        if path == "/api":
            return _json(discovery.api_versions(self.address))
        if path == "/apis":
            return _json(discovery.api_group_list())
        if path == "/openapi/v3":
            return _json(discovery.openapi_index())
        if path.startswith("/openapi/v3/"):
            parts = path[len("/openapi/v3/") :].split("/")
            group, version = ("", parts[1]) if parts[0] == "api" else (parts[1], parts[-1])
            document = discovery.openapi_document(group, version) if len(parts) >= 2 else None
            if document is None:
                raise NotFoundError(None, "", message=_NOT_FOUND)
            return Reply(200, document)
        parts = path.strip("/").split("/")
        if parts == ["api", "v1"]:
            return _json(discovery.resource_list("", "v1"))
        if len(parts) == 2 and parts[0] == "apis" and discovery.known_group(parts[1]):
            return _json(discovery.api_group(parts[1]))
        if len(parts) == 3 and parts[0] == "apis":
            listed = discovery.resource_list(parts[1], parts[2])
            if listed is None:
                raise NotFoundError(None, "", message=_NOT_FOUND)
            return _json(listed)
        return None


def _json(data: object) -> Reply:
    return Reply(200, orjson.dumps(data))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kubemedic-sandbox"
    sys_version = ""
    timeout = 120
    disable_nagle_algorithm = True  # headers and body go out at once, not 40 ms apart
    wbufsize = 64 * 1024  # one write per response; streams flush each chunk
    server: _Server

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def _dispatch(self, method: str) -> None:
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        headers: dict[str, str] = {}
        for key, value in self.headers.items():  # repeated headers (Impersonate-Group) join
            key = key.lower()
            headers[key] = f"{headers[key]},{value}" if key in headers else value
        try:
            result = self.server.respond(method, self.path, headers, body, self._alive)
        except StoreError as exc:
            result = Reply(exc.code, orjson.dumps(exc.status()))
        except Exception as exc:
            log.exception("internal error serving %s %s", method, self.path)
            error = StoreError(f"Internal error occurred: {type(exc).__name__}: {exc}")
            result = Reply(500, orjson.dumps(error.status()))
        log.debug("%s %s %s", method, self.path, getattr(result, "code", "stream"))
        try:
            if isinstance(result, Upgrade):
                self._upgrade(result)
            elif isinstance(result, Stream):
                self._stream(result)
            else:
                self._reply(result)
        except (OSError, ssl.SSLError):
            self.close_connection = True

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _reply(self, reply: Reply) -> None:
        self.send_response(reply.code)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        self.wfile.write(reply.body)

    def _stream(self, stream: Stream) -> None:
        self.send_response(200)
        self.send_header("Content-Type", stream.content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        self.wfile.flush()
        for chunk in stream.chunks:
            if chunk:
                self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()
        self.close_connection = True

    def _upgrade(self, upgrade: Upgrade) -> None:
        """Switch to WebSocket and hand the connection to the exec or attach session."""
        self.send_response(101, "Switching Protocols")
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", upgrade.accept)
        self.send_header("Sec-WebSocket-Protocol", upgrade.subprotocol)
        self.end_headers()
        self.wfile.flush()
        upgrade.session(Channels(self.rfile, self.wfile))
        self.close_connection = True

    def _alive(self) -> bool:
        """False once the client hung up (a streaming client never sends more bytes)."""
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        respond: Callable[
            [str, str, dict[str, str], bytes, Callable[[], bool]], Reply | Stream | Upgrade
        ],
        ssl_context: ssl.SSLContext | None,
    ) -> None:
        self.respond = respond
        self.ssl_context = ssl_context
        super().__init__(address, _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self.ssl_context is None:
            super().finish_request(request, client_address)
            return
        raw: socket.socket = request
        raw.settimeout(10)
        try:
            secure = self.ssl_context.wrap_socket(raw, server_side=True)
        except (OSError, ssl.SSLError):
            return
        try:
            secure.settimeout(None)
            _Handler(secure, client_address, self)
        finally:
            secure.close()


class HttpServer:
    """A threaded HTTP(S) server on 127.0.0.1 running in a background thread."""

    def __init__(
        self,
        respond: Callable[
            [str, str, dict[str, str], bytes, Callable[[], bool]], Reply | Stream | Upgrade
        ],
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._server = _Server((host, port), respond, ssl_context)
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()


def prometheus_responder(
    backend: Backend,
) -> Callable[[str, str, dict[str, str], bytes, Callable[[], bool]], Reply | Stream]:
    """Answers ``GET /metrics`` with the simulation's exposition text, for Prometheus."""

    def respond(
        method: str, target: str, headers: dict[str, str], body: bytes, alive: Callable[[], bool]
    ) -> Reply:
        path = urlsplit(target).path
        if method == "GET" and path == "/metrics":
            return Reply(200, backend.prometheus_text().encode(), _PROMETHEUS_TEXT)
        if path in _HEALTH_PATHS:
            return Reply(200, b"ok", "text/plain; charset=utf-8")
        return Reply(404, b"404 page not found\n", "text/plain; charset=utf-8")

    return respond
