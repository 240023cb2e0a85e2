"""A pod's STATUS column reads as kubectl prints it on a real cluster."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kubemedic.sandbox.podstatus import pod_status_cells

NOW = datetime(2024, 5, 1, 10, 5, 0, tzinfo=UTC)


def pod(
    containers: list[dict[str, Any]],
    *,
    init: list[dict[str, Any]] | None = None,
    phase: str = "Running",
    deleting: bool = False,
    ready: bool = False,
) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": c["name"]} for c in containers]}
    status: dict[str, Any] = {"phase": phase, "containerStatuses": containers}
    if init is not None:
        spec["initContainers"] = [{"name": c["name"]} for c in init]
        status["initContainerStatuses"] = init
    if ready:
        status["conditions"] = [{"type": "Ready", "status": "True"}]
    metadata: dict[str, Any] = {"name": "p"}
    if deleting:
        metadata["deletionTimestamp"] = "2024-05-01T10:04:00Z"
    return {"metadata": metadata, "spec": spec, "status": status}


def waiting(name: str, reason: str, restarts: int = 0) -> dict[str, Any]:
    return {
        "name": name,
        "ready": False,
        "restartCount": restarts,
        "state": {"waiting": {"reason": reason}},
    }


def running(name: str, *, ready: bool = True) -> dict[str, Any]:
    return {"name": name, "ready": ready, "restartCount": 0, "state": {"running": {}}}


def terminated(name: str, reason: str, code: int) -> dict[str, Any]:
    state = {"terminated": {"reason": reason, "exitCode": code}}
    return {"name": name, "ready": False, "restartCount": 0, "state": state}


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        (pod([running("app")], ready=True), ("1/1", "Running", "0")),
        (
            pod([waiting("app", "ImagePullBackOff")], phase="Pending"),
            ("0/1", "ImagePullBackOff", "0"),
        ),
        (
            pod([running("app"), waiting("side", "CrashLoopBackOff", 4)]),
            ("1/2", "CrashLoopBackOff", "4"),
        ),
        (pod([terminated("app", "OOMKilled", 137)]), ("0/1", "OOMKilled", "0")),
        (pod([terminated("app", "", 3)]), ("0/1", "ExitCode:3", "0")),
        (pod([terminated("app", "Completed", 0)], phase="Succeeded"), ("0/1", "Completed", "0")),
        (
            pod(
                [waiting("app", "PodInitializing")],
                init=[waiting("migrate", "CrashLoopBackOff", 2)],
                phase="Pending",
            ),
            ("0/1", "Init:CrashLoopBackOff", "2"),
        ),
        (
            pod(
                [waiting("app", "PodInitializing")],
                init=[running("migrate", ready=False)],
                phase="Pending",
            ),
            ("0/1", "Init:0/1", "0"),
        ),
        (pod([running("app")], deleting=True, ready=True), ("1/1", "Terminating", "0")),
    ],
)
def test_status_cells(case: dict[str, Any], expected: tuple[str, str, str]) -> None:
    assert pod_status_cells(case, NOW) == expected


def test_restarts_say_how_long_ago_the_last_one_ended() -> None:
    container = waiting("app", "CrashLoopBackOff", 5)
    container["lastState"] = {"terminated": {"exitCode": 1, "finishedAt": "2024-05-01T10:03:00Z"}}
    assert pod_status_cells(pod([container]), NOW) == ("0/1", "CrashLoopBackOff", "5 (2m ago)")
