"""Event rows pasted without their table's header: after an elision mark (``......``), and
about objects whose namespace nothing in the paste tells."""

from __future__ import annotations

from pathlib import Path

from kubemedic.adapters.kubernetes.transcript import Output, parts

from .pasting import PASTED, load_pasted, pod_in

ELIDED = (PASTED / "describe-events-after-elision.txt").read_text()
"""minio/operator#1252: the end of a pod's description, its event rows after ``......``."""

FAILED_PULL = (
    "13m         Warning   Failed   pod/ccpay-callback-function-function-x5l7c-cjqvq       "
    'Failed to pull image "hmctspublic.azurecr.io/ccpay/callback-function:pr-171": not found\n'
)
"""An events row pasted without its header, as hmcts/cnp-flux-config issues quote them."""


def test_describe_rows_after_an_elision_are_the_described_pods_events(tmp_path: Path) -> None:
    view = load_pasted(tmp_path, issue=ELIDED)

    pod = pod_in(view, "minio-operator", "minio-operator-78c586f9d4-r992k")
    (event,) = view.events_for(pod)  # the same event pasted twice counts once
    assert (event.type, event.reason) == ("Warning", "FailedScheduling")
    assert event.raw["source"] == {"component": "default-scheduler"}
    assert event.message.endswith("didn't match pod anti-affinity rules.")
    scheduled = pod.condition("PodScheduled")
    assert scheduled is not None
    assert (scheduled.status, scheduled.reason) == ("False", "Unschedulable")
    assert not [w for w in view.warnings if "is not kubectl describe" in w.message]


def test_rows_with_counted_ages_and_a_node_after_a_snip_mark(tmp_path: Path) -> None:
    text = (
        "$ kubectl describe pod web-0 -n shop\n"
        "<snip>\n"
        "  Warning  BackOff  2m (x41 over 12m)  kubelet, node-1  Back-off restarting failed"
        " container\n"
        "</snip>\n"
    )
    view = load_pasted(tmp_path, issue=text)

    (event,) = view.events_for(pod_in(view, "shop", "web-0"))
    assert event.count == 41
    assert event.raw["source"] == {"component": "kubelet", "host": "node-1"}
    assert event.message == "Back-off restarting failed container"


def test_indented_rows_without_an_elision_before_them_are_not_events() -> None:
    text = "Some notes:\n\n  Warning  BackOff  2m  kubelet  Back-off restarting failed container\n"

    assert all(part.output is not Output.DESCRIBE for part in parts(text))


def test_an_events_row_in_no_namespace_the_paste_tells_keeps_it_unknown(tmp_path: Path) -> None:
    view = load_pasted(tmp_path, events=FAILED_PULL)

    (event,) = view.objects("Event")
    assert event.raw["involvedObject"]["namespace"] == ""
    (said,) = [w for w in view.warnings if "show no namespace" in w.message]
    assert said.object is not None
    assert (said.object.name, said.object.namespace) == (
        "ccpay-callback-function-function-x5l7c-cjqvq",
        "",
    )


def test_the_command_line_gives_the_rows_their_namespace(tmp_path: Path) -> None:
    view = load_pasted(tmp_path, events="$ kubectl get events -n ccpay\n" + FAILED_PULL)

    (event,) = view.objects("Event")
    assert event.raw["involvedObject"]["namespace"] == "ccpay"
    assert not [w for w in view.warnings if "show no namespace" in w.message]


def test_the_pod_read_elsewhere_gives_its_events_its_namespace(tmp_path: Path) -> None:
    table = (
        "$ kubectl get pods -n ccpay\n"
        "NAME                                           READY   STATUS             RESTARTS   AGE\n"
        "ccpay-callback-function-function-x5l7c-cjqvq   0/1     ImagePullBackOff   0          14m\n"
    )
    view = load_pasted(tmp_path, pods=table, events=FAILED_PULL)

    pod = pod_in(view, "ccpay", "ccpay-callback-function-function-x5l7c-cjqvq")
    (event,) = view.events_for(pod)
    assert event.reason == "Failed"
