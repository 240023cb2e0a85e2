"""Follow one kind of object continuously: list it, then stream its changes, for as long as asked.

The API server streams the changes after a resourceVersion. The watcher lists first, remembers
the list's version and every object, then watches from there, moving the version on with each
event (bookmarks included) so a stream the server ends (``timeoutSeconds``) resumes where it
stopped. When the server no longer has the changes after that version (410 Gone, or an
``ERROR`` event with code 410) or a stream cannot be trusted, it lists again and tells the caller
what changed in between. A connection error or a 5xx answer is retried after 1 s, 2 s, 4 s, ...
up to ``max_backoff``; 401, 403 and other refusals end the watch with the mapped error.

What ``on_event`` receives, in order:

- after every LIST (the first one, and each re-list): DELETED (with the last object the caller
  saw) for each object that is gone, then, in list order, ADDED for each the caller has not
  been told of and MODIFIED for each whose resourceVersion changed, then one RELISTED whose
  object is the list itself (``items`` holds every current object): from here the caller's
  picture is complete;
- in between, ADDED, MODIFIED and DELETED as the server streams them. Bookmarks never reach
  the caller.

Objects are normalised as on the read path (kind filled in, Secret values dropped).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from kubemedic.adapters.kubernetes import failures
from kubemedic.adapters.kubernetes.api import ApiRequest, Resource
from kubemedic.adapters.kubernetes.objects import normalize
from kubemedic.adapters.kubernetes.transport import ApiClient, LineStream
from kubemedic.errors import ClusterError, Unreachable

log = logging.getLogger(__name__)

WATCH_SECONDS = 300
"""How long the server keeps one watch stream open before the watcher resumes with another."""
READ_SLACK = 30.0
"""A stream silent this long past its own timeout is taken as broken."""
POLL_SECONDS = 0.2
"""How often a watcher waiting for the next event looks at ``stop``."""

Key = tuple[str, str]


@dataclass(frozen=True, slots=True)
class WatchEvent:
    type: str
    """ADDED, MODIFIED, DELETED, or RELISTED (a fresh list replaced the watcher's picture)."""
    object: dict[str, Any]


class _Relist(Exception):
    """The changes after the watcher's resourceVersion can no longer be followed."""


def watch(
    client: ApiClient,
    resource: Resource,
    namespace: str | None,
    *,
    on_event: Callable[[WatchEvent], None],
    stop: threading.Event,
    max_backoff: float = 30.0,
    sleep: Callable[[float], None] | None = None,
    label_selector: str | None = None,
    timeout_seconds: int = WATCH_SECONDS,
) -> None:
    """Call ``on_event`` for every change to ``resource`` in ``namespace`` (None: all) until
    ``stop`` is set; returns within about a second of it.

    ``on_event`` runs in the calling thread. ``sleep`` waits out a back-off (by default it
    waits on ``stop``, so stopping cuts a back-off short).
    """
    watcher = _Watcher(client, resource, namespace, label_selector, on_event)
    pause = sleep or stop.wait
    while not stop.is_set():
        try:
            if watcher.version is None:
                watcher.relist()
                continue  # the caller may have stopped on RELISTED
            watcher.follow(stop, timeout_seconds)
        except _Relist as why:
            log.info("listing %s %s again: %s", resource.rbac_name, watcher.scope, why)
            watcher.version = None
        except ClusterError as exc:
            if not _transient(exc):
                raise
            watcher.failures += 1
            delay = min(2.0 ** (watcher.failures - 1), max_backoff)
            log.warning(
                "watching %s %s failed, trying again in %gs: %s",
                resource.rbac_name,
                watcher.scope,
                delay,
                exc.message,
            )
            pause(delay)


def _transient(exc: ClusterError) -> bool:
    """Worth trying again: no connection, an overloaded or failing server."""
    if isinstance(exc, failures.ApiStatusError):
        return exc.status == 429 or exc.status >= 500
    return isinstance(exc, Unreachable)


class _Watcher:
    """What one watch knows: the objects the caller was told of and the version they are at."""

    def __init__(
        self,
        client: ApiClient,
        resource: Resource,
        namespace: str | None,
        label_selector: str | None,
        on_event: Callable[[WatchEvent], None],
    ) -> None:
        self.client = client
        self.resource = resource
        self.namespace = namespace if resource.namespaced else None
        self.selector = {"labelSelector": label_selector} if label_selector else {}
        self.on_event = on_event
        self.objects: dict[Key, dict[str, Any]] = {}
        self.version: str | None = None
        self.failures = 0
        """Failed tries since the server last answered; sets the back-off."""

    @property
    def scope(self) -> str:
        return ApiRequest.list(self.resource, self.namespace).scope

    def relist(self) -> None:
        """LIST, tell the caller how the list differs from what it knew, then RELISTED."""
        request = ApiRequest.list(self.resource, self.namespace, **self.selector)
        body = self.client.request(request)
        version = (body.get("metadata") or {}).get("resourceVersion")
        if not isinstance(version, str) or not version:
            raise ClusterError(f"the API server listed {request.path} without a resourceVersion")
        self.failures = 0
        items = body.get("items")
        fresh = {
            _key(obj): self._normalized(obj)
            for obj in (items if isinstance(items, list) else ())
            if isinstance(obj, dict)
        }
        for key in sorted(self.objects.keys() - fresh.keys()):
            self._emit("DELETED", self.objects.pop(key))
        for key, obj in fresh.items():
            known = self.objects.get(key)
            if known is not None and _uid(known) != _uid(obj):
                self._emit("DELETED", known)
                known = None
            self.objects[key] = obj
            if known is None:
                self._emit("ADDED", obj)
            elif _version(known) != _version(obj):
                self._emit("MODIFIED", obj)
        self.version = version
        listed = {
            "kind": f"{self.resource.kind}List",
            "apiVersion": self.resource.group_version,
            "metadata": {"resourceVersion": version},
            "items": list(fresh.values()),
        }
        self._emit("RELISTED", listed)

    def follow(self, stop: threading.Event, timeout_seconds: int) -> None:
        """Stream the changes after ``version`` until the server ends the stream or ``stop``."""
        request = ApiRequest.watch(
            self.resource,
            self.namespace,
            resourceVersion=str(self.version),
            allowWatchBookmarks="true",
            timeoutSeconds=str(timeout_seconds),
            **self.selector,
        )
        try:
            stream = self.client.stream(request, read_timeout=timeout_seconds + READ_SLACK)
        except failures.ApiStatusError as exc:
            if exc.status == 410:
                raise _Relist(f"resourceVersion {self.version} is gone ({exc.message})") from exc
            raise
        self.failures = 0
        for line in _lines(stream, stop):
            self._handle(request, line)

    def _handle(self, request: ApiRequest, line: bytes) -> None:
        try:
            event = orjson.loads(line)
            kind, obj = event["type"], event["object"]
            if not isinstance(obj, dict):
                raise TypeError(obj)
        except (orjson.JSONDecodeError, KeyError, TypeError) as exc:
            raise _Relist(f"the watch sent a line that is not an event: {line[:80]!r}") from exc
        if kind == "ERROR":  # a Status: the server ends the stream
            code = obj.get("code")
            if code == 410:
                raise _Relist(f"resourceVersion {self.version} is gone ({obj.get('message')})")
            status = code if isinstance(code, int) else 500
            raise failures.from_status(
                request, status, orjson.dumps(obj), self.client.config, tries=1
            )
        version = _version(obj)
        if version:
            self.version = version
        if kind in ("ADDED", "MODIFIED"):
            obj = self._normalized(obj)
            self.objects[_key(obj)] = obj
            self._emit(kind, obj)
        elif kind == "DELETED":
            obj = self._normalized(obj)
            self.objects.pop(_key(obj), None)
            self._emit(kind, obj)
        elif kind != "BOOKMARK":
            log.warning("ignoring a watch event of unknown type %r", kind)

    def _normalized(self, obj: dict[str, Any]) -> dict[str, Any]:
        return normalize(obj, self.resource.kind, self.resource.group_version)

    def _emit(self, kind: str, obj: dict[str, Any]) -> None:
        self.on_event(WatchEvent(kind, obj))


def _lines(stream: LineStream, stop: threading.Event) -> Iterator[bytes]:
    """The stream's lines, ending within :data:`POLL_SECONDS` once ``stop`` is set.

    A thread reads the stream (its reads block) and hands the lines over; ending early aborts
    the stream, which unblocks that thread.
    """
    lines: queue.SimpleQueue[bytes | Exception | None] = queue.SimpleQueue()

    def read() -> None:
        try:
            for line in stream:
                lines.put(line)
        except Exception as exc:  # raised again in the watching thread
            lines.put(exc)
        lines.put(None)

    reader = threading.Thread(target=read, name="kubemedic-watch-stream", daemon=True)
    reader.start()
    try:
        while not stop.is_set():
            try:
                item = lines.get(timeout=POLL_SECONDS)
            except queue.Empty:
                continue
            if item is None:
                return
            if isinstance(item, Exception):
                raise item
            yield item
    finally:
        stream.abort()
        reader.join()
        stream.close()


def _key(obj: dict[str, Any]) -> Key:
    meta = obj.get("metadata") or {}
    return str(meta.get("namespace") or ""), str(meta.get("name") or "")


def _uid(obj: dict[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("uid") or "")


def _version(obj: dict[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("resourceVersion") or "")
