"""Pods tables as pasted in terminals: rows repeated by ``-w``, a container named by the pod's
``kubectl logs -c``, commands typed through a shell alias, and what each row leaves unknown."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubemedic.adapters.kubernetes.transcript import Output, parse_command, parts
from kubemedic.models.table_status import from_row, table_status

from .pasting import load_pasted, pod_in

WATCHED = """\
$ kubectl get pods -w
NAME      READY   STATUS     RESTARTS   AGE
initpod   0/1     Init:0/1   0          6s
web-0     1/1     Running    0          2m
initpod   0/1     Init:Error   0          32s
initpod   0/1     Init:CrashLoopBackOff   1 (5s ago)   40s
initpod   0/1     Error                   1            52s
"""
"""``kubectl get pods -w``: each change of a pod prints its row again, aligned on its own."""

CRASHING = """\
$ kubectl get pods -n shop
NAME                   READY   STATUS             RESTARTS      AGE
web-5d8f7c9b6d-x2x8z   0/1     CrashLoopBackOff   5 (40s ago)   4m
"""


def test_the_last_row_of_a_watched_pod_is_its_state_now(tmp_path: Path) -> None:
    view = load_pasted(tmp_path, session=WATCHED)

    pod = pod_in(view, "default", "initpod")
    assert table_status(pod) == "Error"
    (status,) = pod.container_statuses
    assert status.restart_count == 1
    assert table_status(pod_in(view, "default", "web-0")) == ""
    assert len(view.pods) == 2


def test_a_later_table_of_the_same_paste_shows_the_pod_as_it_is_later(tmp_path: Path) -> None:
    later = CRASHING.replace(
        "CrashLoopBackOff   5 (40s ago)   4m", "Running            5 (1s ago)    5m"
    )
    view = load_pasted(tmp_path, session=CRASHING + "\n" + later)

    pod = pod_in(view, "shop", "web-5d8f7c9b6d-x2x8z")
    assert pod.phase == "Running"
    assert pod.container_statuses == ()


def test_the_container_a_pods_log_names_is_the_rows_container(tmp_path: Path) -> None:
    log = "$ kubectl logs web-5d8f7c9b6d-x2x8z -n shop -c app --previous\nError: boom\n"
    view = load_pasted(tmp_path, session=CRASHING + "\n" + log)

    pod = pod_in(view, "shop", "web-5d8f7c9b6d-x2x8z")
    (status,) = pod.container_statuses
    assert status.name == "app"
    assert from_row(pod, status)
    (tail,) = view.log_tails("shop", pod.name, status.name)
    assert tail.lines == ("Error: boom",)
    (said,) = [w for w in view.warnings if "pods table shows" in w.message]
    assert "its one container, app (named by the pasted `kubectl logs -c app`)" in said.message
    assert "why it fails only its log can say" in said.message


def test_a_log_without_c_leaves_the_container_unnamed_and_is_still_its_log(
    tmp_path: Path,
) -> None:
    log = "$ kubectl logs web-5d8f7c9b6d-x2x8z -n shop\nError: boom\n"
    view = load_pasted(tmp_path, session=CRASHING + "\n" + log)

    pod = pod_in(view, "shop", "web-5d8f7c9b6d-x2x8z")
    (status,) = pod.container_statuses
    assert status.name == ""
    (tail,) = view.log_tails("shop", pod.name, status.name)
    assert tail.lines == ("Error: boom",)


def test_logs_of_two_containers_name_neither(tmp_path: Path) -> None:
    logs = (
        "$ kubectl logs web-5d8f7c9b6d-x2x8z -n shop -c app\nError: boom\n"
        "$ kubectl logs web-5d8f7c9b6d-x2x8z -n shop -c proxy\nstarting envoy\n"
    )
    view = load_pasted(tmp_path, session=CRASHING + "\n" + logs)

    (status,) = pod_in(view, "shop", "web-5d8f7c9b6d-x2x8z").container_statuses
    assert status.name == ""


@pytest.mark.parametrize(
    ("row", "unknown"),
    [
        ("OOMKilled          4 (57s ago)   2m40s", "but not its name, nor its image"),
        ("CrashLoopBackOff   5 (40s ago)   4m", "why it fails only its log can say"),
    ],
)
def test_a_crash_row_warns_of_what_it_leaves_unknown(
    tmp_path: Path, row: str, unknown: str
) -> None:
    view = load_pasted(
        tmp_path, session=CRASHING.replace("CrashLoopBackOff   5 (40s ago)   4m", row)
    )

    (said,) = [w for w in view.warnings if "pods table shows" in w.message]
    assert unknown in said.message
    assert "not which container" not in said.message
    if row.startswith("OOMKilled"):
        assert "why" not in said.message


def test_a_row_of_a_pod_of_two_containers_says_which_is_unknown(tmp_path: Path) -> None:
    view = load_pasted(tmp_path, session=CRASHING.replace("0/1", "1/2"))

    (said,) = [w for w in view.warnings if "pods table shows" in w.message]
    assert "not which container, nor why" in said.message


@pytest.mark.parametrize(
    "line",
    [
        "k get pods -n shop",
        "$ k logs web-0 -c app",
        "❯ kc get po -w",
        "k -n shop describe pod web-0",
    ],
)
def test_a_shell_alias_followed_by_a_kubectl_verb_is_kubectl(line: str) -> None:
    command = parse_command(line)

    assert command is not None
    assert command.verb in ("get", "logs", "describe")


@pytest.mark.parametrize("line", ["k8s logs are here", "k is for kubernetes", "kc status"])
def test_other_lines_starting_with_k_are_no_commands(line: str) -> None:
    assert parse_command(line) is None


def test_rows_under_an_aliased_command_take_its_namespace(tmp_path: Path) -> None:
    aliased = CRASHING.replace("$ kubectl get pods", "$ k get pods")
    (part,) = parts(aliased)
    assert part.output is Output.PODS

    view = load_pasted(tmp_path, session=aliased)
    assert table_status(pod_in(view, "shop", "web-5d8f7c9b6d-x2x8z")) == "CrashLoopBackOff"
