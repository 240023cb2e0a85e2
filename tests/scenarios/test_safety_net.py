"""No visibly failing pod is left without a finding, and no healthy one gets more than info.

"Visibly failing" is what a person sees in ``kubectl get pods`` / ``describe``: a container
waiting for a failure reason, a non-zero exit, phase Failed or Unknown, Ready=False for long,
or recent Warning events. Two sweeps check it: every scenario folder, and every combination of
the pod states the model allows (waiting reasons, exit codes, phases, readiness, last
terminations, Warning events, init containers, Job ownership), diagnosed for real.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from kubemedic.adapters.kubernetes.files import load_files
from kubemedic.models.cluster import ClusterView
from kubemedic.models.k8s import Pod
from kubemedic.models.severity import Severity
from kubemedic.services.diagnose import Diagnosis, diagnose

SCENARIOS = Path(__file__).parent
CASES = sorted(p for p in SCENARIOS.iterdir() if (p / "expected.yaml").is_file())
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
LONG = timedelta(minutes=20)
"""Longer than any allowance the safety net gives a pod to become Ready (15 m for an init step)."""
HOUR = timedelta(hours=1)
STARTING = {"", "ContainerCreating", "PodInitializing"}


# -- what a person would call failing or healthy ---------------------------------------------


def visibly_failing(view: ClusterView, pod: Pod) -> bool:
    """The brief's definition, with the two states kubemedic documents as not failing: pods
    being deleted (``terminating`` owns them) and finished pods (Succeeded, or of a Job that
    completed)."""
    if pod.deletion_timestamp or pod.phase == "Succeeded" or view.of_completed_job(pod):
        return False
    if pod.phase in ("Failed", "Unknown"):
        return True
    for status in pod.all_container_statuses:
        if status.state.waiting_reason not in STARTING:
            return True
        term = status.state.terminated
        if term is not None and term.exit_code != 0:
            return True
    ready = pod.condition("Ready")
    if ready is not None and ready.is_true:
        moved_on = ready.last_transition
        return any(
            moved_on is None or (e.last_seen or NOW) > moved_on for e in _warnings(view, pod)
        )
    since = ready.last_transition if ready is not None else None
    return (since is not None and view.observed_at - since > LONG) or bool(_warnings(view, pod))


def plainly_healthy(view: ClusterView, pod: Pod) -> bool:
    """Running, Ready, every container running, no restart within the hour, no recent warning."""
    ready = pod.condition("Ready")
    if pod.phase != "Running" or ready is None or not ready.is_true or pod.deletion_timestamp:
        return False
    for status in pod.container_statuses:
        last = status.last_state.terminated  # without finishedAt: before the current start
        ended = (last.finished_at or status.state.running_since) if last is not None else None
        if not status.state.is_running or (ended is not None and view.observed_at - ended < HOUR):
            return False
    return not _warnings(view, pod)


def _warnings(view: ClusterView, pod: Pod) -> list[Any]:
    return [
        e
        for e in view.events_for(pod)
        if e.type == "Warning" and (e.last_seen is None or view.observed_at - e.last_seen < HOUR)
    ]


def _check(result: Diagnosis) -> None:
    assert not result.failures, result.failures
    view = result.view
    covered = {(p.namespace, p.name) for f in result.findings for p in f.affected}
    silent = [p.name for p in view.pods if visibly_failing(view, p) and _key(p) not in covered]
    assert not silent, f"visibly failing pods without a finding: {silent}"
    # Pod findings only: a Node or Service finding may list healthy pods as context.
    about_pods = {
        (pod.namespace, pod.name): finding
        for finding in result.findings
        if finding.severity is not Severity.INFO
        for pod in finding.affected
        if finding.object.kind not in ("Node", "Service")
    }
    noisy = [
        f"{p.name}: {about_pods[_key(p)].id}"
        for p in view.pods
        if plainly_healthy(view, p) and _key(p) in about_pods
    ]
    assert not noisy, f"healthy pods reported above info: {noisy}"


def _key(pod: Pod) -> tuple[str, str]:
    return (pod.namespace, pod.name)


# -- sweep 1: every scenario folder ----------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[p.name for p in CASES])
def test_no_scenario_pod_is_left_silent(case: Path) -> None:
    _check(diagnose(load_files([case])))


# -- sweep 2: every pod state the model allows -----------------------------------------------

WAITING = (
    "ContainerCreating",
    "PodInitializing",
    "CrashLoopBackOff",
    "ImagePullBackOff",
    "ErrImagePull",
    "ErrImageNeverPull",
    "InvalidImageName",
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
    "PreStartHookError",
    "PostStartHookError",
    "ContainerStatusUnknown",
    "SomeReasonNewToKubemedic",
)
EXITS = ((0, "Completed"), (1, "Error"), (2, "Error"), (126, "ContainerCannotRun"),
         (127, "StartError"), (137, "OOMKilled"), (137, "Error"), (139, "Error"),
         (143, "Error"), (255, "Unknown"))  # fmt: skip
STATES: tuple[dict[str, Any], ...] = (
    *({"waiting": {"reason": r, "message": f"{r} for a test"}} for r in WAITING),
    {"running": {"startedAt": "{since}"}},
    *({"terminated": {"exitCode": c, "reason": r, "finishedAt": "{since}"}} for c, r in EXITS),
)
LAST_STATES: tuple[dict[str, Any], ...] = (
    {},
    {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": "{since}"}},
    {"terminated": {"exitCode": 137, "reason": "OOMKilled", "finishedAt": "{since}"}},
    {"terminated": {"exitCode": 2, "reason": "Error"}},  # a dump that strips the times
)
PHASES = ("Pending", "Running", "Succeeded", "Failed", "Unknown")
SINCE = (timedelta(seconds=10), timedelta(hours=2))
WARNINGS = (None, timedelta(seconds=5), timedelta(hours=3))
PROBE = {"httpGet": {"path": "/ready", "port": 8080}, "periodSeconds": 10}


def _fill(value: Any, since: str) -> Any:
    if isinstance(value, dict):
        return {k: _fill(v, since) for k, v in value.items()}
    return since if value == "{since}" else value


def _pod(name: str, *, phase: str, ready: bool, since: timedelta, app: dict[str, Any],
         last: dict[str, Any], init: dict[str, Any] | None = None,
         owner: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
    moment = (NOW - since).strftime("%Y-%m-%dT%H:%M:%SZ")
    status: dict[str, Any] = {
        "phase": phase,
        "startTime": moment,
        "conditions": [
            {"type": "Ready", "status": str(ready), "lastTransitionTime": moment},
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": moment},
        ],
        "containerStatuses": [
            {
                "name": "app",
                "ready": ready and "running" in app,
                "restartCount": 3 if last else 0,
                "state": _fill(app, moment),
                "lastState": _fill(last, moment),
            }
        ],
    }
    spec: dict[str, Any] = {
        "containers": [{"name": "app", "image": "app:1", "readinessProbe": PROBE}]
    }
    if init is not None:
        spec["initContainers"] = [{"name": "setup", "image": "setup:1"}]
        status["initContainerStatuses"] = [
            {"name": "setup", "ready": False, "restartCount": 0, "state": _fill(init, moment)}
        ]
    meta: dict[str, Any] = {"name": name, "namespace": "sweep", "uid": f"uid-{name}",
                            "creationTimestamp": moment}  # fmt: skip
    if owner is not None:
        meta["ownerReferences"] = [owner]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status}


def _warning(pod: str, ago: timedelta) -> dict[str, Any]:
    when = (NOW - ago).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": f"{pod}.w", "namespace": "sweep"},
        "involvedObject": {"kind": "Pod", "name": pod, "namespace": "sweep", "uid": f"uid-{pod}"},
        "type": "Warning",
        "reason": "SomethingOdd",
        "message": "the kubelet reports something no analyzer knows",
        "count": 2,
        "firstTimestamp": when,
        "lastTimestamp": when,
    }


def _job(name: str, complete: bool) -> dict[str, Any]:
    conditions = [{"type": "Complete", "status": "True"}] if complete else []
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "namespace": "sweep", "uid": f"uid-{name}"},
        "spec": {"backoffLimit": 6, "template": {"spec": {"containers": [{"name": "app"}]}}},
        "status": {"conditions": conditions, "failed": 1},
    }


def _app_pods() -> Iterator[dict[str, Any]]:
    combos = itertools.product(STATES, LAST_STATES, PHASES, (True, False), SINCE)
    for index, (app, last, phase, ready, since) in enumerate(combos):
        yield _pod(f"app-{index}", phase=phase, ready=ready, since=since, app=app, last=last)


def _init_pods() -> Iterator[dict[str, Any]]:
    app = {"waiting": {"reason": "PodInitializing"}}
    for index, (init, since) in enumerate(itertools.product(STATES, SINCE)):
        yield _pod(f"init-{index}", phase="Pending", ready=False, since=since, app=app,
                   last={}, init=init)  # fmt: skip


def _job_pods() -> Iterator[dict[str, Any]]:
    for complete in (True, False):
        job = f"job-{'done' if complete else 'running'}"
        yield _job(job, complete)
        owner = {"apiVersion": "batch/v1", "kind": "Job", "name": job, "uid": f"uid-{job}",
                 "controller": True}  # fmt: skip
        for index, (code, reason) in enumerate(EXITS):
            app = {"terminated": {"exitCode": code, "reason": reason, "finishedAt": "{since}"}}
            phase = "Succeeded" if code == 0 else "Failed"
            yield _pod(f"{job}-{index}", phase=phase, ready=False, since=timedelta(minutes=3),
                       app=app, last={}, owner=owner)  # fmt: skip


def _view(objects: list[dict[str, Any]]) -> ClusterView:
    return ClusterView(objects, observed_at=NOW, source="sweep", listed=[("Pod", "sweep")])


@pytest.mark.parametrize("warned", WARNINGS, ids=["no-warning", "recent-warning", "old-warning"])
def test_no_pod_state_is_left_silent(warned: timedelta | None) -> None:
    objects = [*_app_pods(), *_init_pods(), *_job_pods()]
    if warned is not None:
        objects += [_warning(o["metadata"]["name"], warned) for o in objects if o["kind"] == "Pod"]
    result = diagnose(_view(objects))
    _check(result)
    pods = sum(o["kind"] == "Pod" for o in objects)
    assert sum(visibly_failing(result.view, p) for p in result.view.pods) > pods // 2


def test_a_pod_known_to_no_analyzer_gets_its_signals_and_the_next_commands() -> None:
    odd = {"waiting": {"reason": "SomeReasonNewToKubemedic", "message": "runtime says no"}}
    crash = {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": "{since}"}}
    pod = _pod("odd", phase="Running", ready=False, since=timedelta(hours=2), app=odd, last=crash)
    [finding] = diagnose(_view([pod, _warning("odd", timedelta(minutes=1))])).findings
    assert (finding.id, finding.category.value, finding.severity) == (
        "KM-POD-UNKNOWN",
        "unknown",
        Severity.HIGH,
    )
    facts = [e.fact for e in finding.evidence]
    assert "waiting: SomeReasonNewToKubemedic: runtime says no" in facts
    assert any(f.startswith("terminated: reason Error, exit code 1") for f in facts)
    assert "the kubelet reports something no analyzer knows" in facts
    assert finding.remediation.commands == (
        "kubectl describe pod/odd -n sweep",
        "kubectl logs pod/odd -n sweep -c app --previous",
        "kubectl get events -n sweep --field-selector "
        "involvedObject.kind=Pod,involvedObject.name=odd",
    )


def test_the_safety_net_stays_out_of_pods_another_finding_explains() -> None:
    pod = _pod("pull", phase="Pending", ready=False, since=timedelta(hours=2),
               app={"waiting": {"reason": "ErrImageNeverPull",
                                "message": 'Container image "app:1" is not present with pull '
                                           "policy of Never"}}, last={})  # fmt: skip
    findings = diagnose(_view([pod])).findings
    assert [f.category.value for f in findings] == ["image.not-found"]
