"""A crash of a pod known only from a ``kubectl get pods`` row and its pasted log.

The row says the pod's one app container crash-loops and how often it restarted; the log says
why. Its spec (name, image, command, user, mounts) is not in the input, so the finding says
what the row and the log establish, names what is unknown, and fixes with commands that read
the rest: with one container, ``kubectl logs POD`` and ``.spec.containers[0]`` need no name.
A log that states no cause establishes none: the safety net then reports the row.
"""

from __future__ import annotations

from dataclasses import replace

from kubemedic.analyzers._build import log_evidence, pod_finding
from kubemedic.analyzers._crash import classify_crash, is_decisive, runtime_error
from kubemedic.analyzers._crash_case import CRASH_IDS, ROLLOUT_KINDS
from kubemedic.analyzers._failure_signals import row_evidence
from kubemedic.analyzers._image_rules import known_refusal
from kubemedic.analyzers._log_rules import PHRASES, LogKind
from kubemedic.analyzers._logs import LogSignature
from kubemedic.analyzers._template_patch import recreate_step
from kubemedic.analyzers._workload import plural
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView, LogTail
from kubemedic.models.findings import Evidence, EvidenceSource, Finding, Remediation
from kubemedic.models.k8s import ContainerSpec, ContainerStatus, Pod
from kubemedic.models.severity import RiskTier, Severity
from kubemedic.models.table_status import container_words, log_flags, row_only, table_status

_UNKNOWN = "its image, command, user, resources and volumes are not in the input"
_SPEC = ".spec.containers[0]"
"""The pod's one app container (READY x/1), named or not."""
_NL = '{"\\n"}'


def _fields(*paths: str) -> str:
    return _NL.join(f"{{{path}}}" for path in paths)


_READS: dict[Category, str] = {
    Category.VOLUME_PERMISSION_DENIED: _fields(
        ".spec.securityContext",
        f"{_SPEC}.securityContext",
        f"{_SPEC}.volumeMounts",
        ".spec.volumes",
    ),
    Category.CRASHLOOP_PERMISSION_DENIED: _fields(
        ".spec.securityContext",
        f"{_SPEC}.securityContext",
        f"{_SPEC}.ports",
        f"{_SPEC}.volumeMounts",
    ),
    Category.CRASHLOOP_COMMAND_NOT_FOUND: _fields(
        f"{_SPEC}.image", f"{_SPEC}.command", f"{_SPEC}.args"
    ),
    Category.CRASHLOOP_EXEC_FORMAT: _fields(f"{_SPEC}.image", ".spec.nodeName"),
    Category.CRASHLOOP_APP_ERROR: _fields(
        f"{_SPEC}.image", f"{_SPEC}.env", f"{_SPEC}.envFrom", f"{_SPEC}.volumeMounts"
    ),
}
"""What to read of the pod's spec to act on each kind of cause."""
_CAUSES: dict[Category | LogKind, tuple[str, str]] = {
    Category.VOLUME_PERMISSION_DENIED: (
        "the storage at {subject} refuses it a chown or chmod (NFS root_squash, or a "
        "filesystem another user owns)",
        "Make the volume mounted at {subject} writable for the container's user: fsGroup in "
        "the pod's securityContext for block storage; for NFS-like storage (which refuses even "
        "root's chown under root_squash) the export's owner, or run the container as the user "
        "that owns it and skip the chown.",
    ),
    LogKind.PORT_PERMISSION: (
        "it may not listen on {subject}: ports below 1024 need root or the NET_BIND_SERVICE "
        "capability",
        "Make it listen on a port of 1024 or above (and point the Service's targetPort at it), "
        "or grant it NET_BIND_SERVICE to keep {subject}.",
    ),
    LogKind.FILE_PERMISSION: (
        "it is denied access to {subject}",
        "Give the container's user access to {subject}: if a volume is mounted there (the "
        "first command prints the mounts), make it writable for that user (fsGroup in the "
        "pod's securityContext for block storage, the owner the storage gives for NFS or "
        "hostPath); else mount an emptyDir there (a non-root user cannot write where the "
        "image gives to root).",
    ),
    LogKind.READ_ONLY_FS: (
        "{subject} is on a read-only filesystem",
        "Mount a writable emptyDir or volume at {subject}, or drop "
        "readOnlyRootFilesystem if the image needs to write there.",
    ),
    LogKind.EXEC_PERMISSION: (
        "it may not execute {subject}",
        "Make {subject} executable in the image (chmod +x, or COPY --chmod=755) or start it "
        "through its interpreter; a script mounted from a ConfigMap needs defaultMode 0755.",
    ),
    Category.CRASHLOOP_COMMAND_NOT_FOUND: (
        "the program it runs ({subject}) does not exist in its image",
        "Correct `command`/`args` on the workload so they run a program the image holds.",
    ),
    Category.CRASHLOOP_EXEC_FORMAT: (
        "the binary it starts ({subject}) is built for another CPU architecture than the "
        "node's (exec format error)",
        "Run an image built for the node's CPU architecture (a multi-arch image), or schedule "
        "the pod on nodes of the image's architecture.",
    ),
}
"""Why it exits and what to change, per category (per log kind for a permission refusal)."""
_MORE: dict[Category, tuple[str, ...]] = {
    Category.CRASHLOOP_EXEC_FORMAT: ("kubectl get nodes -L kubernetes.io/arch",),
}
"""Further commands that read what a fix of this kind needs (the nodes' architectures)."""
_NO_SUBJECT: dict[Category | LogKind, str] = {
    Category.CRASHLOOP_EXEC_FORMAT: "its entrypoint",
    Category.CRASHLOOP_COMMAND_NOT_FOUND: "its command",
    LogKind.EXEC_PERMISSION: "its entrypoint",
    LogKind.PORT_PERMISSION: "its port",
}
"""What a line that names no subject is about."""
_APP_FIX = (
    "Fix what the log line names on the workload: its configuration, environment or the "
    "service it needs."
)


def row_crash_finding(view: ClusterView, pod: Pod, status: ContainerStatus) -> Finding | None:
    """The finding of a crash shown by a pods table row, when its log states the cause."""
    tail = view.crash_log(pod.namespace, pod.name, status.name)
    if tail is None:
        return None
    crash = classify_crash(
        ContainerSpec({"name": status.name}),  # all the input says of its spec
        status.last_termination,
        restart_policy=pod.restart_policy,
        log=tail.lines,
        runtime_message=runtime_error(view, pod, status),
    )
    sig = crash.signature
    if sig is None or not is_decisive(sig):
        return None
    category = _category(crash.category, sig)
    word = table_status(pod)
    restarts = _restarts(status)
    why, change = _cause(category, sig)
    root_cause = (
        f"A kubectl get pods row shows pod {pod.namespace}/{pod.name} in {word}{restarts}: "
        f"{container_words(status)} {_ends(status)}, and its log says why: {why}. "
        f'The log says: "{sig.line}".'
        + (f' With: "{sig.context}".' if sig.context else "")
        + f" The row is all the input shows of the pod: {_UNKNOWN}"
        + ("" if status.name else ", nor the container's name")
        + "."
    )
    alike = _same_rows(view, pod)
    if alike:
        root_cause += (
            f" {len(alike)} other pod(s) of its {view.workload_of(pod).kind} show the same row "
            "and no log: most likely the same failure."
        )
    finding = pod_finding(
        view,
        pod,
        id=CRASH_IDS[category],
        analyzer="crashloop",
        severity=Severity.HIGH,
        category=category,
        containers=[status.name] if status.name else [],
        summary=f"Pod {pod.name} {'crash-loops' if status.restart_count else 'failed'}: {why}",
        root_cause=root_cause,
        evidence=_evidence(pod, status, tail, sig) + _alike_evidence(view, pod, alike),
        remediation=_remediation(view, pod, status, category, change),
    )
    return replace(finding, affected=finding.affected + tuple(map(view.affected_pod, alike)))


def _same_rows(view: ClusterView, pod: Pod) -> list[Pod]:
    """The other pods of its workload known from a row alike (same word) and no log: the
    log pasted for one replica is the only one given, and they most likely fail alike."""
    workload = view.workload_of(pod)
    if workload.kind == "Pod":
        return []
    word = table_status(pod)
    return [
        other
        for other in view.pods_of(workload)
        if other is not pod
        and row_only(other)
        and table_status(other) == word
        and not any(
            view.crash_log(other.namespace, other.name, s.name) for s in other.container_statuses
        )
    ]


def _alike_evidence(view: ClusterView, pod: Pod, alike: list[Pod]) -> list[Evidence]:
    if not alike:
        return []
    workload = view.workload_of(pod)
    names = ", ".join(other.name for other in alike)
    fact = f"{table_status(pod)} on {len(alike)} other pod(s), no log pasted: {names}"
    where = f"{workload.kind} {workload.namespace}/{workload.name} (kubectl get pods STATUS)"
    return [Evidence(fact, EvidenceSource.STATUS, where)]


def _category(category: Category, sig: LogSignature) -> Category:
    """A refused chown or chmod (root-only operations) is the storage refusing them: a volume
    permission problem even where the mounts are unknown."""
    if sig.kind is LogKind.FILE_PERMISSION and _root_operation(sig.line):
        return Category.VOLUME_PERMISSION_DENIED
    return category


def _root_operation(line: str) -> bool:
    lowered = line.lower()
    return "operation not permitted" in lowered and any(
        verb in lowered for verb in ("chown", "chmod", "chgrp", "changing ownership")
    )


def _restarts(status: ContainerStatus) -> str:
    count = status.restart_count
    return f", {count} restart{'s' if count > 1 else ''}" if count else ""


def _ends(status: ContainerStatus) -> str:
    return "keeps exiting" if status.restart_count else "exited"


def _cause(category: Category, sig: LogSignature) -> tuple[str, str]:
    """Why the container exits and what to change, in the words of the log's subject."""
    key = sig.kind if category is Category.CRASHLOOP_PERMISSION_DENIED else category
    subject = sig.subject or _NO_SUBJECT.get(key, "the path it names")
    if key in _CAUSES:
        why, change = _CAUSES[key]
        return why.format(subject=subject), change.format(subject=subject)
    refusal = known_refusal(sig.line)
    if refusal is not None:
        return refusal.said(refusal.meaning, sig.line), refusal.said(refusal.fix, sig.line)
    named, unnamed = PHRASES[sig.kind]
    return (named.format(sig.subject) if sig.subject else unnamed), _APP_FIX


def _evidence(
    pod: Pod, status: ContainerStatus, tail: LogTail, sig: LogSignature
) -> list[Evidence]:
    word = table_status(pod)
    evidence = [
        row_evidence(
            pod, "STATUS", f"{word}, READY {int(status.ready)}/1: the pod has one app container"
        ),
    ]
    if status.restart_count:
        evidence.append(
            row_evidence(pod, "RESTARTS", f"restarted {plural(status.restart_count, 'time')}")
        )
    lines = [sig.line] + ([sig.context] if sig.context else [])
    if sig.where:
        lines.append(f"raised at {sig.where}")
    if status.name:
        return evidence + [log_evidence(pod, status.name, tail, line) for line in lines]
    where = f"{tail.instance} of {pod.namespace}/{pod.name} ({tail.source})"
    return evidence + [Evidence(line, EvidenceSource.LOG, where) for line in lines]


def _remediation(
    view: ClusterView, pod: Pod, status: ContainerStatus, category: Category, change: str
) -> Remediation:
    target = f"{pod.name} -n {pod.namespace}"
    reads = _READS.get(category, _READS[Category.CRASHLOOP_APP_ERROR])
    workload = view.workload_of(pod)
    where = recreate_step(workload, pod=pod) or (
        f"Change them on {workload.kind} {workload.name}, which recreates the pod."
    )
    watch = (f"kubectl rollout status {workload.kubectl_ref}",)
    return Remediation(
        summary=change,
        risk=RiskTier.LOW,
        reversible=True,
        expected_outcome="The container keeps running: no new restarts, the pod turns Ready "
        "and its RESTARTS count stops growing.",
        steps=(
            "Read what the row does not show: the first command prints the settings the fix "
            "changes (the pod has one app container, so containers[0] is it).",
            where,
        ),
        commands=(
            f"kubectl get pod {target} -o jsonpath='{reads}'",
            *_MORE.get(category, ()),
            f"kubectl logs {target}{log_flags(status)} --previous --tail=50",
            f"kubectl describe pod {target}",
            *(watch if workload.kind in ROLLOUT_KINDS else ()),
        ),
    )
