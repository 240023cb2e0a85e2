"""``kubemedic watch --guard-rollouts``: guard each new Deployment rollout the watch sees.

A Deployment whose revision rises after the watch first saw it gets a guard (``guard_rollout``
on the rollout under way, with its own cluster connection) in a thread of its own, one at a
time per Deployment: a rollout that starts while its Deployment is still guarded is left to
that guard, which judges the newest template. Rollouts under way when the watch starts are
not guarded. Stopping the watch stops the guards, each releasing its hold.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace

from kubemedic.adapters.kubernetes.watch import WatchEvent
from kubemedic.errors import KubemedicError
from kubemedic.formatters.rollouts import result_text
from kubemedic.models.findings import ObjectRef
from kubemedic.models.identity import Actor
from kubemedic.models.k8s import dig
from kubemedic.rollouts.revisions import REVISION
from kubemedic.rollouts.settings import GuardSettings
from kubemedic.services.rollouts.guard import GuardRequest, guard_rollout
from kubemedic.services.rollouts.traffic import PrometheusAccess
from kubemedic.services.workspace import Workspace

Say = Callable[[str], None]
STOP_GRACE = 30.0
"""Seconds each guard is given to release its hold once the watch stops."""


@dataclass(frozen=True, slots=True)
class Guarding:
    """How the watch guards each rollout: the guard's settings and where traffic is read."""

    settings: GuardSettings
    prometheus: PrometheusAccess | None = None


class RolloutGuards:
    """The guards started for the rollouts seen in a watch's Deployment events."""

    def __init__(
        self,
        ws: Workspace,
        guarding: Guarding,
        actor: Actor,
        stop: threading.Event,
        say: Say,
    ) -> None:
        self._ws, self._guarding, self._actor = ws, guarding, actor
        self._stop, self._say = stop, say
        self._revisions: dict[ObjectRef, int] = {}
        self._guards: dict[ObjectRef, threading.Thread] = {}
        self._lock = threading.Lock()

    def seen(self, event: WatchEvent) -> None:
        """Start a guard when the event shows a Deployment at a newer revision than before."""
        deployment = event.object
        if event.type not in ("ADDED", "MODIFIED") or deployment.get("kind") != "Deployment":
            return
        ref = ObjectRef(
            "Deployment",
            str(dig(deployment, "metadata", "name")),
            str(dig(deployment, "metadata", "namespace")),
        )
        revision = int(dig(deployment, "metadata", "annotations", REVISION) or 0)
        with self._lock:
            known = self._revisions.get(ref)
            self._revisions[ref] = max(revision, known or 0)
            if known is None or revision <= known:
                return
            running = self._guards.get(ref)
            if running is not None and running.is_alive():
                return
            guard = threading.Thread(
                target=self._guard, args=(ref,), daemon=True, name=f"guard-{ref.name}"
            )
            self._guards[ref] = guard
        guard.start()

    def join(self) -> None:
        """Wait for the guards to end (the watch's stop tells them to)."""
        with self._lock:
            guards = list(self._guards.values())
        for guard in guards:
            guard.join(timeout=STOP_GRACE)

    def _guard(self, ref: ObjectRef) -> None:
        where = ref.kubectl_ref
        self._say(f"guarding the new rollout of {where}")
        ws = replace(self._ws, _writer=None)  # its own cluster connection
        try:
            result = guard_rollout(
                ws,
                GuardRequest(ref, self._guarding.settings, self._guarding.prometheus),
                self._actor,
                self._stop,
                say=lambda text: self._say(f"[{where}] {text}"),
                show=lambda view: None,
            )
        except KubemedicError as exc:
            self._say(f"[{where}] the guard stopped: {exc.message}")
        else:
            self._say(f"[{where}] {result_text(result, where)}")
        finally:
            ws.close()
