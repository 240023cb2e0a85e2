"""Containers that cannot start because a ConfigMap, Secret or key they read does not exist.

The kubelet reports these as CreateContainerConfigError (env, envFrom) or FailedMount
(volumes), one missing thing at a time. This analyzer tells "object missing" from "key
missing", names every container, env var and volume that reads it, lists the keys the object
does have (names only, never Secret values) with the closest match, names the object the
reference most likely meant (a similar name, the only object holding every key read, a
namesake of the other kind) and — when the namespace's ConfigMaps or Secrets were collected —
finds the missing references from the spec alone, even after the kubelet's events have expired.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from kubemedic.analyzers._build import (
    Fix,
    event_evidence,
    matching_events,
    merged_fix,
    pod_finding,
    related_evidence,
    spec_evidence,
    status_evidence,
)
from kubemedic.analyzers._config_fixes import missing_key_fix, missing_object_fix
from kubemedic.analyzers._config_index import ConfigIndex, stand_in
from kubemedic.analyzers._config_refs import (
    CONFIGMAP,
    SECRET,
    ConfigRef,
    closest,
    key_names,
    parse_config_error,
    pod_config_refs,
)
from kubemedic.analyzers._mount_events import waiting_for_volumes
from kubemedic.analyzers._registry import Analyzer
from kubemedic.analyzers._template_patch import follow_up_steps
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence, Finding
from kubemedic.models.k8s import Event, KObject, Pod
from kubemedic.models.severity import Severity

NAME = "config-refs"
IDS = {
    Category.CONFIG_MISSING_CONFIGMAP: "KM-POD-CONFIG-MISSING-CONFIGMAP",
    Category.CONFIG_MISSING_SECRET: "KM-POD-CONFIG-MISSING-SECRET",
    Category.CONFIG_MISSING_KEY: "KM-POD-CONFIG-MISSING-KEY",
}
_CONFIG_ERROR = "CreateContainerConfigError"


@dataclass
class _Missing:
    """One missing object (``key`` None) or key, with what showed it."""

    kind: str
    name: str
    key: str | None
    obj: KObject | None
    evidence: list[Evidence] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    @property
    def resolved(self) -> bool:
        """The kubelet reported it missing, but the collected object now has it."""
        if self.obj is None:
            return False
        return self.key is None or self.key in key_names(self.obj)

    @property
    def category(self) -> Category:
        if self.key is not None:
            return Category.CONFIG_MISSING_KEY
        if self.kind == CONFIGMAP:
            return Category.CONFIG_MISSING_CONFIGMAP
        return Category.CONFIG_MISSING_SECRET


def analyze(view: ClusterView) -> Iterator[Finding]:
    index = ConfigIndex(view)
    for pod in view.troubled_pods:
        if pod.deletion_timestamp is not None or pod.is_finished:
            continue
        if not waiting_for_volumes(pod) and not any(
            s.state.waiting_reason == _CONFIG_ERROR for s in pod.all_container_statuses
        ):
            continue
        refs = pod_config_refs(pod)
        found = _find_missing(view, pod, refs)
        for category in dict.fromkeys(m.category for m in found):
            group = [m for m in found if m.category is category]
            yield _finding(view, pod, refs, group, index)


def _find_missing(view: ClusterView, pod: Pod, refs: Sequence[ConfigRef]) -> list[_Missing]:
    blocked = {
        s.name for s in pod.all_container_statuses if s.state.waiting_reason == _CONFIG_ERROR
    }
    mounting = waiting_for_volumes(pod)
    found = _Found(view, pod)
    for status in pod.all_container_statuses:
        if status.name in blocked:
            message = status.state.waiting_message
            fact = status_evidence(pod, status, "state.waiting", f"{_CONFIG_ERROR}: {message}")
            found.reported(message, fact)
            for event in matching_events(view, pod, ("Failed",), container=status.name):
                found.reported(event.message, event_evidence(event), event)
    if mounting:
        # containers whose status is unknown (a description pasted without them) may be the
        # ones the kubelet could not create: its Failed events name what they miss
        reasons = ("FailedMount", "Failed") if not pod.all_container_statuses else ("FailedMount",)
        for event in matching_events(view, pod, reasons):
            found.reported(event.message, event_evidence(event), event, refs)
    for ref in refs:
        needed = ref.container is not None and ref.container.name in blocked
        if not ref.optional and (needed or (ref.volume and mounting)):
            found.checked(ref)
    return list(found.entries.values())


class _Found:
    """Missing objects and keys of one pod, from kubelet messages and from the spec."""

    def __init__(self, view: ClusterView, pod: Pod) -> None:
        self.view = view
        self.pod = pod
        self.entries: dict[tuple[str, str, str | None], _Missing] = {}

    def reported(
        self,
        message: str,
        fact: Evidence,
        event: Event | None = None,
        refs: Sequence[ConfigRef] = (),
    ) -> None:
        """What a kubelet message says is missing (a volume message may name only the key)."""
        for missing in parse_config_error(message):
            name = missing.name or _volume_object(refs, missing.volume, missing.kind)
            if name:
                self._note(missing.kind, name, missing.key, fact, event)

    def checked(self, ref: ConfigRef) -> None:
        """What the collected objects show is missing for one reference."""
        namespace = self.pod.namespace
        if not self.view.knows(ref.kind, namespace):
            return
        obj = self.view.get(ref.kind, namespace, ref.name)
        if obj is None:
            text = f"{ref.usage} reads {ref.kind} {ref.name}, which does not exist"
            self._note(ref.kind, ref.name, None, spec_evidence(self.pod, ref.path, text))
        elif ref.key and ref.key not in key_names(obj):
            text = f"{ref.usage} reads key {ref.key} of {ref.kind} {ref.name}, which lacks it"
            self._note(ref.kind, ref.name, ref.key, spec_evidence(self.pod, ref.path, text))

    def _note(
        self, kind: str, name: str, key: str | None, fact: Evidence, event: Event | None = None
    ) -> None:
        namespace = self.pod.namespace
        obj = self.view.get(kind, namespace, name)
        if key is not None and obj is None and self.view.knows(kind, namespace):
            key = None  # the whole object is missing, not just the key
        entry = self.entries.setdefault((kind, name, key), _Missing(kind, name, key, obj))
        entry.evidence.append(fact)
        entry.events += [event] if event else []


def _volume_object(refs: Sequence[ConfigRef], volume: str | None, kind: str) -> str:
    """The object behind a volume, when the kubelet only named the volume and the key."""
    for ref in refs:
        if ref.volume == volume and ref.kind == kind:
            return ref.name
    return ""


def _finding(
    view: ClusterView,
    pod: Pod,
    refs: Sequence[ConfigRef],
    group: Sequence[_Missing],
    index: ConfigIndex,
) -> Finding:
    workload = view.workload_of(pod)
    category = group[0].category
    causes: list[str] = []
    evidence: list[Evidence] = []
    fixes: list[Fix] = []
    readers: list[str] = []
    for missing in group:
        users = [
            r
            for r in refs
            if (r.kind, r.name) == (missing.kind, missing.name)
            and (missing.key is None or r.key == missing.key)
        ]
        readers += [c for r in users for c in r.readers]
        cause, facts, fix = _explain(view, pod, missing, users, index)
        causes.append(cause)
        evidence += [*missing.evidence, *facts]
        fixes.append(fix)
    containers = list(dict.fromkeys(readers)) or [
        s.name for s in pod.all_container_statuses if not s.ready
    ]
    what = ", ".join(_label(m) for m in group)
    extra = follow_up_steps(workload, pod)
    return pod_finding(
        view,
        pod,
        id=IDS[category],
        analyzer=NAME,
        severity=Severity.INFO if all(m.resolved for m in group) else Severity.HIGH,
        category=category,
        containers=containers,
        summary=f"{what[0].upper()}{what[1:]} {'is' if len(group) == 1 else 'are'} missing: "
        + (
            f"container {', '.join(containers)} cannot start"
            if containers
            else "the pod cannot start"
        ),
        root_cause=" ".join(causes)
        + " The kubelet keeps retrying; the pod stays stuck until this is fixed and then starts "
        "by itself, without a restart.",
        evidence=list(dict.fromkeys(evidence)),
        events=[e for m in group for e in m.events],
        remediation=merged_fix(fixes, extra).remediation(
            "Once the object or key exists the kubelet creates the container on its next retry "
            "(within 5 minutes) and the pod starts; no restart is needed. A changed reference "
            "rolls out new pods instead."
        ),
    )


def _explain(
    view: ClusterView,
    pod: Pod,
    missing: _Missing,
    users: Sequence[ConfigRef],
    index: ConfigIndex,
) -> tuple[str, list[Evidence], Fix]:
    readers = "; ".join(dict.fromkeys(r.usage for r in users)) or "the pod spec"
    if missing.key is None:
        return _missing_object(view, pod, missing, users, index, readers)
    return _missing_key(view, pod, missing, missing.key, users, readers)


def _missing_object(
    view: ClusterView,
    pod: Pod,
    missing: _Missing,
    users: Sequence[ConfigRef],
    index: ConfigIndex,
    readers: str,
) -> tuple[str, list[Evidence], Fix]:
    """Why the object is missing: what else in the namespace (or elsewhere) it may have meant."""
    namespace = pod.namespace
    text = f"{missing.kind} {namespace}/{missing.name} does not exist, but {readers} reads it."
    read_keys = list(dict.fromkeys(r.key for r in users if r.key))
    found = stand_in(index, missing.kind, namespace, missing.name, read_keys)
    text += f" {found.note}" if found.note else ""
    other = CONFIGMAP if missing.kind == SECRET else SECRET
    namesake = view.get(other, namespace, missing.name) is not None
    if namesake:
        text += (
            f" A {other} named {missing.name} exists in {namespace}: the reference reads a "
            f"{missing.kind} where the data is in a {other}."
        )
    elsewhere = [ns for ns in index.namespaces(missing.kind, missing.name) if ns != namespace]
    if elsewhere:
        text += (
            f" A {missing.kind} named {missing.name} exists in namespace "
            f"{', '.join(elsewhere)}, but a pod can only read its own namespace's."
        )
    if missing.resolved:
        text += " It exists now, so the kubelet's next retry should succeed."
    fix = missing_object_fix(
        view.workload_of(pod),
        missing.kind,
        missing.name,
        users,
        found.name,
        namesake_kind=other if namesake else None,
        copy=(
            (elsewhere[0], sorted(index.keys_of(missing.kind, elsewhere[0], missing.name)))
            if elsewhere
            else None
        ),
    )
    return text, [], fix


def _missing_key(
    view: ClusterView,
    pod: Pod,
    missing: _Missing,
    key: str,
    users: Sequence[ConfigRef],
    readers: str,
) -> tuple[str, list[Evidence], Fix]:
    """The keys the object does have (names only), and the closest to the one read."""
    where = f"{missing.kind} {pod.namespace}/{missing.name}"
    keys = key_names(missing.obj) if missing.obj is not None else ()
    text = f"{where} exists but has no key {key}, which {readers} reads."
    alternative = closest(key, keys)
    facts: list[Evidence] = []
    if missing.obj is not None:
        facts.append(
            related_evidence(
                f"{where} {'data' if missing.kind == CONFIGMAP else 'data (key names only)'}",
                f"keys: {', '.join(keys) or 'none'}",
            )
        )
        text += f" Its keys are: {', '.join(keys) or 'none'}."
    if alternative:
        text += f" The closest is {alternative} (keys are case-sensitive)."
    if missing.resolved:
        text = (
            f"The kubelet reported key {key} missing from {where}, which has it now: the "
            "next retry should succeed."
        )
    workload = view.workload_of(pod)
    fix = missing_key_fix(workload, missing.kind, missing.name, key, users, alternative)
    return text, facts, fix


def _label(missing: _Missing) -> str:
    if missing.key is None:
        return f"{missing.kind} {missing.name}"
    return f"key {missing.key} of {missing.kind} {missing.name}"


ANALYZER = Analyzer(
    name=NAME,
    description="Containers that cannot start because a ConfigMap, Secret or key they read "
    "(env, envFrom, volumes) does not exist.",
    categories=tuple(IDS),
    analyze=analyze,
)
