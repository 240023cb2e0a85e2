"""The pod signals that halt a rollout without Prometheus, and the ones that must not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kubemedic.rollouts.pod_signals import Seen, deployment_failures, pod_failures, remember
from kubemedic.rollouts.revisions import Progress
from tests.unit.rollouts.objects import pod

NOW = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
WINDOW = 120.0


def _failures(*pods: dict[str, object], seen: dict[str, Seen] | None = None) -> list[str]:
    memory = seen if seen is not None else remember(pods, {}, NOW)
    return [f.describe() for f in pod_failures(pods, memory, NOW, ready_within=WINDOW)]


def _waiting(reason: str, message: str = "", restarts: int = 0) -> list[dict[str, object]]:
    state = {"waiting": {"reason": reason, "message": message}}
    return [{"name": "web", "ready": False, "restartCount": restarts, "state": state}]


def test_healthy_new_pods_raise_nothing() -> None:
    assert _failures(pod("web-b-1", "b"), pod("web-b-2", "b")) == []


def test_crash_looping_and_image_pull_back_off_halt_at_once() -> None:
    crashing = pod(
        "web-b-1",
        "b",
        ready=False,
        statuses=_waiting("CrashLoopBackOff", "back-off 10s restarting failed container", 2),
    )
    pulling = pod("web-b-2", "b", ready=False, statuses=_waiting("ImagePullBackOff", "not found"))
    assert _failures(crashing, pulling) == [
        "pod web-b-1 container web: CrashLoopBackOff (back-off 10s restarting failed container)",
        "pod web-b-2 container web: ImagePullBackOff (not found)",
    ]


def test_a_first_image_pull_error_is_not_yet_a_failure() -> None:
    """ErrImagePull may be a registry hiccup; the kubelet's back-off is the failure."""
    assert _failures(pod("web-b-1", "b", ready=False, statuses=_waiting("ErrImagePull"))) == []


def test_a_restart_is_a_failure_and_names_an_oom_kill() -> None:
    restarted = [
        {
            "name": "web",
            "ready": True,
            "restartCount": 1,
            "state": {"running": {}},
            "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137}},
        }
    ]
    assert _failures(pod("web-b-1", "b", statuses=restarted)) == [
        "pod web-b-1 container web: OOMKilled (restarted once; last exit: OOMKilled, code 137)"
    ]


def test_a_pod_not_ready_within_the_window_fails_and_says_why() -> None:
    pending = pod(
        "web-b-1",
        "b",
        ready=False,
        phase="Pending",
        statuses=[],
        scheduled={
            "status": "False",
            "reason": "Unschedulable",
            "message": "0/3 nodes are available: 3 Insufficient cpu.",
        },
    )
    fresh = {"web-b-1": Seen(NOW - timedelta(seconds=30))}
    assert _failures(pending, seen=fresh) == []
    late = {"web-b-1": Seen(NOW - timedelta(seconds=WINDOW))}
    assert _failures(pending, seen=late) == [
        "pod web-b-1: not Ready after 2m (Pending: Unschedulable: 0/3 nodes are available: "
        "3 Insufficient cpu.)"
    ]


def test_a_pod_that_loses_its_readiness_fails() -> None:
    was_ready = remember([pod("web-b-1", "b")], {}, NOW)
    flapping = pod(
        "web-b-1",
        "b",
        ready=False,
        statuses=[{"name": "web", "ready": False, "restartCount": 0, "state": {"running": {}}}],
    )
    assert _failures(flapping, seen=was_ready) == [
        "pod web-b-1: lost readiness (Running: readiness probe failing)"
    ]


def test_terminating_pods_are_not_judged() -> None:
    leaving = pod(
        "web-b-1", "b", ready=False, terminating=True, statuses=_waiting("CrashLoopBackOff")
    )
    assert _failures(leaving) == []


def test_memory_keeps_the_first_sighting_and_readiness() -> None:
    earlier = NOW - timedelta(seconds=10)
    memory = remember([pod("web-b-1", "b", ready=False, statuses=[])], {}, earlier)
    memory = remember([pod("web-b-1", "b"), pod("web-b-2", "b", ready=False)], memory, NOW)
    assert memory == {"web-b-1": Seen(earlier, True), "web-b-2": Seen(NOW, False)}


def test_the_deployment_fails_when_its_deadline_passed_or_its_pods_are_refused() -> None:
    stuck = Progress("b", 2, 4, 1, 1, 0, 4, False, True, stalled="timed out", replica_failure="")
    refused = Progress("b", 2, 4, 1, 0, 0, 4, False, True, stalled="", replica_failure="quota")
    assert [f.describe() for f in deployment_failures("web", stuck)] == [
        "deployment web: ProgressDeadlineExceeded (timed out)"
    ]
    assert [f.describe() for f in deployment_failures("web", refused)] == [
        "deployment web: ReplicaFailure (quota)"
    ]
