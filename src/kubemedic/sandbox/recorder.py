"""Events as Kubernetes components write them: aggregated, counted, attributed to a source.

A repeat of the same reason and message about the same object bumps ``count`` and
``lastTimestamp`` of the existing Event instead of writing a new one, exactly what makes
``kubectl describe`` show ``(x14 over 5m)``.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from kubemedic._internal.timeutils import format_time
from kubemedic.sandbox.apierrors import StoreError
from kubemedic.sandbox.clock import SimClock
from kubemedic.sandbox.store import Store

Obj = dict[str, Any]


class EventRecorder:
    """Writes core/v1 Events into the store on behalf of a component."""

    def __init__(self, store: Store, clock: SimClock) -> None:
        self._store = store
        self._clock = clock
        self._names: dict[tuple[str, ...], tuple[str, str]] = {}
        self._lock = threading.Lock()

    def record(
        self,
        obj: Obj,
        type_: str,
        reason: str,
        message: str,
        *,
        component: str,
        host: str = "",
        field_path: str = "",
    ) -> None:
        meta = obj.get("metadata") or {}
        namespace = str(meta.get("namespace") or "default")
        uid = str(meta.get("uid") or "")
        key = (uid, str(meta.get("name")), field_path, type_, reason, message, component, host)
        now = format_time(self._clock.now())

        def bump(event: Obj) -> None:
            event["count"] = int(event.get("count") or 1) + 1
            event["lastTimestamp"] = now

        with self._lock:
            known = self._names.get(key)
            if known is not None:
                try:
                    if self._store.mutate("Event", known[0], known[1], bump) is not None:
                        return
                except StoreError:
                    pass
            name = f"{meta.get('name')}.{time.time_ns():x}"
            involved: Obj = {
                "apiVersion": obj.get("apiVersion", "v1"),
                "kind": obj.get("kind"),
                "name": meta.get("name"),
                "namespace": meta.get("namespace"),
                "uid": uid,
                "resourceVersion": meta.get("resourceVersion"),
            }
            if field_path:
                involved["fieldPath"] = field_path
            source: Obj = {"component": component}
            if host:
                source["host"] = host
            event: Obj = {
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": {"name": name, "namespace": namespace},
                "involvedObject": {k: v for k, v in involved.items() if v is not None},
                "reason": reason,
                "message": message,
                "type": type_,
                "count": 1,
                "firstTimestamp": now,
                "lastTimestamp": now,
                "source": source,
                "reportingComponent": component,
                "reportingInstance": host,
            }
            try:
                self._store.create(event)
            except StoreError:
                return  # the namespace is going away; nobody will read this event
            self._names[key] = (namespace, name)

    def forget(self, uid: str) -> None:
        """Drop aggregation state for a deleted object."""
        with self._lock:
            for key in [k for k in self._names if k[0] == uid]:
                del self._names[key]
