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


def test_the_log_of_a_deployment_is_its_only_pods_said_so(tmp_path: Path) -> None:
    view = load_pasted(
        tmp_path, session=ROWS + "\n" + LOG.replace("web-5d8f7c9b6d-x2x8z", "deploy/web")
    )

    (tail,) = view.log_tails("shop", "web-5d8f7c9b6d-x2x8z", "")
    assert tail.lines == ("Error: listen EADDRINUSE: address already in use :::8080",)
    (said,) = [w for w in view.warnings if "`kubectl logs deploy/web`" in w.message]
    assert "the only pod of deploy/web" in said.message
    assert said.line == 6


TWO_ROWS = ROWS + "web-5d8f7c9b6d-k7p2q   0/2     CrashLoopBackOff   5 (41s ago)   4m\n"

FOUND = """\
$ kubectl logs deploy/web -n shop -p
Found 2 pods, using pod/web-5d8f7c9b6d-k7p2q
Defaulted container "web" out of: web, istio-proxy
Error: listen EADDRINUSE: address already in use :::8080
"""
"""kubectl's own notes, as kubectl 1.21+ prints them on stderr (``Found 3 pods, using
pod/my-deployment-7df1234fb9-fj2zr`` in GoogleCloudPlatform/cloud-code-vscode#67,
``Defaulted container "myapp" out of: myapp, logshipper (init)`` in AI-Hypercomputer/xpk#1155)."""


def test_kubectls_notes_name_the_pod_and_container_and_are_not_the_log(tmp_path: Path) -> None:
    view = load_pasted(tmp_path, session=TWO_ROWS + "\n" + FOUND)

    (tail,) = view.log_tails("shop", "web-5d8f7c9b6d-k7p2q", "web")
    assert tail.lines == ("Error: listen EADDRINUSE: address already in use :::8080",)
    assert not view.log_tails("shop", "web-5d8f7c9b6d-x2x8z", "web")
    assert not [w for w in view.warnings if "kubectl logs" in w.message]


def test_the_note_before_kubectl_1_21_names_the_container(tmp_path: Path) -> None:
    older = LOG.replace(
        "Error:",
        "Defaulting container name to web.\n"
        "Use 'kubectl describe pod/web-5d8f7c9b6d-x2x8z -n shop' to see all of the containers "
        "in this pod.\nError:",
    )
    view = load_pasted(tmp_path, session=ROWS + "\n" + older)

    (tail,) = view.log_tails("shop", "web-5d8f7c9b6d-x2x8z", "web")
    assert tail.lines == ("Error: listen EADDRINUSE: address already in use :::8080",)


def test_a_workloads_log_without_kubectls_note_names_the_pods_it_may_be(tmp_path: Path) -> None:
    unnamed = FOUND.replace("Found 2 pods, using pod/web-5d8f7c9b6d-k7p2q\n", "")
    view = load_pasted(tmp_path, session=TWO_ROWS + "\n" + unnamed)

    assert not view.log_tails("shop", "web-5d8f7c9b6d-x2x8z", "web")
    (said,) = [w for w in view.warnings if "`kubectl logs deploy/web`" in w.message]
    assert "one of web-5d8f7c9b6d-k7p2q, web-5d8f7c9b6d-x2x8z" in said.message
    assert "not read" in said.message


def test_a_selectors_logs_are_not_given_to_any_pod(tmp_path: Path) -> None:
    selected = "$ kubectl logs -l app=web -n shop\nError: listen EADDRINUSE\n"
    view = load_pasted(tmp_path, session=ROWS + "\n" + selected)

    assert not view.log_tails("shop", "web-5d8f7c9b6d-x2x8z", "")
    (said,) = [w for w in view.warnings if "`kubectl logs -l app=web`" in w.message]
    assert "every pod the selector matches" in said.message


def test_a_log_alone_is_refused_saying_what_it_needs(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="only kubectl logs output") as refused:
        load_pasted(tmp_path, session=LOG)
    assert refused.value.hint is not None
    assert "kubectl describe pod" in refused.value.hint
