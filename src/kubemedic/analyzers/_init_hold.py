"""What an init container that has not finished holds back: the steps after it and the app.

Init containers run one after the other, each to exit 0, before any app container starts. A
finding about one of them (a crash, an image that cannot be pulled, a wait that never ends)
is only complete when it says which step of how many it is, what comes after it, and that the
app containers wait in ``PodInitializing`` until it is done — that is what the user sees in
``kubectl get pods`` (``Init:1/3``, ``Init:CrashLoopBackOff``) and what the outage comes from.
"""

from __future__ import annotations

from kubemedic.analyzers._build import status_evidence
from kubemedic.models.findings import Evidence
from kubemedic.models.k8s import ContainerStatus, Pod


def is_init_step(pod: Pod, container: str) -> bool:
    """An init container that runs to completion (not a native sidecar)."""
    spec = pod.container(container)
    return spec is not None and spec.is_init and spec.restart_policy != "Always"


def waiting_app(pod: Pod) -> tuple[ContainerStatus, ...]:
    """App containers that have not started yet (waiting, never terminated)."""
    return tuple(
        s
        for s in pod.container_statuses
        if s.state.is_waiting and s.last_state.terminated is None and not s.restart_count
    )


def hold_sentence(pod: Pod, container: str) -> str:
    """``Init container migrate is step 1 of 2 (wait-for-cache runs after it); until it exits
    0, app container api waits in PodInitializing.``"""
    steps = [c.name for c in pod.init_containers if c.restart_policy != "Always"]
    if container not in steps:
        return ""
    index = steps.index(container)
    text = f"Init container {container} is step {index + 1} of {len(steps)}"
    later = steps[index + 1 :]
    if later:
        text += f" ({', '.join(later)} {'runs' if len(later) == 1 else 'run'} after it)"
    waiting = waiting_app(pod)
    names = [s.name for s in waiting] or [c.name for c in pod.containers]
    if not names:
        return text + "."
    reasons = {s.state.waiting_reason for s in waiting} - {""}
    where = f" in {reasons.pop()}" if len(reasons) == 1 else ""
    noun = "app container" if len(names) == 1 else "app containers"
    verb = "waits" if len(names) == 1 else "wait"
    return f"{text}; until it exits 0, {noun} {', '.join(names)} {verb}{where}."


def hold_evidence(pod: Pod) -> list[Evidence]:
    """The app containers' waiting state, read from their statuses (first three)."""
    return [
        status_evidence(
            pod,
            status,
            "state.waiting",
            f"waiting: {status.state.waiting_reason or 'not started'} (held by the init "
            "containers)",
        )
        for status in waiting_app(pod)[:3]
    ]
