"""The safety net: a pod that visibly fails gets a finding even when no analyzer knows why.

Every other analyzer recognises a mechanism; a failure none of them knows (a new waiting
reason, a non-zero exit with an empty log, a pod not Ready without probe events) would end in
"No problems found". This one reads only what a person sees in ``kubectl get pods`` and
``kubectl describe pod`` — a container waiting for a failure reason, a non-zero exit, phase
Failed or Unknown, Ready=False for longer than the probes allow, Warning events of the last
hour — and reports those signals with the commands that show more. It is a fallback: the
diagnose service keeps its findings only for pods that no other finding covers.

What is not a failure stays quiet: pods being deleted (``terminating`` owns them), finished
pods and the pods of a Job that completed, restarts and warnings from before a pod became
Ready. Warnings a Ready pod logged since are context (``info``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from kubemedic._internal.timeutils import format_time
from kubemedic.analyzers._build import event_evidence, log_evidence, pod_finding, status_evidence
from kubemedic.analyzers._config_refs import ConfigRef, pod_config_refs
from kubemedic.analyzers._failure_signals import (
    WINDOW,
    Signal,
    container_signals,
    current_warnings,
    failure_signals,
    recent_warnings,
    recent_warnings_about,
    row_evidence,
    termination_fact,
)
from kubemedic.analyzers._log_rules import classify_line
from kubemedic.analyzers._registry import Analyzer, Covered
from kubemedic.analyzers._workload import plural
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence, EvidenceSource, Finding, ObjectRef, Remediation
from kubemedic.models.k8s import ContainerStatus, Event, Pod
from kubemedic.models.severity import RiskTier, Severity
from kubemedic.models.table_status import (
    failing_table_status,
    from_row,
    log_flags,
    row_only,
)

ID = "KM-POD-UNKNOWN"
WARNINGS_ID = "KM-POD-WARNING-EVENTS"
NAME = "unknown"
_SHOWN_WARNINGS = 3
_PULL = (
    "{}: the image could not be pulled; the pod's Failed event gives the registry's answer "
    "(no such image or tag, unauthorized, unreachable)."
)
_MEANINGS = {
    "CreateContainerConfigError": "CreateContainerConfigError: the kubelet could not assemble "
    "the container's configuration; most often a ConfigMap or Secret, or a key in one, that "
    "its env or envFrom names does not exist (the pod's Failed event names it), or "
    "runAsNonRoot refuses the image's user.",
    "CreateContainerError": "CreateContainerError: the container runtime refused to create "
    "the container; the pod's Failed event gives its error.",
    "CrashLoopBackOff": "CrashLoopBackOff: the container keeps exiting; its Last State (exit "
    "code, reason) and its previous log say why.",
    "OOMKilled": "OOMKilled: the container used more memory than its limit and the kernel "
    "killed it; the description shows which container and its limit: raise the limit, or "
    "find what grows.",
    "ErrImagePull": _PULL.format("ErrImagePull"),
    "ImagePullBackOff": _PULL.format("ImagePullBackOff"),
}
"""Steps for reasons a person may see without the details that name the cause."""
_EVENT_RUNBOOKS = {
    "FailedScheduling": "the docs/runbooks/scheduling.*.md page of the blocker it counts most "
    "nodes for (taints, node selector or affinity, resources, unbound claims) says what to "
    "change.",
    "Evicted": "the docs/runbooks/evicted.*.md page of the resource the node ran low on says "
    "what to change.",
}
"""Where the fix for what an event about a pod not in the input reports is described."""


def analyze(view: ClusterView) -> Iterator[Finding]:
    return analyze_uncovered(view, frozenset())


def analyze_uncovered(view: ClusterView, covered: Covered) -> Iterator[Finding]:
    """The findings about pods other than ``covered`` (which the diagnose service would drop)."""
    for pod in _candidates(view):
        if (pod.namespace, pod.name) in covered:
            continue
        if pod.deletion_timestamp is not None or pod.phase == "Succeeded":
            continue
        if view.of_completed_job(pod) or _replica_explained(view, pod, covered):
            continue
        finding = _finding(view, pod)
        if finding is not None:
            yield finding
    for ref in _absent_pods(view):
        warnings = recent_warnings_about(view, ref)
        if warnings and (ref.namespace, ref.name) not in covered:
            yield _absent_finding(view, ref, warnings)


def _replica_explained(view: ClusterView, pod: Pod, covered: Covered) -> bool:
    """A pod known only from a pods table whose workload has a replica another finding
    explains: the table's word is most likely that replica's failure, not a new one."""
    if not row_only(pod):
        return False
    siblings = view.pods_of(view.workload_of(pod))
    return any((p.namespace, p.name) in covered for p in siblings if p is not pod)


def _candidates(view: ClusterView) -> list[Pod]:
    """Troubled pods, plus pods that look healthy but have Warning events."""
    pods = list(view.troubled_pods)
    seen = {(p.namespace, p.name) for p in pods}
    for event in view.of_kind("Event", Event):
        raw = event.raw  # read raw: this runs for every event of the cluster
        if raw.get("type") != "Warning":
            continue
        involved = raw.get("involvedObject") or raw.get("regarding") or {}
        key = (involved.get("namespace") or "", involved.get("name") or "")
        if involved.get("kind") != "Pod" or key in seen:
            continue
        seen.add(key)
        pod = view.get("Pod", *key)
        if isinstance(pod, Pod):
            pods.append(pod)
    return pods


def _absent_pods(view: ClusterView) -> list[ObjectRef]:
    """Pods that recent Warning events are about, when the input holds no pod at all (events
    alone were given). Where pods are given, one missing from them was most likely deleted
    since (a rollout's old replica, a namespace emptied): history, not a finding."""
    if view.pods:
        return []
    horizon = view.observed_at - WINDOW
    found: dict[ObjectRef, None] = {}
    for event in view.of_kind("Event", Event):
        raw = event.raw
        involved = raw.get("involvedObject") or raw.get("regarding") or {}
        namespace = involved.get("namespace") or ""
        if raw.get("type") != "Warning" or involved.get("kind") != "Pod":
            continue
        ref = ObjectRef("Pod", involved.get("name") or "", namespace)
        if not ref.name or (event.last_seen is not None and event.last_seen < horizon):
            continue
        if not view.knows("Pod", namespace):
            found.setdefault(ref)
    return list(found)


def _finding(view: ClusterView, pod: Pod) -> Finding | None:
    signals = failure_signals(view, pod)
    if signals:
        return _failure_finding(view, pod, signals, recent_warnings(view, pod))
    warnings = current_warnings(view, pod)
    return _warnings_finding(view, pod, warnings) if warnings else None


# -- the findings ------------------------------------------------------------------------------


def _failure_finding(
    view: ClusterView, pod: Pod, signals: Sequence[Signal], warnings: Sequence[Event]
) -> Finding:
    statuses = _concerned(pod)
    what = "; ".join(s.text for s in signals)
    return pod_finding(
        view,
        pod,
        id=ID,
        analyzer=NAME,
        severity=Severity.HIGH,
        category=Category.UNKNOWN,
        containers=[s.name for s in statuses if s.name],
        summary=f"Pod {pod.name} fails for a reason kubemedic does not recognise: "
        f"{signals[0].text}",
        root_cause=f"Pod {pod.namespace}/{pod.name} visibly fails ({what}), but no analyzer "
        "recognises the cause. The evidence is what the cluster reports; the pod's "
        "description, its containers' logs and its events usually name the cause.",
        evidence=_evidence(view, pod, signals, statuses, warnings),
        remediation=Remediation(
            summary="Find the cause by hand: describe the pod, read the failing container's "
            "log (the previous instance's after a restart) and the pod's events.",
            risk=RiskTier.TRIVIAL,
            reversible=True,
            expected_outcome="The description, log or events name the cause; once it is fixed, "
            "the pod runs and becomes Ready.",
            steps=(
                *_log_says(view, pod),
                *_meanings(pod, statuses),
                *_config_step(pod, statuses),
                "Describe the pod: each container's State and Last State, the Conditions and "
                "the Events section say what Kubernetes tried and what failed.",
                "Read the log of the failing container; the last lines before an exit usually "
                "name the cause.",
                "Look the symptom up in docs/runbooks/unknown.md.",
            ),
            commands=_commands(pod, statuses, _config_read(pod, statuses)),
        ),
        events=warnings,
    )


def _warnings_finding(view: ClusterView, pod: Pod, warnings: Sequence[Event]) -> Finding:
    """Warnings on a pod that serves, or that is still within its start-up allowance: context."""
    ready = pod.condition("Ready")
    reasons = ", ".join(dict.fromkeys(e.reason for e in reversed(warnings)))
    if ready is not None and ready.is_true:
        when = f" at {format_time(ready.last_transition)}" if ready.last_transition else ""
        state, now = "is Ready", f"became Ready{when} and serves"
    else:
        state, now = "is still starting", "is not Ready yet but within what its start-up allows"
    return pod_finding(
        view,
        pod,
        id=WARNINGS_ID,
        analyzer=NAME,
        severity=Severity.INFO,
        category=Category.UNKNOWN,
        containers=(),
        summary=f"Pod {pod.name} {state} and reports Warning events: {reasons}",
        root_cause=f"Pod {pod.namespace}/{pod.name} {now}; no analyzer recognises these Warning "
        "events as a failure. Nothing has failed so far.",
        evidence=_event_lines(warnings),
        remediation=Remediation(
            summary="Nothing to fix while the pod runs; read the warnings if they keep coming.",
            risk=RiskTier.TRIVIAL,
            reversible=True,
            expected_outcome="The warnings stop, or their message names what to change.",
            commands=_commands(pod, ()),
        ),
        events=warnings,
    )


def _absent_finding(view: ClusterView, ref: ObjectRef, warnings: Sequence[Event]) -> Finding:
    """What the events say about a pod the input does not hold, and nothing more."""
    latest = warnings[-1]
    reasons = ", ".join(dict.fromkeys(e.reason for e in reversed(warnings)))
    pod = Pod({"kind": "Pod", "metadata": {"name": ref.name, "namespace": ref.namespace}})
    return pod_finding(
        view,
        pod,
        id=ID,
        analyzer=NAME,
        severity=Severity.MEDIUM,
        category=Category.UNKNOWN,
        containers=(),
        summary=f"Events report {reasons} for pod {ref.name}, which is not in the input: "
        f"{latest.message}",
        root_cause=f"Warning events are about {ref}, but the input "
        "holds no such pod, so its state now is unknown: it may still fail, or have been "
        f"deleted or replaced since. The latest says {latest.reason}: {latest.message}",
        evidence=_event_lines(warnings),
        remediation=Remediation(
            summary="Look at the pod (or the replica that replaced it) and act on what the "
            "events name.",
            risk=RiskTier.TRIVIAL,
            reversible=True,
            expected_outcome="The pod, or its replacement, runs and the warnings stop.",
            steps=(
                "Get the pod; if it is gone, list its workload's pods: a Deployment or "
                "StatefulSet replaces an evicted or deleted pod.",
                f"The {latest.reason} event names the cause; "
                + _EVENT_RUNBOOKS.get(
                    latest.reason,
                    "look it up in the runbook of its category (docs/analyzers.md lists them).",
                ),
            ),
            commands=(f"kubectl get {ref.kubectl_ref} -o wide", *_commands(pod, ())),
        ),
        events=warnings,
    )


def _log_says(view: ClusterView, pod: Pod) -> tuple[str, ...]:
    """A step quoting what the log of a pod with unknown containers says went wrong."""
    told = _pod_log_line(view, pod)
    if told is None or classify_line(told.fact) is None:
        return ()
    return (
        f"The pod's log says why it stops: {told.fact!r}. Fix that; its description "
        "(kubectl describe) with this log lets kubemedic name the container and the change.",
    )


def _config_read(pod: Pod, statuses: Sequence[ContainerStatus]) -> list[ConfigRef]:
    """What the env of containers waiting in CreateContainerConfigError reads: the input
    does not hold those objects, so which one (or which key) is missing is not known."""
    waiting = {s.name for s in statuses if s.state.waiting_reason == "CreateContainerConfigError"}
    found: dict[tuple[str, str], ConfigRef] = {}
    for ref in pod_config_refs(pod):
        reader = ref.container.name if ref.container is not None else None
        if reader in waiting and ref.volume is None and not ref.optional:
            found.setdefault((ref.kind, ref.name), ref)
    return list(found.values())


def _config_step(pod: Pod, statuses: Sequence[ContainerStatus]) -> tuple[str, ...]:
    refs = _config_read(pod, statuses)
    if not refs:
        return ()
    read = ", ".join(f"{r.kind} {r.name}" + (f" (key {r.key})" if r.key else "") for r in refs)
    return (
        f"Its env reads {read}: one of them, or a key in one, does not exist in namespace "
        f"{pod.namespace}. kubectl describe shows each one's keys (never a Secret's values) "
        "or says it is not found; create it or fix the reference.",
    )


def _meanings(pod: Pod, statuses: Sequence[ContainerStatus]) -> tuple[str, ...]:
    """What the reasons shown mean, for those that say more than "failed" (a table's word)."""
    words = [s.state.waiting_reason for s in statuses]
    words += [s.last_state.terminated.reason for s in statuses if s.last_state.terminated]
    words.append(failing_table_status(pod).removeprefix("Init:"))
    return tuple(dict.fromkeys(_MEANINGS[w] for w in words if w in _MEANINGS))


def _concerned(pod: Pod) -> tuple[ContainerStatus, ...]:
    """The containers the signals are about: those failing or not ready, else all."""
    statuses = pod.all_container_statuses
    failing = tuple(s for s in statuses if container_signals(pod, s))
    unready = tuple(s for s in pod.container_statuses if not s.ready)
    return failing or unready or statuses


def _evidence(
    view: ClusterView,
    pod: Pod,
    signals: Sequence[Signal],
    statuses: Sequence[ContainerStatus],
    warnings: Sequence[Event],
) -> list[Evidence]:
    evidence = [s.evidence for s in signals]
    for status in statuses:
        last = status.last_state.terminated
        if last is not None:
            evidence.append(
                status_evidence(pod, status, "lastState.terminated", termination_fact(last))
            )
        restarts = f"restarted {plural(status.restart_count, 'time')}"
        if status.restart_count and from_row(pod, status):
            evidence.append(row_evidence(pod, "RESTARTS", restarts))
        elif status.restart_count:
            evidence.append(status_evidence(pod, status, "restartCount", restarts))
        if not status.name:
            continue  # its log is the pod's: _pod_log_line quotes it
        tail = view.crash_log(pod.namespace, pod.name, status.name)
        lines = [line for line in tail.lines if line.strip()] if tail is not None else []
        if tail is not None and lines:
            evidence.append(log_evidence(pod, status.name, tail, lines[-1]))
    told = _pod_log_line(view, pod)
    if told is not None:
        evidence.append(told)
    shown = set(evidence)
    return evidence + [e for e in _event_lines(warnings) if e not in shown]


def _pod_log_line(view: ClusterView, pod: Pod) -> Evidence | None:
    """For a pod whose containers are unknown (a pods table row), the line of its log that
    states a cause (else its last line): the log names the pod, not a container."""
    tail = view.crash_log(pod.namespace, pod.name, "") if row_only(pod) else None
    lines = [line for line in tail.lines if line.strip()] if tail is not None else []
    if tail is None or not lines:
        return None
    told = next((line for line in reversed(lines) if classify_line(line)), lines[-1])
    where = f"{tail.instance} of {pod.namespace}/{pod.name} ({tail.source})"
    return Evidence(told.strip(), EvidenceSource.LOG, where)


def _event_lines(warnings: Sequence[Event]) -> list[Evidence]:
    """The latest Warning event of each reason, newest first (a few)."""
    latest: dict[str, Event] = {}
    for event in reversed(warnings):
        latest.setdefault(event.reason, event)
    return [event_evidence(e) for e in list(latest.values())[:_SHOWN_WARNINGS]]


def _commands(
    pod: Pod, statuses: Sequence[ContainerStatus], read: Sequence[ConfigRef] = ()
) -> tuple[str, ...]:
    """describe, the logs that exist (``--previous`` only after a restart), the pod's events
    (and the ConfigMaps and Secrets the env of a container that cannot be configured reads)."""
    ref = ObjectRef("Pod", pod.name, pod.namespace).kubectl_ref
    namespace = f" -n {pod.namespace}" if pod.namespace else ""
    commands = [f"kubectl describe {ref}"]
    commands += [f"kubectl describe {r.kind.lower()} {r.name}{namespace}" for r in read]
    for status in statuses:
        if status.restart_count or status.last_state.terminated is not None:
            commands.append(f"kubectl logs {ref}{log_flags(status)} --previous")
        elif status.state.is_running or status.state.terminated is not None:
            commands.append(f"kubectl logs {ref}{log_flags(status)}")
    commands.append(
        f"kubectl get events{namespace} --field-selector "
        f"involvedObject.kind=Pod,involvedObject.name={pod.name}"
    )
    return tuple(commands)


ANALYZER = Analyzer(
    name=NAME,
    description="Pods that visibly fail for a reason no other analyzer recognises: the raw "
    "signals and the commands that show more (a fallback, for pods no other finding covers).",
    categories=(Category.UNKNOWN,),
    analyze=analyze,
    fallback=True,
    analyze_uncovered=analyze_uncovered,
)
