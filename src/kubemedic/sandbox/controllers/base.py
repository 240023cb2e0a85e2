"""The shape every simulated controller takes: a name, a reconcile, and what wakes it."""

from __future__ import annotations

from typing import Any

from kubemedic.sandbox.clock import SimClock
from kubemedic.sandbox.controllers.retry import FailureBackoff
from kubemedic.sandbox.recorder import EventRecorder
from kubemedic.sandbox.store import Store
from kubemedic.sandbox.workqueue import WorkQueue

Obj = dict[str, Any]


class Controller:
    """Reconciles one kind, keyed ``namespace/name``; subclasses say which changes matter."""

    name = "controller"
    kind = ""
    component = ""

    def __init__(
        self, store: Store, clock: SimClock, queue: WorkQueue, recorder: EventRecorder
    ) -> None:
        self.store = store
        self.clock = clock
        self.queue = queue
        self.recorder = recorder
        self.backoff = FailureBackoff()
        queue.register(self.name, self._reconcile_key)

    def enqueue(self, namespace: str, name: str, after: float | None = None) -> None:
        key = f"{namespace}/{name}"
        if after is None:
            self.queue.add(self.name, key)
        else:
            self.queue.add_after(self.name, key, after)

    def sync_failed(self, obj: Obj) -> None:
        """Try ``obj`` again after the rate limiter's delay, longer after each failure."""
        meta = obj["metadata"]
        key = f"{meta.get('namespace') or ''}/{meta['name']}"
        self.enqueue(str(meta.get("namespace") or ""), meta["name"], self.backoff.failed(key))

    def sync_succeeded(self, obj: Obj) -> None:
        meta = obj["metadata"]
        self.backoff.succeeded(f"{meta.get('namespace') or ''}/{meta['name']}")

    def on_change(self, event_type: str, obj: Obj) -> None:
        """Enqueue the keys this change affects (default: objects of ``kind``, and owners)."""
        meta = obj.get("metadata") or {}
        if obj.get("kind") == self.kind:
            self.enqueue(str(meta.get("namespace") or ""), str(meta.get("name")))
            return
        for ref in meta.get("ownerReferences") or []:
            if ref.get("kind") == self.kind and ref.get("controller"):
                self.enqueue(str(meta.get("namespace") or ""), str(ref.get("name")))

    def event(self, obj: Obj, type_: str, reason: str, message: str) -> None:
        self.recorder.record(obj, type_, reason, message, component=self.component)

    def _reconcile_key(self, key: str) -> None:
        namespace, _, name = key.partition("/")
        obj = self.store.try_get(self.kind, namespace, name)
        if obj is None or obj["metadata"].get("deletionTimestamp"):
            return
        self.reconcile(obj)

    def reconcile(self, obj: Obj) -> None:
        raise NotImplementedError
