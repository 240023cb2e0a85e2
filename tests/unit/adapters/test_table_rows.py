"""A ``kubectl get pods`` row as a pod: the one container a crash word is about, and no more."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kubemedic.adapters.kubernetes.kubectl_time import Clock
from kubemedic.adapters.kubernetes.tables import pod_of, pod_rows
from kubemedic.models.k8s import Pod
from kubemedic.models.table_status import from_row, row_only, table_status

CLOCK = Clock(datetime(2024, 6, 1, 12, 0, tzinfo=UTC))
HEADER = f"{'NAME':8}{'READY':8}{'STATUS':29}{'RESTARTS':14}AGE"


def row_pod(row: str) -> Pod:
    """The pod of a row given as ``name ready status restarts age`` (restarts may be two
    words), laid out under :data:`HEADER` as kubectl aligns it."""
    name, ready, status, *restarts, age = row.split()
    line = f"{name:8}{ready:8}{status:29}{' '.join(restarts):14}{age}"
    (found,) = pod_rows([(1, HEADER), (2, line)], "shop")
    assert (found.status, found.name) == (status, name)
    return Pod(pod_of(found, CLOCK))


def test_a_crash_looping_pod_of_one_container_gets_that_container_without_a_name() -> None:
    pod = row_pod("web-0   0/1     CrashLoopBackOff   13 (2m ago)   43m")

    (status,) = pod.container_statuses
    assert status.name == ""
    assert from_row(pod, status)
    assert row_only(pod)
    assert status.state.waiting_reason == "CrashLoopBackOff"
    assert (status.restart_count, status.ready) == (13, False)
    assert table_status(pod) == "CrashLoopBackOff"
    assert pod.containers == ()  # its spec (image, command, limits) is not in a row


def test_an_oom_killed_row_is_a_container_that_ended_in_an_oom_kill() -> None:
    pod = row_pod("web-0   0/1     OOMKilled          4 (57s ago)   2m40s")

    (status,) = pod.container_statuses
    term = status.state.terminated
    assert term is not None
    assert (term.reason, term.exit_code) == ("OOMKilled", 137)
    assert status.restart_count == 4


def test_an_error_row_does_not_make_up_an_exit_code() -> None:
    pod = row_pod("web-0   0/1     Error              0             10s")

    (status,) = pod.container_statuses
    assert status.state.terminated is not None
    assert "exitCode" not in status.raw["state"]["terminated"]


@pytest.mark.parametrize(
    "row",
    [
        "web-0   1/2     CrashLoopBackOff   3             5m",  # which of the two is unknown
        "web-0   1/1     Running            0             5m",
        "web-0   0/1     Completed          0             5m",
        "web-0   0/1     ContainerCreating  0             5m",
        "web-0   0/1     CreateContainerConfigError   0   5m",
        "web-0   0/1     ImagePullBackOff   0             5m",
        "web-0   0/1     Init:CrashLoopBackOff   3        5m",
    ],
)
def test_other_rows_say_nothing_of_the_containers(row: str) -> None:
    assert row_pod(row).all_container_statuses == ()
