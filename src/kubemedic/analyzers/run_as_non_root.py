"""Containers refused because ``runAsNonRoot`` is set but nothing proves a non-root user.

With ``runAsNonRoot: true`` the kubelet checks the user before starting the container: an
image that runs as root, an image whose USER is a name rather than a number, or an explicit
``runAsUser: 0`` all end in CreateContainerConfigError. The fix is a numeric ``runAsUser`` the
image can work with (or a non-root image), and the finding says where the policy was set.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from kubemedic.analyzers._build import (
    event_evidence,
    matching_events,
    pod_finding,
    related_evidence,
    spec_evidence,
    status_evidence,
)
from kubemedic.analyzers._registry import Analyzer
from kubemedic.analyzers._template_patch import container_patch, follow_up_steps
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence, Finding, ObjectRef, Remediation
from kubemedic.models.k8s import ContainerSpec, ContainerStatus, Event, Pod
from kubemedic.models.severity import RiskTier, Severity

NAME = "run-as-non-root"
ID = "KM-POD-RUN-AS-NON-ROOT"
NON_ROOT_UID = 10001
_ROOT_IMAGE = "container has runAsNonRoot and image will run as root"
_NAMED_USER = re.compile(r"container has runAsNonRoot and image has non-numeric user \(([^)]*)\)")
_ROOT_UID = "container's runAsUser breaks non-root policy"
# The uid behind user names that well-known base images declare.
_KNOWN_UIDS = {"nobody": 65534, "nonroot": 65532, "nginx": 101, "www-data": 33, "node": 1000}
_UID_PLACEHOLDER = -1
_PSA_ENFORCE = "pod-security.kubernetes.io/enforce"


@dataclass(frozen=True, slots=True)
class _Refusal:
    """Why the kubelet refused one container, and the fix."""

    container: str
    headline: str
    cause: str
    evidence: tuple[Evidence, ...]
    events: tuple[Event, ...]
    summary: str
    steps: tuple[str, ...]
    commands: tuple[str, ...]


def analyze(view: ClusterView) -> Iterator[Finding]:
    for pod in view.troubled_pods:
        if pod.deletion_timestamp is not None:
            continue
        refusals = [
            r
            for status in pod.all_container_statuses
            if status.state.waiting_reason == "CreateContainerConfigError"
            and (r := _refusal(view, pod, status)) is not None
        ]
        if refusals:
            yield _finding(view, pod, refusals)


def _refusal(view: ClusterView, pod: Pod, status: ContainerStatus) -> _Refusal | None:
    spec = pod.container(status.name)
    if spec is None:
        return None
    events = [
        e
        for e in matching_events(view, pod, ("Failed",), container=status.name)
        if "runAsNonRoot" in e.message or "non-root" in e.message
    ]
    message = status.state.waiting_message
    if "non-root" not in message and "runAsNonRoot" not in message:
        message = events[-1].message if events else ""
    named = _NAMED_USER.search(message)
    if _ROOT_IMAGE not in message and _ROOT_UID not in message and named is None:
        return None
    workload = view.workload_of(pod)
    evidence = [
        status_evidence(pod, status, "state.waiting", f"CreateContainerConfigError: {message}"),
        *(event_evidence(e) for e in events[-1:]),
        _policy_evidence(pod, spec),
    ]
    enforced = _restricted_namespace(view, pod, evidence)
    if _ROOT_UID in message:
        return _root_uid(workload, spec, evidence, events, enforced)
    user = named.group(1) if named else "root"
    uid = _KNOWN_UIDS.get(user) if named else NON_ROOT_UID
    find_uid = (
        f"kubectl run uid-check -n {pod.namespace} --rm -i --restart=Never "
        f"--image={spec.image} --command -- id -u {user}"
    )
    if named:
        cause = (
            f"Container {spec.name} must run as non-root, sets no numeric runAsUser, and its "
            f"image {spec.image} declares USER {user} by name: the kubelet cannot tell whether "
            f"{user} is root without a numeric uid, so it refuses to start the container."
        )
        steps = [
            f"Find the uid of {user} in the image: {find_uid}",
            "Set securityContext.runAsUser to that uid (and runAsGroup to its group), or "
            "rebuild the image with a numeric USER (USER <uid>:<gid>)"
            + (": in the patch below, put it in place of <uid>." if uid is None else "."),
        ]
        if uid is not None:
            steps.insert(1, f"In the common base images, user {user} is uid {uid}.")
    else:
        cause = (
            f"Container {spec.name} must run as non-root, sets no runAsUser, and its image "
            f"{spec.image} runs as root (uid 0: no USER, or USER root, in the image), so the "
            "kubelet refuses to start it."
        )
        steps = [
            f"Run it as a non-root uid (e.g. {NON_ROOT_UID}) the image works with: it must be "
            "able to write its directories (use fsGroup or emptyDir volumes) and, unless "
            "allowed, cannot bind ports below 1024.",
            "Or switch to a non-root variant of the image (many publish an -unprivileged or "
            "-nonroot tag).",
        ]
    if enforced:
        cause += (
            f" Namespace {pod.namespace} enforces the restricted Pod Security level, so "
            "runAsNonRoot cannot simply be dropped."
        )
    fields = {"runAsUser": uid if uid is not None else _UID_PLACEHOLDER, "runAsNonRoot": True}
    patch = container_patch(workload, spec, {"securityContext": fields})
    commands = [patch] if patch else []
    if patch and uid is None:
        commands = [find_uid, patch.replace(f'"runAsUser":{_UID_PLACEHOLDER}', '"runAsUser":<uid>')]
    return _Refusal(
        container=spec.name,
        headline=f"image user {user} is not numeric" if named else "the image runs as root",
        cause=cause,
        evidence=tuple(evidence),
        events=tuple(events),
        summary=f"Run container {spec.name} as a numeric non-root user"
        + (f" (runAsUser: {uid})" if uid is not None else "")
        + " or use an image whose USER is a non-root uid.",
        steps=tuple(steps),
        commands=tuple(commands),
    )


def _root_uid(
    workload: ObjectRef,
    spec: ContainerSpec,
    evidence: list[Evidence],
    events: list[Event],
    enforced: bool,
) -> _Refusal:
    cause = (
        f"Container {spec.name} sets runAsUser: 0 (root) while runAsNonRoot is true: the two "
        "contradict each other and the kubelet refuses the container."
    )
    if enforced:
        fields: dict[str, object] = {"runAsUser": NON_ROOT_UID}
        summary = f"Give container {spec.name} a non-zero runAsUser: the namespace requires it."
    else:
        fields = {"runAsNonRoot": False}
        summary = (
            f"Either give container {spec.name} a non-zero runAsUser, or, if it truly needs "
            "root (e.g. an init container that chowns files), set runAsNonRoot: false on it."
        )
    patch = container_patch(workload, spec, {"securityContext": fields})
    return _Refusal(
        container=spec.name,
        headline="it sets runAsUser: 0",
        cause=cause,
        evidence=tuple(evidence),
        events=tuple(events),
        summary=summary,
        steps=(
            "A container-level runAsNonRoot overrides the pod-level one: setting only "
            "runAsUser: 0 on the container does not lift a pod-level runAsNonRoot: true.",
        ),
        commands=(patch,) if patch else (),
    )


def _policy_evidence(pod: Pod, spec: ContainerSpec) -> Evidence:
    """Where runAsNonRoot and runAsUser come from: the container's or the pod's securityContext."""
    group = "initContainers" if spec.is_init else "containers"
    pod_context = pod.spec.get("securityContext") or {}
    facts = []
    for field in ("runAsNonRoot", "runAsUser"):
        if field in spec.security_context:
            facts.append(f"{field}: {_manifest(spec.security_context[field])} (container)")
        elif field in pod_context:
            facts.append(f"{field}: {_manifest(pod_context[field])} (pod securityContext)")
        else:
            facts.append(f"{field} not set")
    return spec_evidence(pod, f"spec.{group}[{spec.name}].securityContext", ", ".join(facts))


def _manifest(value: object) -> str:
    """A value as a manifest writes it (``true``, not ``True``)."""
    return str(value).lower() if isinstance(value, bool) else str(value)


def _restricted_namespace(view: ClusterView, pod: Pod, evidence: list[Evidence]) -> bool:
    namespace = view.get("Namespace", "", pod.namespace)
    level = namespace.labels.get(_PSA_ENFORCE, "") if namespace is not None else ""
    if level:
        evidence.append(
            related_evidence(f"Namespace {pod.namespace}", f"label {_PSA_ENFORCE}={level}")
        )
    return level == "restricted"


def _finding(view: ClusterView, pod: Pod, refusals: list[_Refusal]) -> Finding:
    workload = view.workload_of(pod)
    extra = follow_up_steps(workload, pod)
    containers = [r.container for r in refusals]
    return pod_finding(
        view,
        pod,
        id=ID,
        analyzer=NAME,
        severity=Severity.HIGH,
        category=Category.SECURITY_CONTEXT_RUN_AS_NON_ROOT,
        containers=containers,
        summary="; ".join(
            f"Container {r.container} is refused under runAsNonRoot: {r.headline}" for r in refusals
        ),
        root_cause=" ".join(r.cause for r in refusals),
        evidence=[e for r in refusals for e in r.evidence],
        events=[e for r in refusals for e in r.events],
        remediation=Remediation(
            summary=" ".join(r.summary for r in refusals),
            risk=RiskTier.MEDIUM,
            reversible=True,
            expected_outcome="The kubelet accepts the user on its next retry and starts the "
            "container; check that the application can write its files and bind its ports "
            "as that user.",
            steps=tuple(s for r in refusals for s in r.steps) + extra,
            commands=tuple(c for r in refusals for c in r.commands),
        ),
    )


ANALYZER = Analyzer(
    name=NAME,
    description="Containers refused because runAsNonRoot is set while the image runs as root, "
    "has a non-numeric user, or runAsUser is 0.",
    categories=(Category.SECURITY_CONTEXT_RUN_AS_NON_ROOT,),
    analyze=analyze,
)
