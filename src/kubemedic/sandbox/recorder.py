"""Events as Kubernetes components write them: aggregated, counted, attributed to a source.

A repeat of the same reason and message about the same object bumps ``count`` and
``lastTimestamp`` of the existing Event instead of writing a new one, exactly what makes
``kubectl describe`` show ``(x14 over 5m)``. Like client-go's EventAggregator, the tenth
different message of the same reason about the same object within ten minutes (a controller's
``FailedCreate`` naming a new pod each time) starts one ``(combined from similar events): ...``
Event that later ones bump.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from typing import Any

from kubemedic._internal.timeutils import format_time
from kubemedic.sandbox.apierrors import StoreError
from kubemedic.sandbox.clock import SimClock
from kubemedic.sandbox.store import Store

Obj = dict[str, Any]
SIMILAR_EVENTS = 10
SIMILAR_WINDOW = timedelta(minutes=10)
COMBINED = "(combined from similar events): "


class EventRecorder:
    """Writes core/v1 Events into the store on behalf of a component."""

    def __init__(self, store: Store, clock: SimClock) -> None:
        self._store = store
        self._clock = clock
        self._names: dict[tuple[str, ...], tuple[str, str]] = {}
        self._similar: dict[tuple[str, ...], tuple[datetime, set[str]]] = {}
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
        combine_similar: bool = True,
    ) -> None:
        """Write or bump an Event; ``combine_similar=False`` for components that write
        ``events.k8s.io`` Events (the scheduler), which client-go never combines."""
        meta = obj.get("metadata") or {}
        namespace = str(meta.get("namespace") or "default")
        uid = str(meta.get("uid") or "")
        similar = (uid, str(meta.get("name")), field_path, type_, reason, component, host)
        key = (*similar, message)
        moment = self._clock.now()
        now = format_time(moment)

        def bump(event: Obj) -> None:
            event["count"] = int(event.get("count") or 1) + 1
            event["lastTimestamp"] = now
            event["message"] = message

        with self._lock:
            if combine_similar and self._combined(similar, message, moment):
                key, message = (*similar, COMBINED), COMBINED + message
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

    def _combined(self, similar: tuple[str, ...], message: str, now: datetime) -> bool:
        """Whether this message is one too many different ones of its kind (client-go's rule)."""
        last, messages = self._similar.get(similar, (now, set()))
        if now - last > SIMILAR_WINDOW:
            messages = set()
        messages.add(message)
        if len(messages) >= SIMILAR_EVENTS:
            messages.discard(next(iter(messages - {message}), message))
            self._similar[similar] = (now, messages)
            return True
        self._similar[similar] = (now, messages)
        return False

    def forget(self, uid: str) -> None:
        """Drop aggregation state for a deleted object."""
        with self._lock:
            for key in [k for k in self._names if k[0] == uid]:
                del self._names[key]
            for key in [k for k in self._similar if k[0] == uid]:
                del self._similar[key]
