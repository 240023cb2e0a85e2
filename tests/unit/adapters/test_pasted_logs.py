"""``kubectl logs`` output pasted with the rest: read as the log of the pod the command names."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubemedic.adapters.kubernetes.transcript import Output, parse_command, parts
from kubemedic.errors import InputError

from .pasting import load_pasted

ROWS = """\
$ kubectl get pods -n shop
NAME                   READY   STATUS             RESTARTS      AGE
web-5d8f7c9b6d-x2x8z   0/1     CrashLoopBackOff   5 (40s ago)   4m
"""

LOG = """\
$ kubectl logs web-5d8f7c9b6d-x2x8z -n shop -p
Error: listen EADDRINUSE: address already in use :::8080

"""


def test_the_command_line_says_whose_log_and_which_instance() -> None:
    command = parse_command("$ kubectl logs -n shop pod/web-1 -c app --previous")
    assert command is not None
    assert (command.names, command.namespace, command.container, command.previous) == (
        ("pod/web-1",),
        "shop",
        "app",
        True,
    )
    (part,) = parts("kubectl logs web-1\nline one\n\nline two\n")
    assert part.output is Output.LOGS
    assert [text for _, text in part.lines] == ["line one", "", "line two"]


def test_a_pasted_log_is_the_named_pods_log(tmp_path: Path) -> None:
    view = load_pasted(tmp_path, session=ROWS + "\n" + LOG)

    (tail,) = view.log_tails("shop", "web-5d8f7c9b6d-x2x8z", "")
    assert tail.lines == ("Error: listen EADDRINUSE: address already in use :::8080",)
    assert tail.previous is True
    assert tail.source.endswith("session.txt:6")


def test_the_log_of_a_pod_the_input_does_not_hold_is_said_to_be_unread(tmp_path: Path) -> None:
    view = load_pasted(
        tmp_path,
        session=ROWS + "\n" + LOG.replace(" -n shop", "").replace("web-5d8f7c9b6d-x2x8z", "api-0"),
    )

    assert not view.log_tails("shop", "api-0", "")
    assert any("`kubectl logs api-0`" in w.message for w in view.warnings)


def test_the_logs_of_a_deployment_are_not_taken_for_one_pods(tmp_path: Path) -> None:
    view = load_pasted(
        tmp_path, session=ROWS + "\n" + LOG.replace("web-5d8f7c9b6d-x2x8z", "deploy/web")
    )

    assert not view.log_tails("shop", "web-5d8f7c9b6d-x2x8z", "")
    assert any("`kubectl logs` output" in w.message for w in view.warnings)


def test_a_log_alone_is_refused_saying_what_it_needs(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="only kubectl logs output") as refused:
        load_pasted(tmp_path, session=LOG)
    assert refused.value.hint is not None
    assert "kubectl describe pod" in refused.value.hint
