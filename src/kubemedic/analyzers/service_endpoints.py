"""Services whose selector reaches no ready pod, and why: mismatch, unready pods, or no pods.

A selector that matches nothing is shown against the labels that do exist in the namespace
(pod templates and pods) with the exact difference and a selector patch; pods that match but
are not Ready are named with their state (the pod findings say why); a workload that should
provide the pods but has none is named. ExternalName Services, Services with at least one
ready pod (headless StatefulSet Services included) and selector-less Services whose manual
Endpoints have addresses are not reported.
"""

from __future__ import annotations

import json
import shlex
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubemedic.analyzers._build import Fix
from kubemedic.analyzers._registry import Analyzer
from kubemedic.analyzers._workload import (
    describe_states,
    is_live,
    location,
    pod_state_evidence,
    settled,
    workload_finding,
)
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence, EvidenceSource, Finding, ObjectRef
from kubemedic.models.k8s import KObject, Pod, Workload, dig
from kubemedic.models.severity import Severity

NAME = "service-endpoints"
ID = "KM-SVC-NO-ENDPOINTS"
_TEMPLATE_KINDS = ("Deployment", "StatefulSet", "DaemonSet")


@dataclass(frozen=True, slots=True)
class LabelSource:
    """A set of labels pods carry or will carry: a workload's template or a bare pod."""

    description: str
    labels: Mapping[str, str]
    ref: ObjectRef

    def score(self, selector: Mapping[str, str]) -> tuple[int, int, int]:
        """(selector pairs it matches, selector keys it has, selector values it carries under
        another key): higher is closer."""
        same = sum(self.labels.get(k) == v for k, v in selector.items())
        moved = sum(
            k not in self.labels and _renamed(k, v, self.labels) is not None
            for k, v in selector.items()
        )
        return same, sum(k in self.labels for k in selector), moved


class PodIndex:
    """Live pods by namespace and label, to match selectors without scanning every pod."""

    def __init__(self, pods: Sequence[Pod]) -> None:
        by_label: dict[tuple[str, str, str], set[int]] = defaultdict(set)
        self._pods = [p for p in pods if is_live(p)]
        for number, pod in enumerate(self._pods):
            namespace = pod.namespace
            for key, value in pod.labels.items():
                by_label[(namespace, key, value)].add(number)
        self._by_label = by_label
        self._label_namespaces: dict[tuple[str, str], set[str]] | None = None

    @property
    def _namespaces(self) -> dict[tuple[str, str], set[str]]:
        """Namespaces by label, derived from the index only when a selector matches nothing."""
        if self._label_namespaces is None:
            self._label_namespaces = defaultdict(set)
            for namespace, key, value in self._by_label:
                self._label_namespaces[(key, value)].add(namespace)
        return self._label_namespaces

    def matching(self, namespace: str, selector: Mapping[str, str]) -> list[Pod]:
        sets = sorted(
            (self._by_label.get((namespace, k, v), set()) for k, v in selector.items()), key=len
        )
        found = set.intersection(*sets) if sets else set()
        return [self._pods[n] for n in sorted(found)]

    def namespaces_matching(self, selector: Mapping[str, str]) -> list[str]:
        """Namespaces holding a live pod with all of the selector's labels."""
        candidates = set.intersection(*(self._namespaces.get(p, set()) for p in selector.items()))
        return sorted(ns for ns in candidates if self.matching(ns, selector))


def analyze(view: ClusterView) -> Iterator[Finding]:
    services = view.objects("Service")
    if not services:
        return
    index = PodIndex(view.pods)
    for service in services:
        if service.spec.get("type") == "ExternalName" or service.deletion_timestamp:
            continue
        selector = service.spec.get("selector") or {}
        if not selector:
            finding = _manual_endpoints(view, service)
        elif view.knows("Pod", service.namespace) or _controller_found_none(view, service):
            finding = _selected(view, service, selector, index)
        else:
            finding = None  # pods were not collected: absence proves nothing
        if finding is not None:
            yield finding


def _controller_found_none(view: ClusterView, service: KObject) -> bool:
    """The endpoints controller's own verdict, when the pod list is incomplete: the Service's
    Endpoints object (or its EndpointSlices) lists no address at all, ready or not. It selects
    over every pod of the namespace, so this proves what a partial pod list cannot: no running
    pod carries the selector's labels."""
    endpoints = view.get("Endpoints", service.namespace, service.name)
    if endpoints is not None:  # not even unready addresses: no running pod matches
        return not any(
            s.get("addresses") or s.get("notReadyAddresses") for s in _subsets(endpoints)
        )
    slices = [
        s
        for s in view.objects("EndpointSlice", service.namespace)
        if s.labels.get("kubernetes.io/service-name") == service.name
    ]
    return bool(slices) and not any(s.raw.get("endpoints") for s in slices)


def _selected(
    view: ClusterView, service: KObject, selector: Mapping[str, str], index: PodIndex
) -> Finding | None:
    here = index.matching(service.namespace, selector)
    if service.spec.get("publishNotReadyAddresses") is True and here:
        return None
    if any(p.is_ready for p in here):
        return None
    if here:
        return _unready(view, service, selector, here) if settled(here, view.observed_at) else None
    sources = _label_sources(view, service.namespace)
    providers = [s for s in sources if s.score(selector)[0] == len(selector)]
    if providers:  # with a partial pod list, its pods may exist uncollected (Pending)
        complete = view.knows("Pod", service.namespace)
        return _no_pods(view, service, selector, providers[0]) if complete else None
    elsewhere = index.namespaces_matching(selector)
    return _mismatch(view, service, selector, sources, elsewhere)


def _selector_text(selector: Mapping[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in selector.items())


def _base_evidence(
    view: ClusterView, service: KObject, selector: Mapping[str, str]
) -> list[Evidence]:
    evidence = [
        Evidence(
            f"selector {_selector_text(selector)}",
            EvidenceSource.SPEC,
            location(service, "spec.selector"),
        )
    ]
    endpoints = view.get("Endpoints", service.namespace, service.name)
    if endpoints is not None and not _addresses(endpoints):
        subsets = endpoints.raw.get("subsets") or ()
        waiting = sum(len(s.get("notReadyAddresses") or ()) for s in subsets)
        fact = "no ready address" + (f", {waiting} under notReadyAddresses" if waiting else "")
        evidence.append(Evidence(fact, EvidenceSource.RELATED, location(endpoints, "subsets")))
    return evidence


def _subsets(endpoints: KObject) -> list[Mapping[str, Any]]:
    return [s for s in endpoints.raw.get("subsets") or () if isinstance(s, Mapping)]


def _addresses(endpoints: KObject) -> bool:
    subsets = endpoints.raw.get("subsets") or ()
    return any(s.get("addresses") for s in subsets if isinstance(s, Mapping))


def _label_sources(view: ClusterView, namespace: str) -> list[LabelSource]:
    sources = []
    for kind in _TEMPLATE_KINDS:
        for workload in view.objects(kind, namespace):
            if isinstance(workload, Workload):
                labels = dig(workload.pod_template, "metadata", "labels") or {}
                sources.append(LabelSource(f"pod template of {workload.ref}", labels, workload.ref))
    seen = {tuple(sorted(s.labels.items())) for s in sources}
    for pod in view.objects("Pod", namespace):
        key = tuple(sorted(pod.labels.items()))
        if key not in seen and isinstance(pod, Pod) and is_live(pod):
            seen.add(key)
            sources.append(LabelSource(f"pod {pod.name}", pod.labels, view.workload_of(pod)))
    return sources


def _mismatch(
    view: ClusterView,
    service: KObject,
    selector: Mapping[str, str],
    sources: Sequence[LabelSource],
    elsewhere: Sequence[str],
) -> Finding:
    ref, ns = service.ref, service.namespace
    evidence = _base_evidence(view, service, selector)
    ranked = sorted(sources, key=lambda s: s.score(selector), reverse=True)
    closest = ranked[0] if ranked and any(ranked[0].score(selector)) else None
    cause = f"No pod in namespace {ns} carries the labels {_selector_text(selector)}"
    commands = [f"kubectl get pods -n {ns} --show-labels"]
    if closest is not None:
        diff = _diff(selector, closest.labels)
        labels = _selector_text(closest.labels)
        cause += f"; the closest is the {closest.description}, labelled {labels}: {diff}"
        evidence.append(Evidence(f"labels {labels}", EvidenceSource.RELATED, closest.description))
        fixed = _fixed_selector(selector, closest.labels)
        if any(v is not None for v in fixed.values()):  # an emptied selector selects nothing
            patch = json.dumps({"spec": {"selector": fixed}}, separators=(",", ":"))
            commands.insert(
                0, f"kubectl patch service {service.name} -n {ns} -p {shlex.quote(patch)}"
            )
    cause += ". The Service has no endpoints and connections to it fail."
    if elsewhere:
        cause += (
            f" Pods with these labels exist in {', '.join(elsewhere)}, but a Service only "
            "selects pods of its own namespace."
        )
    advice = (
        f"Make the selector match the pods: patch {ref} to the labels of the {closest.description}"
        " (or relabel the workload's template if the Service is right)."
        if closest
        else "Fix the selector or deploy the workload that should carry these labels."
    )
    return _finding(
        view,
        service,
        severity=Severity.HIGH if closest else Severity.MEDIUM,
        summary=f"Service {service.name} selects no pod: selector {_selector_text(selector)} "
        "matches nothing",
        root_cause=cause,
        evidence=evidence,
        related=(closest.ref,) if closest else (),
        fix=Fix(advice, commands=tuple(commands)),
        outcome=f"kubectl get endpoints {service.name} -n {ns} lists the pods' addresses and "
        "connections succeed.",
    )


def _renamed(key: str, value: str, labels: Mapping[str, str]) -> str | None:
    """The other key under which the labels carry the selector's value (``app`` for a selector
    ``name=web`` on pods labelled ``app=web``)."""
    return next((k for k, v in labels.items() if v == value and k != key), None)


def _fixed_selector(
    selector: Mapping[str, str], labels: Mapping[str, str]
) -> dict[str, str | None]:
    """The merge patch of the selector that picks pods with these labels (None removes a key)."""
    fixed: dict[str, str | None] = {}
    for key, wanted in selector.items():
        fixed[key] = labels.get(key)
        other = _renamed(key, wanted, labels) if key not in labels else None
        if other is not None:
            fixed[other] = wanted
    return fixed


def _diff(selector: Mapping[str, str], labels: Mapping[str, str]) -> str:
    parts = []
    for key, wanted in selector.items():
        have = labels.get(key)
        other = _renamed(key, wanted, labels) if have is None else None
        if other is not None:
            parts.append(f"it carries {other}={wanted} where the selector wants {key}={wanted}")
        elif have is None:
            parts.append(f"it has no label {key} (selector wants {key}={wanted})")
        elif have != wanted:
            parts.append(f"{key} is {have!r} where the selector wants {wanted!r}")
    return "; ".join(parts)


def _unready(
    view: ClusterView, service: KObject, selector: Mapping[str, str], pods: Sequence[Pod]
) -> Finding:
    workloads = tuple(dict.fromkeys(view.workload_of(p) for p in pods))
    states = describe_states(pods, view)
    return _finding(
        view,
        service,
        severity=Severity.HIGH,
        summary=f"Service {service.name} has no ready endpoint: "
        + (f"its {len(pods)} pods are not Ready" if len(pods) > 1 else "its pod is not Ready"),
        root_cause=f"{len(pods)} pods match selector {_selector_text(selector)} but none is "
        f"Ready ({states}), so the Service has no endpoints and connections to it fail. The "
        "pod-level findings give why they are not Ready.",
        evidence=[*_base_evidence(view, service, selector), *pod_state_evidence(pods)],
        pods=pods,
        related=workloads,
        fix=Fix(
            "Fix the cause reported for the pods; the Service gets endpoints as soon as one of "
            "them is Ready.",
            commands=(
                f"kubectl get endpoints {service.name} -n {service.namespace}",
                f"kubectl get pods -n {service.namespace} -l {_selector_text(selector)}",
            ),
        ),
        outcome="The pods become Ready and appear in the Service's endpoints.",
    )


def _no_pods(
    view: ClusterView, service: KObject, selector: Mapping[str, str], provider: LabelSource
) -> Finding:
    workload = view.get(provider.ref.kind, provider.ref.namespace, provider.ref.name)
    scaled_down = isinstance(workload, Workload) and workload.replicas == 0
    evidence = _base_evidence(view, service, selector)
    if isinstance(workload, Workload):
        replicas = f"spec.replicas {workload.replicas}"
        evidence.append(Evidence(replicas, EvidenceSource.SPEC, location(workload, "spec")))
    reason = (
        "is scaled to zero replicas"
        if scaled_down
        else "has no running pod (see its own findings for why)"
    )
    return _finding(
        view,
        service,
        severity=Severity.LOW if scaled_down else Severity.HIGH,
        summary=f"Service {service.name} has no endpoints: {provider.ref} {reason}",
        root_cause=f"Selector {_selector_text(selector)} matches the {provider.description}, "
        f"but {provider.ref} {reason}, so the Service has no endpoints.",
        evidence=evidence,
        related=(provider.ref,),
        fix=Fix(
            f"Scale {provider.ref} up if the Service should serve."
            if scaled_down
            else f"Fix why {provider.ref} has no pods.",
            commands=(
                f"kubectl scale {provider.ref.kubectl_ref} --replicas=1"
                if scaled_down
                else f"kubectl describe {provider.ref.kubectl_ref}",
            ),
        ),
        outcome="Pods of the workload run and appear in the Service's endpoints.",
    )


def _manual_endpoints(view: ClusterView, service: KObject) -> Finding | None:
    """A selector-less Service is fed by hand; only an existing but empty Endpoints is wrong."""
    endpoints = view.get("Endpoints", service.namespace, service.name)
    if endpoints is None or _addresses(endpoints):
        return None
    return _finding(
        view,
        service,
        severity=Severity.MEDIUM,
        summary=f"Service {service.name} has no selector and its Endpoints list no address",
        root_cause=f"Service {service.ref} has no selector, so Kubernetes does not manage its "
        f"endpoints; the Endpoints object {service.name} that feeds it lists no ready address, "
        "so connections to it fail.",
        evidence=[
            Evidence(
                "no spec.selector: endpoints are managed by hand",
                EvidenceSource.SPEC,
                location(service, "spec.selector"),
            ),
            Evidence("no ready addresses", EvidenceSource.RELATED, location(endpoints, "subsets")),
        ],
        fix=Fix(
            "Fill the Endpoints with the backend's addresses (or give the Service a selector), "
            "or point clients elsewhere.",
            commands=(f"kubectl get endpoints {service.name} -n {service.namespace} -o yaml",),
        ),
        outcome="The Endpoints list the backend addresses and connections succeed.",
    )


def _finding(
    view: ClusterView,
    service: KObject,
    *,
    severity: Severity,
    summary: str,
    root_cause: str,
    evidence: Sequence[Evidence],
    fix: Fix,
    outcome: str,
    related: Sequence[ObjectRef] = (),
    pods: Sequence[Pod] = (),
) -> Finding:
    """A finding on the Service itself, dated from its creation."""
    return workload_finding(
        view,
        service,
        id=ID,
        analyzer=NAME,
        severity=severity,
        category=Category.SERVICE_NO_ENDPOINTS,
        summary=summary,
        root_cause=root_cause,
        evidence=evidence,
        pods=pods,
        since=service.created_at,
        related=related,
        own=True,
        remediation=fix.remediation(outcome),
    )


ANALYZER = Analyzer(
    name=NAME,
    description="Services whose selector reaches no ready pod: selector mismatch, unready "
    "pods, no pods, or empty manual Endpoints.",
    categories=(Category.SERVICE_NO_ENDPOINTS,),
    analyze=analyze,
)
