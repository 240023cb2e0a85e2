"""Init containers that fail or never finish, holding the whole pod back.

A pod shows ``Init:CrashLoopBackOff`` or sits at ``Init:0/1`` and its app containers wait
in PodInitializing. The cause is in the init container: a crash (read with the same
classification as app crashes) or a wait-for loop whose dependency never appears — then the
useful answer names that dependency and whether its Service exists at all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta

from kubemedic._internal.timeutils import human_duration
from kubemedic.analyzers._build import (
    event_evidence,
    log_evidence,
    matching_events,
    pod_finding,
    related_evidence,
    spec_evidence,
    status_evidence,
)
from kubemedic.analyzers._crash import Crash, diagnose_container
from kubemedic.analyzers._crash_case import CrashCase
from kubemedic.analyzers._crash_evidence import crash_evidence
from kubemedic.analyzers._crash_fix import crash_remediation
from kubemedic.analyzers._crashing import CRASH_WAITING, failed_elsewhere, restarted_long_ago
from kubemedic.analyzers._dependency import Dependency, dependency
from kubemedic.analyzers._init_hold import hold_evidence, hold_sentence
from kubemedic.analyzers._registry import Analyzer
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView, LogTail
from kubemedic.models.findings import Evidence, Finding, Remediation
from kubemedic.models.k8s import ContainerSpec, ContainerStatus, Event, Pod, dig
from kubemedic.models.severity import RiskTier, Severity

ID = "KM-POD-INIT-CONTAINER-FAILURE"
LOOPING_AFTER = timedelta(minutes=3)
"""A wait-for loop (a polled host, or the same log line over and over) this old is stuck."""

STUCK_AFTER = timedelta(minutes=15)
"""Any init container still running after this long is stuck, whatever it does."""

_LOOP_REPEATS = 3
_WAIT_TARGETS = (
    re.compile(r"\bnslookup\s+(?P<host>[\w.-]+)"),
    re.compile(r"\bgetent\s+hosts\s+(?P<host>[\w.-]+)"),
    re.compile(r"\bnc\s+(?:-\w+\s+)*(?P<host>[a-zA-Z][\w.-]*)\s+(?P<port>\d+)"),
    re.compile(r"\bpg_isready\b.*?-h\s+(?P<host>[\w.-]+)(?:.*?-p\s+(?P<port>\d+))?"),
    re.compile(r"\b(?:wget|curl)\b.*?https?://(?P<host>[\w.-]+)(?::(?P<port>\d+))?"),
    re.compile(r"(?:wait-for(?:-it)?(?:\.sh)?|tcp://)\s*(?P<host>[\w.-]+):(?P<port>\d+)"),
)
_NAMESPACE_FILE = re.compile(
    r"\$\(\s*cat\s+/var/run/secrets/kubernetes\.io/serviceaccount/namespace\s*\)"
    r"|`\s*cat\s+/var/run/secrets/kubernetes\.io/serviceaccount/namespace\s*`"
)
_VARIABLE = re.compile(r"\$\{(\w+)\}|\$(\w+)")


def analyze(view: ClusterView) -> Iterator[Finding]:
    for pod in view.troubled_pods:
        if pod.deletion_timestamp is not None or not pod.init_containers or failed_elsewhere(pod):
            continue
        held = _held_at(pod)
        if held is None:
            continue
        if _init_failed(view, held.status):
            crash = diagnose_container(view, pod, held.status)
            if crash is not None:
                yield _crash_finding(view, held, crash)
        elif held.status.state.is_running:
            wait = _wait(view, pod, held.spec, held.status)
            if wait.stuck:
                yield _stuck_finding(view, held, wait)


@dataclass(frozen=True, slots=True)
class _HeldAt:
    """The init container a pod is held at: the ``index``-th, with its spec and status."""

    pod: Pod
    index: int
    spec: ContainerSpec
    status: ContainerStatus

    @property
    def display(self) -> str:
        """What ``kubectl get pods`` shows in STATUS for the pod."""
        term = self.status.state.terminated
        if term is not None:
            if term.reason:
                return f"Init:{term.reason}"
            if term.signal:
                return f"Init:Signal:{term.signal}"
            return f"Init:ExitCode:{term.exit_code}"
        waiting = self.status.state.waiting_reason
        if waiting and waiting != "PodInitializing":
            return f"Init:{waiting}"
        return f"Init:{self.index}/{len(self.pod.init_containers)}"


def _held_at(pod: Pod) -> _HeldAt | None:
    """The first init container that has not completed (native sidecars count once started)."""
    for index, spec in enumerate(pod.init_containers):
        status = pod.container_status(spec.name)
        if status is None:
            return None
        if spec.restart_policy == "Always":
            if status.started or status.state.is_running:
                continue
            return None  # a sidecar that does not start is reported as a crash of a container
        done = status.state.terminated
        if done is not None and done.exit_code == 0:
            continue
        return _HeldAt(pod, index, spec, status)
    return None


def _init_failed(view: ClusterView, status: ContainerStatus) -> bool:
    """Failed, backing off, or running again after a recent failure (OOM kills excepted)."""
    term = status.last_termination
    if term is None:  # a status pasted without its lastState still shows the back-off
        return status.state.waiting_reason in CRASH_WAITING
    if term.reason == "OOMKilled":
        return False  # the oomkilled analyzer reports it
    if status.state.waiting_reason in CRASH_WAITING:
        return True
    if status.state.is_running:
        return term.exit_code != 0 and not restarted_long_ago(view, status)
    return status.state.terminated is not None and term.exit_code != 0


@dataclass(frozen=True, slots=True)
class _Wait:
    """What a running init container is doing: for how long, polling what, logging what."""

    waited: timedelta | None
    target: str
    tail: LogTail | None
    last_line: str
    repeats: int

    @property
    def stuck(self) -> bool:
        if self.waited is None:
            return False
        looping = bool(self.target) or self.repeats >= _LOOP_REPEATS
        return self.waited >= STUCK_AFTER or (looping and self.waited >= LOOPING_AFTER)


def _wait(view: ClusterView, pod: Pod, spec: ContainerSpec, status: ContainerStatus) -> _Wait:
    since = status.state.running_since
    tails = view.log_tails(pod.namespace, pod.name, spec.name)
    current = next((t for t in tails if t.previous is not True), None)
    lines = current.lines if current else ()
    last = next((line.strip() for line in reversed(lines) if line.strip()), "")
    return _Wait(
        waited=view.observed_at - since if since else None,
        target=wait_target(spec, pod.namespace),
        tail=current,
        last_line=last,
        repeats=sum(1 for line in lines if line.strip() == last) if last else 0,
    )


def _crash_finding(view: ClusterView, held: _HeldAt, crash: Crash) -> Finding:
    pod, spec, status, display = held.pod, held.spec, held.status, held.display
    events = matching_events(view, pod, ("BackOff", "Failed"), container=spec.name)
    cause = (
        f"Pod {pod.name} is stuck at {display}: init container {spec.name} fails. "
        f"{hold_sentence(pod, spec.name)} {crash.explanation}"
    )
    if status.restart_count:
        cause += f" It has been retried {status.restart_count} times."
    remediation = crash_remediation(CrashCase(crash, pod, spec, view.workload_of(pod), view=view))
    return _finding(
        view,
        held,
        summary=f"Init container {spec.name} fails ({crash.headline}); pod stuck at {display}",
        root_cause=cause,
        evidence=[
            *crash_evidence(view, pod, status, crash),
            *map(event_evidence, events[-1:]),
            *hold_evidence(pod),
        ],
        events=events,
        remediation=replace(
            remediation,
            expected_outcome=f"Init container {spec.name} completes with exit 0, the next init "
            "step or the app containers start, and the pod leaves the Init state.",
        ),
    )


def _stuck_finding(view: ClusterView, held: _HeldAt, wait: _Wait) -> Finding:
    pod, spec, status, display = held.pod, held.spec, held.status, held.display
    waited = human_duration(wait.waited.total_seconds()) if wait.waited else "long"
    target = wait.target
    evidence: list[Evidence] = [
        status_evidence(pod, status, "state.running", f"running for {waited}, not finished"),
        spec_evidence(
            pod,
            f"spec.initContainers[{spec.name}].command",
            f"runs: {' '.join(spec.command + spec.args)}",
        ),
    ]
    if wait.tail is not None and wait.last_line:
        evidence.append(log_evidence(pod, spec.name, wait.tail, wait.last_line))
    evidence += hold_evidence(pod)
    cause = (
        f"Pod {pod.name} is stuck at {display}: init container {spec.name} has been running for "
        f"{waited} without finishing. {hold_sentence(pod, spec.name)}"
    )
    if wait.last_line:
        times = f" (repeated {wait.repeats} times in the log tail)" if wait.repeats > 1 else ""
        cause += f' Its current log says "{wait.last_line}"{times}.'
    found = dependency(view, target, pod.namespace) if target else None
    advice = f"Find what {spec.name} waits for and make it available"
    commands: tuple[str, ...] = ()
    if found is not None:
        evidence.append(related_evidence(found.location, found.fact))
        cause += f" It waits for {target}: {found.fact}."
        advice = _dependency_advice(found, target)
        commands = (found.check_command,)
    return _finding(
        view,
        held,
        summary=f"Init container {spec.name} never finishes"
        + (f" waiting for {target}" if target else "")
        + f"; pod stuck at {display}",
        root_cause=cause,
        evidence=evidence,
        remediation=Remediation(
            summary=f"{advice}; the pod continues by itself once {spec.name} exits 0.",
            risk=RiskTier.LOW,
            reversible=True,
            expected_outcome=f"{spec.name} exits 0, the pod leaves {display} and its app "
            "containers start.",
            steps=(
                f"Follow the wait loop: kubectl logs {pod.name} -n {pod.namespace} -c "
                f"{spec.name} -f",
                "Give the wait loop a timeout (and a clear message) so the pod fails visibly "
                "instead of waiting forever.",
            ),
            commands=commands,
        ),
    )


def _finding(
    view: ClusterView,
    held: _HeldAt,
    *,
    summary: str,
    root_cause: str,
    evidence: Sequence[Evidence],
    remediation: Remediation,
    events: Sequence[Event] = (),
) -> Finding:
    """A finding about the init container a pod is held at."""
    return pod_finding(
        view,
        held.pod,
        id=ID,
        analyzer="init_container",
        severity=Severity.HIGH,
        category=Category.INIT_CONTAINER_FAILURE,
        containers=[held.spec.name],
        summary=summary,
        root_cause=root_cause,
        evidence=evidence,
        remediation=remediation,
        events=events,
    )


def _dependency_advice(found: Dependency, target: str) -> str:
    if found.missing:
        host = target.rsplit(":", 1)[0]
        return (
            f"Create Service {found.name} in namespace {found.namespace} (deploy the dependency), "
            f"or fix the host name {host} in the init command"
        )
    if found.problem:
        return f"Start or fix the pods behind Service {found.name} (none of them is ready)"
    return f"Check that {target} answers the way the wait loop expects"


def _expanded(script: str, spec: ContainerSpec, namespace: str) -> str:
    """The script with what the pod itself determines filled in.

    Wait loops build host names such as ``myservice.$(cat .../serviceaccount/namespace)`` or
    ``db.$POD_NAMESPACE.svc``: the service-account mount holds the pod's namespace, and the
    container's env sets literal values or the namespace through the downward API.
    """
    values: dict[str, str] = {}
    for env in spec.env:
        name = str(env.get("name") or "")
        if "value" in env:
            values[name] = str(env["value"])
        elif dig(env, "valueFrom", "fieldRef", "fieldPath") == "metadata.namespace":
            values[name] = namespace
    script = _NAMESPACE_FILE.sub(namespace, script)
    return _VARIABLE.sub(lambda m: values.get(m.group(1) or m.group(2), m.group(0)), script)


def wait_target(spec: ContainerSpec, namespace: str) -> str:
    """The host (and port) a wait-for loop polls, from its command.

    A host cut short by an expansion the pod does not determine (``kafka.$DOMAIN``) is no
    target: the part before it could name a Service or an external host.
    """
    script = _expanded(" ".join(spec.command + spec.args), spec, namespace)
    for pattern in _WAIT_TARGETS:
        found = pattern.search(script)
        if found:
            host = found.group("host")
            if host.endswith("."):
                return ""
            port = found.groupdict().get("port")
            return f"{host}:{port}" if port else host
    return ""


ANALYZER = Analyzer(
    name="init_container",
    description="Init containers that crash or never finish, holding their pod in Init.",
    categories=(Category.INIT_CONTAINER_FAILURE,),
    analyze=analyze,
)
