"""Which pod lacks the request an HPA's utilization target is a percentage of.

The HPA controller does not read the target's template: it lists every pod the target's label
selector picks in the namespace and sums their requests, so one pod without the request blinds
it. That pod is usually the template's own (a container declared without it), but it can be a
stranger wearing the same labels — a finished Helm test pod, a debug copy — while the
template is fine; then the fix is to remove the stranger, not to touch the workload.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubemedic.analyzers._build import pod_location
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence, EvidenceSource, ObjectRef
from kubemedic.models.k8s import Pod, Workload, dig

DEFAULT_REQUESTS = {"cpu": "100m", "memory": "128Mi"}
# "missing request for cpu in container app of Pod app-7d9c-x" (older controllers stop after
# the resource name).
MISSING_REQUEST = re.compile(
    r"missing request for (?P<resource>\w+)"
    r'(?: in container "?(?P<container>[^"\s]+)"? of Pod "?(?P<pod>[^"\s]+)"?)?'
)
_HELM_HOOK = "helm.sh/hook"


@dataclass(frozen=True, slots=True)
class MetricsVerdict:
    cause: str
    fix: str
    commands: tuple[str, ...]
    evidence: tuple[Evidence, ...] = ()


def missing_request(
    view: ClusterView, target: ObjectRef, match: re.Match[str], said: str
) -> MetricsVerdict:
    """The containers to give a request, or the stray pods to remove."""
    resource, container = match["resource"], match["container"]
    workload = view.get(target.kind, target.namespace, target.name)
    lacking = [container] if container else []
    if isinstance(workload, Workload):
        in_template = _lacking(dig(workload.pod_template, "spec", "containers"), resource)
        if in_template:
            lacking = in_template
        elif strays := _strays(view, workload, resource):
            return _stray_verdict(workload, strays, resource, said)
    value = DEFAULT_REQUESTS.get(resource, "100m")
    commands = tuple(
        f"kubectl set resources {target.kubectl_ref} -c {name} --requests={resource}={value}"
        for name in lacking
    )
    who = f"container {container} of pod {match['pod']}" if container else "a container"
    listed = ", ".join(lacking) or "none in the input: list the pods its selector picks"
    if not lacking and isinstance(workload, Workload):
        commands = (_pods_command(workload, resource),)
    return MetricsVerdict(
        cause=f"{said} A {resource} utilization target is a percentage of the {resource} "
        f"request, and {who} declares none (containers without a {resource} request in "
        f"{target}: {listed}). This is a configuration error: the HPA stays blind until the "
        "request is declared.",
        fix=f"Declare a {resource} request on every container of {target}, sidecars included "
        f"({value} is a starting point: use the container's real usage).",
        commands=commands,
    )


def _lacking(containers: object, resource: str) -> list[str]:
    if not isinstance(containers, Sequence):
        return []
    return [
        str(c.get("name"))
        for c in containers
        if isinstance(c, Mapping) and dig(c, "resources", "requests", resource) is None
    ]


def _strays(view: ClusterView, workload: Workload, resource: str) -> list[tuple[Pod, list[str]]]:
    """Pods the workload's selector picks that it does not own, with their containers lacking
    the request (only a plain ``matchLabels`` selector is evaluated)."""
    labels = _match_labels(workload.selector)
    if not labels:
        return []
    owned = {p.name for p in view.pods_of(workload)}
    strays = []
    for pod in view.pods:
        if pod.namespace != workload.namespace or pod.name in owned:
            continue
        if any(pod.labels.get(key) != value for key, value in labels.items()):
            continue
        if lacking := _lacking(pod.spec.get("containers"), resource):
            strays.append((pod, lacking))
    return strays


def _match_labels(selector: Mapping[str, Any]) -> dict[str, str]:
    labels = selector.get("matchLabels")
    if selector.get("matchExpressions") or not isinstance(labels, Mapping):
        return {}
    return {str(k): str(v) for k, v in labels.items()}


def _stray_verdict(
    workload: Workload, strays: Sequence[tuple[Pod, list[str]]], resource: str, said: str
) -> MetricsVerdict:
    selector = _selector_text(workload)
    listed = "; ".join(
        f"pod {pod.name} ({pod.phase or 'phase unknown'}, container {', '.join(lacking)})"
        for pod, lacking in strays
    )
    hooks = [pod.name for pod, _ in strays if _HELM_HOOK in pod.annotations]
    fix = (
        f"Delete the pods that wear the labels of {workload.ref} without belonging to it, or "
        "give them labels its selector does not pick."
    )
    if hooks:
        fix += (
            f" {', '.join(hooks)} is a Helm hook: set the annotation "
            "helm.sh/hook-delete-policy: hook-succeeded on it in the chart, so it is deleted "
            "after the test instead of staying behind."
        )
    return MetricsVerdict(
        cause=f"{said} A {resource} utilization target is a percentage of the {resource} "
        f"request. Every container of {workload.ref} declares one, but the HPA sums the "
        f"requests of every pod the selector of its target picks ({selector}), and pods that "
        f"are not part of {workload.ref} carry those labels without a {resource} request: "
        f"{listed}. While they exist the HPA cannot compute the utilization.",
        fix=fix,
        commands=tuple(
            f"kubectl delete pod {pod.name} -n {pod.namespace}" for pod, _ in strays[:3]
        ),
        evidence=tuple(
            Evidence(
                f"labels {selector} but no owner in {workload.ref}; no {resource} request on "
                f"container {', '.join(lacking)}",
                EvidenceSource.SPEC,
                pod_location(pod, "metadata.labels, spec.containers[*].resources"),
            )
            for pod, lacking in strays[:3]
        ),
    )


def _selector_text(workload: Workload) -> str:
    return ",".join(f"{k}={v}" for k, v in _match_labels(workload.selector).items())


def _pods_command(workload: Workload, resource: str) -> str:
    """Every pod the HPA counts, with the request of each of its containers."""
    columns = f"NAME:.metadata.name,REQUEST:.spec.containers[*].resources.requests.{resource}"
    selector = _selector_text(workload)
    pick = f" -l {selector}" if selector else ""
    return f"kubectl get pods -n {workload.namespace}{pick} -o custom-columns={columns}"
