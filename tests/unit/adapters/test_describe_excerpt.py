"""Part of a pod's ``kubectl describe`` output, pasted without its head, is still that pod."""

from __future__ import annotations

from pathlib import Path

from kubemedic.models.k8s import Event

from .pasting import PASTED, load_pasted
from .pasting import pod_in as _pod

EVENTS = (PASTED / "describe-events-excerpt.txt").read_text()


def test_the_scheduled_event_names_the_pod_its_namespace_and_node(tmp_path: Path) -> None:
    view = load_pasted(tmp_path, events=EVENTS)

    pod = _pod(view, "shop", "web-6f7c9d5b8-x2x8z")
    assert pod.node_name == "node-a"
    assert [o["name"] for o in pod.metadata["ownerReferences"]] == ["web-6f7c9d5b8"]
    assert len(view.events_for(pod)) == 4
    assert any("only part of a pod's kubectl describe" in w.message for w in view.warnings)


def test_a_container_named_by_its_events_is_what_they_say(tmp_path: Path) -> None:
    view = load_pasted(tmp_path, events=EVENTS)

    pod = _pod(view, "shop", "web-6f7c9d5b8-x2x8z")
    assert pod.phase == "Pending"
    assert [(c.name, c.image) for c in pod.containers] == [("web", "shop/web:1.4")]
    (status,) = pod.container_statuses
    assert status.state.waiting_reason == "ErrImagePull"
    assert status.state.waiting_message == 'Failed to pull image "shop/web:1.4": not found'
    failed = [e for e in view.of_kind("Event", Event) if e.reason == "Failed"]
    assert {e.raw["involvedObject"]["fieldPath"] for e in failed} == {"spec.containers{web}"}
    assert not any(e.message.startswith("spec.") for e in failed)


def test_the_command_line_names_the_pod_it_describes(tmp_path: Path) -> None:
    text = "$ kubectl describe pod api -n shop\n" + EVENTS.replace(
        "  Normal   Scheduled  3m                 default-scheduler  Successfully assigned "
        "shop/web-6f7c9d5b8-x2x8z to node-a\n",
        "",
    )
    view = load_pasted(tmp_path, describe=text)

    assert [(p.namespace, p.name) for p in view.pods] == [("shop", "api")]


def test_a_pod_nothing_names_is_called_by_the_runbooks_placeholder(tmp_path: Path) -> None:
    text = (PASTED / "describe-tail-unnamed.txt").read_text()
    view = load_pasted(tmp_path, describe=text)

    pod = _pod(view, "default", "POD")
    assert pod.phase == "Pending"
    scheduled = pod.condition("PodScheduled")
    assert scheduled is not None
    assert "didn't match" in scheduled.message
    assert any("it is called POD" in w.message for w in view.warnings)


def test_an_events_table_without_its_section_line_after_a_pods_table(tmp_path: Path) -> None:
    text = (
        "NAME                     READY   STATUS    RESTARTS   AGE\n"
        "web-6f7c9d5b8-x2x8z      0/1     Pending   0          3m\n"
        "\n" + EVENTS.split("\n", 1)[1]
    )
    view = load_pasted(tmp_path, describe=text)

    pod = _pod(view, "shop", "web-6f7c9d5b8-x2x8z")
    assert len(view.events_for(pod)) == 4
    assert not [w for w in view.warnings if "pods table shows" in w.message]


def test_the_kubelets_messages_name_the_pod_when_nothing_else_does(tmp_path: Path) -> None:
    text = (
        "Events:\n"
        "  Type     Reason   Age                From     Message\n"
        "  ----     ------   ----               ----     -------\n"
        '  Normal   Pulled   6m (x5 over 9m)    kubelet  Container image "shop/api:2.1" already '
        "present on machine\n"
        "  Warning  BackOff  2m (x25 over 8m)   kubelet  Back-off restarting failed container api "
        "in pod api-7d9c6b5f4-q8n2m_shop(4b1e0f0c-8a52-4d7e-9f1c-3a2b1c0d9e8f)\n"
    )
    view = load_pasted(tmp_path, describe=text)

    pod = _pod(view, "shop", "api-7d9c6b5f4-q8n2m")
    assert len(view.events_for(pod)) == 2
    assert not any("it is called POD" in w.message for w in view.warnings)
