"""Continuous detection: watch the cluster, diagnose what changed, open and close incidents.

Watchers follow pods, events and Deployments through the Kubernetes watch API (resuming from
their resourceVersion, re-listing after 410 Gone, backing off on errors). Any change marks the
scope dirty; after a short settle time one diagnosis runs over the scope, so a burst of events
costs one scan. Each problem (category on an object) opens one incident — a crash-looping
Deployment stays one incident however often it restarts — and an incident whose problem has
been absent for ``close_after`` seconds is closed. With ``propose`` each new incident's fix is
proposed as an operation; with ``guard`` each new Deployment rollout is guarded
(``services.rollouts.watching``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from kubemedic.adapters.kubernetes.api import BY_KIND, EVENT, POD, Resource
from kubemedic.adapters.kubernetes.live import scan
from kubemedic.adapters.kubernetes.watch import WatchEvent, watch
from kubemedic.errors import KubemedicError
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Finding
from kubemedic.models.identity import SYSTEM, Actor
from kubemedic.models.records import RecordKind
from kubemedic.models.severity import Severity
from kubemedic.services.diagnose import diagnose
from kubemedic.services.incidents import incident_key, open_incident, resolve_incident
from kubemedic.services.remediate import remedy
from kubemedic.services.rollouts.watching import Guarding, RolloutGuards
from kubemedic.services.workspace import Workspace

log = logging.getLogger(__name__)
WATCHED = (POD, EVENT, BY_KIND["Deployment"])
STOP_CHECK = 0.25
"""Seconds between looks at the stop flag while waiting (a signal handler only sets it)."""


@dataclass(frozen=True, slots=True)
class WatchOptions:
    namespace: str | None = None
    all_namespaces: bool = False
    propose: bool = False
    min_severity: Severity = Severity.MEDIUM
    settle: float = 1.0
    """Seconds to wait after a change before scanning, so a burst of events is one scan."""
    close_after: float = 30.0
    """Seconds a problem must stay absent before its incident is closed."""
    rescan_every: float = 60.0
    """Scan at least this often even when no change arrived."""
    guard: Guarding | None = None
    """Guard each new Deployment rollout so (``--guard-rollouts``)."""


@dataclass(frozen=True, slots=True)
class WatchStatus:
    scans: int = 0
    open_incidents: int = 0
    opened: int = 0
    closed: int = 0
    last_scan: datetime | None = None
    last_error: str | None = None
    events: int = 0


@dataclass(slots=True)
class _State:
    known: dict[str, str] = field(default_factory=dict)
    absent_since: dict[str, datetime] = field(default_factory=dict)
    status: WatchStatus = field(default_factory=WatchStatus)


def run_watch(
    ws: Workspace,
    options: WatchOptions,
    stop: threading.Event,
    *,
    actor: Actor = SYSTEM,
    on_status: Callable[[WatchStatus], None] = lambda status: None,
    on_change: Callable[[str], None] = lambda line: None,
) -> WatchStatus:
    """Watch until ``stop`` is set; returns the final status."""
    client = ws.cluster().client
    scope = None if options.all_namespaces else options.namespace or client.config.namespace
    state = _State(known=_open_in_scope(ws, scope))
    state.status = replace(state.status, open_incidents=len(state.known))
    dirty = threading.Event()
    failure: list[BaseException] = []
    guards = RolloutGuards(ws, options.guard, actor, stop, on_change) if options.guard else None

    def changed(event: WatchEvent) -> None:
        state.status = replace(state.status, events=state.status.events + 1)
        dirty.set()
        if guards is not None:
            guards.seen(event)

    def follow(resource: Resource) -> None:
        try:
            watch(client, resource, scope, on_event=changed, stop=stop)
        except BaseException as exc:  # a fatal watch error (401/403) ends the whole watch
            failure.append(exc)
            stop.set()

    threads = [
        threading.Thread(
            target=follow, args=(resource,), daemon=True, name=f"watch-{resource.plural}"
        )
        for resource in WATCHED
    ]
    for thread in threads:
        thread.start()
    dirty.set()
    try:
        while not stop.is_set():
            _wait_for_change(dirty, stop, _next_wait(ws, options, state))
            if stop.is_set() or stop.wait(options.settle):
                break
            dirty.clear()
            _scan(ws, options, scope, state, actor, on_change)
            on_status(state.status)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=5)
        if guards is not None:
            guards.join()
    if failure and isinstance(failure[0], KubemedicError):
        raise failure[0]
    return state.status


def _wait_for_change(dirty: threading.Event, stop: threading.Event, seconds: float) -> None:
    """Until a change, ``stop`` or ``seconds``; in short slices so a stop is seen at once."""
    deadline = time.monotonic() + seconds
    while not stop.is_set() and not dirty.wait(
        min(STOP_CHECK, max(deadline - time.monotonic(), 0))
    ):
        if time.monotonic() >= deadline:
            return


def _next_wait(ws: Workspace, options: WatchOptions, state: _State) -> float:
    """Until the next periodic scan, or sooner when an incident is due to be closed."""
    if not state.absent_since:
        return options.rescan_every
    earliest = min(state.absent_since.values())
    left = options.close_after - (ws.now() - earliest).total_seconds()
    return max(min(left, options.rescan_every), 0.2)


def _open_in_scope(ws: Workspace, scope: str | None) -> dict[str, str]:
    known = {}
    for record in ws.store.all(RecordKind.INCIDENT):
        if record.state != "open":
            continue
        namespace = str((record.header.get("object") or {}).get("namespace") or "")
        if scope is None or namespace == scope:
            known[str(record.header.get("key"))] = record.id
    return known


def _scan(
    ws: Workspace,
    options: WatchOptions,
    scope: str | None,
    state: _State,
    actor: Actor,
    on_change: Callable[[str], None],
) -> None:
    now = ws.now()
    try:
        result = scan(ws.cluster().client, namespace=scope, all_namespaces=scope is None)
    except KubemedicError as exc:
        state.status = replace(state.status, last_error=exc.message)
        log.warning("scan failed: %s", exc.message)
        return
    findings = {
        incident_key(f): f
        for f in diagnose(result.view).findings
        if f.severity.at_least(options.min_severity)
    }
    opened = closed = 0
    for key, finding in findings.items():
        state.absent_since.pop(key, None)
        if key in state.known:
            continue
        opened += 1
        on_change(_opened(ws, finding, options, state, actor, result.view))
    for key, record_id in list(state.known.items()):
        if key in findings:
            continue
        since = state.absent_since.setdefault(key, now)
        if (now - since).total_seconds() >= options.close_after:
            del state.known[key]
            del state.absent_since[key]
            if resolve_incident(ws, record_id, reason="the problem is no longer detected"):
                closed += 1
                on_change(f"closed {record_id}: {key.split('|', 1)[1]} is healthy again")
    state.status = replace(
        state.status,
        scans=state.status.scans + 1,
        open_incidents=len(state.known),
        opened=state.status.opened + opened,
        closed=state.status.closed + closed,
        last_scan=now,
        last_error=None,
    )


def _opened(
    ws: Workspace,
    finding: Finding,
    options: WatchOptions,
    state: _State,
    actor: Actor,
    view: ClusterView,
) -> str:
    if options.propose:
        done = remedy(ws, finding, actor, view=view, known=state.known)
        fix = (
            f" → {done.operation} ({done.tier}, {done.state})"
            if done.operation
            else f" ({done.note})"
        )
        return f"opened {done.incident}: {finding.summary}{fix}"
    opened = open_incident(ws, finding, view=view, known=state.known)
    state.known[opened.key] = opened.id
    return f"opened {opened.id}: {finding.summary}"
