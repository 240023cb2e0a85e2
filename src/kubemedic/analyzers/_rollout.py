"""Deployment rollouts: which ReplicaSet is new, which one served before, and what changed.

A failure that starts right after a rollout is usually caused by it. Naming the revision and
the difference between the two pod templates (image, env names, command and args, resources,
probes) turns "the pods crash" into "the pods crash since revision 7 changed the image".
Env values and secret-looking arguments are never shown, only their names.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from kubemedic._internal.timeutils import format_time, human_duration
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence, EvidenceSource, Finding
from kubemedic.models.k8s import ContainerSpec, Pod, Workload, dig

# A failure that begins later than this after the rollout is not attributed to it.
ROLLOUT_WINDOW = timedelta(hours=1)
_PROBES = ("liveness", "readiness", "startup")
_SECRET_FLAG = re.compile(
    r"(?i)^(-{0,2}[\w.-]*(?:password|passwd|secret|token|api[-_]?key)[\w.-]*=).+"
)


@dataclass(frozen=True, slots=True)
class Rollout:
    """A Deployment and the ReplicaSets it owns, oldest revision first."""

    deployment: Workload
    replica_sets: tuple[Workload, ...]

    @property
    def newest(self) -> Workload | None:
        return self.replica_sets[-1] if self.replica_sets else None

    @property
    def previous(self) -> Workload | None:
        """The revision before the newest: the latest one still serving, else the last one."""
        older = self.replica_sets[:-1]
        serving = [rs for rs in older if rs.status_int("readyReplicas") > 0]
        return (serving or older)[-1] if older else None

    @property
    def older_available(self) -> int:
        """Replicas still available from revisions before the newest."""
        return sum(rs.status_int("availableReplicas") for rs in self.replica_sets[:-1])

    def named(self, name: str) -> Workload | None:
        return next((rs for rs in self.replica_sets if rs.name == name), None)

    def pods(self, view: ClusterView, replica_set: Workload) -> tuple[Pod, ...]:
        """The Deployment's pods created by one of its ReplicaSets."""
        return tuple(p for p in view.pods_of(self.deployment) if _created_by(p, replica_set))


class ReplicaSets:
    """The view's ReplicaSets grouped by owning Deployment: one pass per view on first use
    (shared by every instance), then lookups."""

    def __init__(self, view: ClusterView) -> None:
        self._view = view

    @property
    def _owned(self) -> dict[tuple[str, str], list[Workload]]:
        return self._view.derived(_by_deployment)

    def of(self, deployment: Workload) -> list[Workload]:
        """ReplicaSets controlled by this Deployment (by uid; by name where uids are missing)."""
        ns = deployment.namespace
        by_name = self._owned.get((ns, f"name:{deployment.name}"), [])
        if deployment.uid:
            return self._owned.get((ns, deployment.uid), []) + by_name
        return by_name + [
            rs
            for (space, key), sets in self._owned.items()
            if space == ns and not key.startswith("name:")
            for rs in sets
            if rs.controller is not None and rs.controller.name == deployment.name
        ]


def _by_deployment(view: ClusterView) -> dict[tuple[str, str], list[Workload]]:
    owned: dict[tuple[str, str], list[Workload]] = defaultdict(list)
    for replica_set in view.workloads("ReplicaSet"):
        owner = replica_set.controller
        if owner is not None and owner.kind == "Deployment":
            key = owner.uid or f"name:{owner.name}"
            owned[(replica_set.namespace, key)].append(replica_set)
    return owned


def rollout_of(
    view: ClusterView, deployment: Workload, replica_sets: ReplicaSets | None = None
) -> Rollout:
    """The Deployment's ReplicaSets, ordered by ``deployment.kubernetes.io/revision``.

    The view's index of ReplicaSets is built once and shared, however many are asked for.
    """
    owned = (replica_sets or ReplicaSets(view)).of(deployment)
    owned.sort(key=lambda rs: (rs.revision, rs.created_at is not None, rs.created_at))
    return Rollout(deployment, tuple(owned))


def _created_by(pod: Pod, replica_set: Workload) -> bool:
    owner = pod.controller
    return owner is not None and owner.kind == "ReplicaSet" and owner.name == replica_set.name


def rollout_in_progress(deployment: Workload) -> bool:
    """True while the controller still reports progress within ``progressDeadlineSeconds``.

    A new spec not yet observed, or ``Progressing=True`` with any reason but
    ``NewReplicaSetAvailable`` (rollout complete), is a rollout under way, not a failure.
    """
    observed = deployment.status.get("observedGeneration")
    if isinstance(observed, int) and observed < deployment.generation:
        return True
    cond = deployment.condition("Progressing")
    return cond is not None and cond.is_true and cond.reason != "NewReplicaSetAvailable"


# -- what changed between two pod templates ------------------------------------------------------


def template_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[str, ...]:
    """Human-readable differences between two pod templates, new template order."""
    before, after = _containers(old), _containers(new)
    changes = [f"container {name} added" for name in after if name not in before]
    changes += [f"container {name} removed" for name in before if name not in after]
    for name, spec in after.items():
        if name in before:
            changes += _container_changes(before[name], spec)
    old_sa = dig(old, "spec", "serviceAccountName") or "default"
    new_sa = dig(new, "spec", "serviceAccountName") or "default"
    if old_sa != new_sa:
        changes.append(f"serviceAccountName: {old_sa} → {new_sa}")
    return tuple(changes)


def _containers(template: Mapping[str, Any]) -> dict[str, ContainerSpec]:
    found: dict[str, ContainerSpec] = {}
    for group, is_init in (("initContainers", True), ("containers", False)):
        for raw in dig(template, "spec", group) or ():
            if isinstance(raw, Mapping):
                spec = ContainerSpec(raw, is_init=is_init)
                found[spec.name] = spec
    return found


def _container_changes(old: ContainerSpec, new: ContainerSpec) -> list[str]:
    name = new.name
    changes = []
    if old.image != new.image:
        changes.append(f"image of {name}: {old.image} → {new.image}")
    env = _env_changes(old.env, new.env)
    if env:
        changes.append(f"env of {name}: {env}")
    if list(old.env_from) != list(new.env_from):
        changes.append(f"envFrom of {name} changed")
    for field in ("command", "args"):
        was, now = getattr(old, field), getattr(new, field)
        if was != now:
            changes.append(f"{field} of {name}: {_argv(was)} → {_argv(now)}")
    resources = _resource_changes(old, new)
    if resources:
        changes.append(f"resources of {name}: {resources}")
    for kind in _PROBES:
        probe = _probe_change(old, new, kind)
        if probe:
            changes.append(f"{kind}Probe of {name}: {probe}")
    return changes


def _env_changes(old: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]]) -> str:
    before = {str(e.get("name")): e for e in old}
    after = {str(e.get("name")): e for e in new}
    parts = []
    added = [n for n in after if n not in before]
    removed = [n for n in before if n not in after]
    changed = [n for n in after if n in before and before[n] != after[n]]
    for label, names in (("added", added), ("removed", removed), ("changed", changed)):
        if names:
            parts.append(f"{label} {', '.join(names)}")
    return " and ".join(parts)


def _argv(argv: Sequence[str]) -> str:
    if not argv:
        return "(image default)"
    return "[" + " ".join(_SECRET_FLAG.sub(r"\1***", a) for a in argv) + "]"


def _resource_changes(old: ContainerSpec, new: ContainerSpec) -> str:
    parts = []
    for group in ("requests", "limits"):
        was = dig(old.raw, "resources", group) or {}
        now = dig(new.raw, "resources", group) or {}
        for resource in sorted(set(was) | set(now)):
            if was.get(resource) != now.get(resource):
                parts.append(
                    f"{group}.{resource} {was.get(resource, 'none')} → {now.get(resource, 'none')}"
                )
    return ", ".join(parts)


def _probe_change(old: ContainerSpec, new: ContainerSpec, kind: str) -> str:
    was, now = old.probe(kind), new.probe(kind)
    if was is None:
        return f"added ({now.endpoint}, {now.timing})" if now is not None else ""
    if now is None:
        return f"removed (was {was.endpoint})"
    if was.raw == now.raw:
        return ""
    if was.endpoint != now.endpoint:
        return f"{was.endpoint} → {now.endpoint}"
    return f"{was.timing} → {now.timing}"


# -- the "what changed" enrichment ------------------------------------------------------------


def rollout_change(
    view: ClusterView, finding: Finding, replica_sets: ReplicaSets | None = None
) -> tuple[Evidence, str, str] | None:
    """Evidence, a root-cause sentence and the undo command for the rollout before this failure.

    Only for a Deployment's finding whose failing pods all belong to the newest ReplicaSet and
    which began within ``ROLLOUT_WINDOW`` of its creation; None when there is no earlier
    revision to compare with or the two templates do not differ.
    """
    ref = finding.object
    if ref.kind != "Deployment":
        return None
    deployment = view.get("Deployment", ref.namespace, ref.name)
    if not isinstance(deployment, Workload):
        return None
    rollout = rollout_of(view, deployment, replica_sets)
    newest, previous = rollout.newest, rollout.previous
    if newest is None or previous is None or newest.created_at is None:
        return None
    began = finding.first_seen
    if began is None or not newest.created_at <= began <= newest.created_at + ROLLOUT_WINDOW:
        return None
    for affected in finding.affected:
        pod = view.get("Pod", affected.namespace, affected.name)
        if isinstance(pod, Pod) and not _created_by(pod, newest):
            return None  # pods of older revisions fail too: not this rollout's doing
    changes = template_changes(previous.pod_template, newest.pod_template)
    if not changes:
        return None
    evidence = Evidence(
        f"revision {newest.revision} (ReplicaSet {newest.name}, created "
        f"{format_time(newest.created_at)}) differs from revision {previous.revision} "
        f"(ReplicaSet {previous.name}): " + "; ".join(changes),
        EvidenceSource.RELATED,
        f"ReplicaSet {newest.namespace}/{newest.name} spec.template vs "
        f"ReplicaSet {previous.namespace}/{previous.name} spec.template",
    )
    delay = began - newest.created_at
    when = (
        "with" if delay < timedelta(minutes=1) else f"{human_duration(delay.total_seconds())} after"
    )
    shown = "; ".join(changes[:3]) + ("; ..." if len(changes) > 3 else "")
    undo = f"kubectl rollout undo {ref.kubectl_ref} --to-revision={previous.revision}"
    sentence = (
        f"It began {when} the rollout to revision {newest.revision} "
        f"(ReplicaSet {newest.name}), which changed the pod template ({shown}); "
        f"`{undo}` returns to the previous template."
    )
    return evidence, sentence, undo
