"""``kubectl get -o yaml`` output pasted with the rest: whole, or cut to its ``status:``."""

from __future__ import annotations

from pathlib import Path

from kubemedic.adapters.kubernetes.transcript import Output, parse_command, parts

from .pasting import load_pasted, pod_in

STATUS = """\
$ kubectl get pod web-0 -n shop -o yaml
status:
  containerStatuses:
  - image: nginx:1.25
    lastState:
      terminated:
        exitCode: 137
        reason: OOMKilled
    name: web
    ready: false
    restartCount: 7
    state:
      waiting:
        reason: CrashLoopBackOff
  phase: Running
"""


def test_the_output_flag_is_read_joined_or_not() -> None:
    for line in ("kubectl get pod web-0 -oyaml", "kubectl get pod web-0 --output=yaml"):
        command = parse_command(line)
        assert command is not None
        assert command.output == "yaml"
    (part,) = parts(STATUS)
    assert part.output is Output.YAML


def test_a_status_fragment_is_the_pod_the_command_names(tmp_path: Path) -> None:
    view = load_pasted(tmp_path, session=STATUS)

    pod = pod_in(view, "shop", "web-0")
    assert pod.phase == "Running"
    (status,) = pod.status["containerStatuses"]
    assert status["lastState"]["terminated"]["reason"] == "OOMKilled"
    (said,) = [w for w in view.warnings if "only `status:`" in w.message]
    assert (said.line, said.object) == (2, pod.ref)
    assert "labels and owner or containers, volumes and node are unknown" in said.message


def test_a_fragment_of_a_list_is_not_given_to_a_guessed_pod(tmp_path: Path) -> None:
    listed = STATUS.replace("get pod web-0 -n shop", "get pods -n shop")
    view = load_pasted(tmp_path, session=listed + "$ kubectl get pods -n shop\n" + ROW)

    assert {p.name for p in view.pods} == {"web-0"}
    assert "OOMKilled" not in str(pod_in(view, "shop", "web-0").raw)
    (said,) = [w for w in view.warnings if "names no single pod" in w.message]
    assert said.line == 2
    assert said.file is not None
    assert said.file.endswith("session.txt")


ROW = """\
NAME    READY   STATUS             RESTARTS   AGE
web-0   0/1     CrashLoopBackOff   7          20m
"""


def test_a_whole_object_is_read_as_it_is(tmp_path: Path) -> None:
    whole = """\
$ kubectl get pod web-0 -n shop -o yaml
apiVersion: v1
kind: Pod
metadata:
  name: web-0
  namespace: shop
  labels:
    app: web
spec:
  containers:
  - name: web
    image: nginx:1.25
status:
  phase: Pending
"""
    view = load_pasted(tmp_path, session=whole)

    pod = pod_in(view, "shop", "web-0")
    assert pod.labels == {"app": "web"}
    assert not [w for w in view.warnings if "kubectl get pod" in w.message]


def test_broken_yaml_is_said_with_its_line(tmp_path: Path) -> None:
    broken = STATUS.replace("  phase: Running", "  phase: [Running")
    view = load_pasted(tmp_path, session=ROW.join(("$ kubectl get pods -n shop\n", "\n")) + broken)

    (said,) = [w for w in view.warnings if "could not be read" in w.message]
    assert said.line is not None
    assert said.line >= 18


def test_printed_events_about_cluster_objects_are_read(tmp_path: Path) -> None:
    """An event about a Node has no namespace in its involvedObject (kind's own output)."""
    text = (Path(__file__).parent / "pasted" / "get-events-yaml-node-event.txt").read_text()
    view = load_pasted(tmp_path, session=text)
    (event,) = view.objects("Event")
    assert (event.raw["involvedObject"]["kind"], event.raw["reason"]) == ("Node", "NodeNotReady")
    assert pod_in(view, "default", "web-1").phase == "Running"
