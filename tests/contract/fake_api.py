"""A local HTTP server speaking the part of the Kubernetes REST API kubemedic reads.

It serves LIST (namespaced and cluster-wide), GET of named objects and pod logs from a set of
objects, the way the API server does: ``*List`` bodies whose items carry no kind, ``Status``
bodies for errors, bearer-token authentication, ``fieldSelector`` on events, ``previous`` and
``tailLines`` on logs. A watch (``?watch=1``) ends at once unless scripted. Tests script
answers per path, for watches apart (403, 429 with Retry-After, 500, watch events as JSON
lines, a request that never gets an answer), script every write (POST, PUT, PATCH, DELETE)
and read back every request it received, bodies included.
"""

from __future__ import annotations

import json
import re
import ssl
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

# (group/version, plural) -> (kind, namespaced): the server's own table, not kubemedic's
RESOURCES: dict[tuple[str, str], tuple[str, bool]] = {
    ("v1", "pods"): ("Pod", True),
    ("v1", "events"): ("Event", True),
    ("v1", "services"): ("Service", True),
    ("v1", "endpoints"): ("Endpoints", True),
    ("v1", "configmaps"): ("ConfigMap", True),
    ("v1", "secrets"): ("Secret", True),
    ("v1", "persistentvolumeclaims"): ("PersistentVolumeClaim", True),
    ("v1", "serviceaccounts"): ("ServiceAccount", True),
    ("v1", "resourcequotas"): ("ResourceQuota", True),
    ("v1", "limitranges"): ("LimitRange", True),
    ("v1", "nodes"): ("Node", False),
    ("v1", "persistentvolumes"): ("PersistentVolume", False),
    ("apps/v1", "deployments"): ("Deployment", True),
    ("apps/v1", "replicasets"): ("ReplicaSet", True),
    ("apps/v1", "statefulsets"): ("StatefulSet", True),
    ("apps/v1", "daemonsets"): ("DaemonSet", True),
    ("batch/v1", "jobs"): ("Job", True),
    ("batch/v1", "cronjobs"): ("CronJob", True),
    ("autoscaling/v2", "horizontalpodautoscalers"): ("HorizontalPodAutoscaler", True),
    ("storage.k8s.io/v1", "storageclasses"): ("StorageClass", False),
}
METRICS = {
    ("metrics.k8s.io/v1beta1", "pods"): ("PodMetrics", True),
    ("metrics.k8s.io/v1beta1", "nodes"): ("NodeMetrics", False),
}

_PATH = re.compile(
    r"^/(?:api/(?P<core>v1)|apis/(?P<group>[^/]+/[^/]+))"
    r"(?:/namespaces/(?P<namespace>[^/]+))?/(?P<plural>[^/]+)"
    r"(?:/(?P<name>[^/]+))?(?:/(?P<sub>log))?$"
)


def status(code: int, reason: str, message: str, **details: Any) -> dict[str, Any]:
    """A ``Status`` body as the API server sends with every error."""
    return {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "details": details,
        "code": code,
    }


@dataclass(frozen=True)
class Reply:
    """A scripted answer: a status, a JSON body and headers; ``hang`` never answers.

    A body ``{"__lines__": [event, ...]}`` is sent as a watch stream, one JSON event a line.
    """

    code: int = 200
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False


@dataclass(frozen=True)
class Received:
    path: str
    query: dict[str, str]
    authorization: str
    method: str = "GET"
    body: bytes = b""
    content_type: str = ""


class FakeApiServer:
    """The fake API server; start it with :meth:`running`."""

    def __init__(self, token: str = "kubemedic-test-token") -> None:
        self.token = token
        self.objects: list[dict[str, Any]] = []
        self.logs: dict[tuple[str, str, str, bool], str] = {}
        self.metrics = False
        self.received: list[Received] = []
        self._scripts: dict[tuple[str, bool], list[Reply]] = {}
        self._lock = threading.Lock()
        self._released = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread = threading.Thread()
        self._scheme = "http"

    # -- set-up --------------------------------------------------------------------------

    def add(self, *objects: dict[str, Any]) -> None:
        self.objects.extend(objects)

    def add_log(
        self, namespace: str, pod: str, container: str, text: str, *, previous: bool
    ) -> None:
        self.logs[(namespace, pod, container, previous)] = text

    def script(self, path: str, *replies: Reply, watch: bool = False) -> None:
        """Answer the next requests for ``path`` (its watches, with ``watch``) with these
        replies, then normally again."""
        self._scripts[(path, watch)] = list(replies)

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"{self._scheme}://{host}:{port}"

    def paths(self) -> list[str]:
        with self._lock:
            return [r.path for r in self.received]

    def start(self, tls: ssl.SSLContext | None = None) -> None:
        """Serve in a background thread (over TLS when given a server context)."""
        server = _QuietServer(("127.0.0.1", 0), _handler(self))
        if tls is not None:
            server.socket = tls.wrap_socket(server.socket, server_side=True)
        self._scheme = "https" if tls is not None else "http"
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._released.set()  # let hanging requests finish
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)

    # -- answering -------------------------------------------------------------------------

    def answer(self, request: Received) -> Reply:
        watch = request.query.get("watch") in ("1", "true")
        with self._lock:
            self.received.append(request)
            scripted = self._scripts.get((request.path, watch))
            reply = scripted.pop(0) if scripted else None
        if reply is not None:
            if reply.hang:
                self._released.wait(timeout=30)
            return reply
        if request.authorization != f"Bearer {self.token}":
            return Reply(401, status(401, "Unauthorized", "Unauthorized"))
        if request.method != "GET":
            message = f"the fake API server answers {request.method} only when scripted"
            return Reply(405, status(405, "MethodNotAllowed", message))
        if watch:
            return Reply(200, {"__lines__": []})  # the stream ends at once
        return self._resource(request.path, request.query)

    def _resource(self, path: str, query: dict[str, str]) -> Reply:
        match = _PATH.match(path)
        known = RESOURCES | (METRICS if self.metrics else {})
        gv = match and (match["core"] or match["group"])
        if match is None or (gv, match["plural"]) not in known:
            return Reply(
                404, status(404, "NotFound", "the server could not find the requested resource")
            )
        kind, namespaced = known[(gv, match["plural"])]
        namespace = match["namespace"] if namespaced else None
        if match["sub"]:
            return self._log(namespace or "", match["name"], query)
        items = [
            o
            for o in self.objects
            if o["kind"] == kind and namespace in (None, o["metadata"].get("namespace"))
        ]
        if match["name"]:
            found = [o for o in items if o["metadata"]["name"] == match["name"]]
            if not found:
                message = f'{match["plural"]} "{match["name"]}" not found'
                return Reply(
                    404, status(404, "NotFound", message, name=match["name"], kind=match["plural"])
                )
            return Reply(200, found[0])
        selector = query.get("fieldSelector", "")
        if selector.startswith("involvedObject.name="):
            wanted = selector.split("=", 1)[1]
            items = [o for o in items if o["involvedObject"]["name"] == wanted]
        bare = [{k: v for k, v in o.items() if k not in ("kind", "apiVersion")} for o in items]
        body = {
            "kind": f"{kind}List",
            "apiVersion": gv,
            "metadata": {"resourceVersion": "48213"},
            "items": bare,
        }
        return Reply(200, body)

    def _log(self, namespace: str, pod: str, query: dict[str, str]) -> Reply:
        container = query.get("container", "")
        previous = query.get("previous") == "true"
        text = self.logs.get((namespace, pod, container, previous))
        if text is None:
            which = "previous terminated container" if previous else "container"
            message = f'{which} "{container}" in pod "{pod}" not found'
            return Reply(400, status(400, "BadRequest", message))
        lines = text.splitlines(keepends=True)
        if "tailLines" in query:
            lines = lines[-int(query["tailLines"]) :]
        return Reply(200, {"__text__": "".join(lines)})


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError | ssl.SSLError):
            super().handle_error(request, client_address)  # a bug in the fake: show it


def _handler(api: FakeApiServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def do_PUT(self) -> None:
            self._serve("PUT")

        def do_PATCH(self) -> None:
            self._serve("PATCH")

        def do_DELETE(self) -> None:
            self._serve("DELETE")

        def _serve(self, method: str) -> None:
            parts = urlsplit(self.path)
            query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
            length = int(self.headers.get("Content-Length") or 0)
            received = Received(
                parts.path,
                query,
                self.headers.get("Authorization", ""),
                method,
                self.rfile.read(length) if length else b"",
                self.headers.get("Content-Type", ""),
            )
            reply = api.answer(received)
            body = reply.body or {}
            if "__text__" in body:
                data, content_type = body["__text__"].encode(), "text/plain"
            elif "__lines__" in body:
                data = b"".join(json.dumps(line).encode() + b"\n" for line in body["__lines__"])
                content_type = "application/json"
            else:
                data, content_type = json.dumps(body).encode(), "application/json"
            self.send_response(reply.code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: the test reads ``received`` instead."""

    return Handler
