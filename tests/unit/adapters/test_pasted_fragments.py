"""Fragments people paste: rows without a header, tables cut on the right, lone fields."""

from __future__ import annotations

from pathlib import Path

from kubemedic.models.k8s import Event
from kubemedic.models.table_status import failing_table_status, table_status

from .pasting import load_pasted, pod_in

GET_ALL = """\
# kubectl get all -n minio-dev-ns
NAME                                         READY   STATUS             RESTARTS   AGE
pod/console-54f4f5c599-dzfnd                 1/1     Running            0          6d17h
pod/tenant1-log-0                            0/1     CrashLoopBackOff   13         43m
"""

CUT_ON_THE_RIGHT = """\
NAMESPACE     NAME                                      READY   STATUS
kube-system   traefik-7cb54d4966-t2g6w                  0/1     CreateContainerConfigError
"""

ROW_AND_MESSAGE = """\
kubectl get pods -nistio-system
NAME                                   READY   STATUS    RESTARTS   AGE
istio-citadel-894d98c88-zkt23               0/1     Evicted   0          102d

#kubectl  -nistio-system describe pods istio-citadel-894d98c88-zkt23
Message:        The node was low on resource: memory. Container citadel was using 43536Ki, \
which exceeds its request of 0.
"""

HEADLESS_EVENTS = """\
11s   Warning FailedScheduling pod/nmap     0/20 nodes are available: 1 node(s) didn't \
match pod affinity/anti-affinity, 19 node(s) didn't match node selector.
9s    Normal  Scheduled        pod/web-0    Successfully assigned shop/web-0 to node-1
"""

INDENTED_EVENTS = """\
  Events:
  Type     Reason   Age   From                                    Message
  ----     ------   ----  ----                                    -------
  Warning  Failed   29m   kubelet, ip-10-50-155-108.ec2.internal  Error: secrets "s-47" not found
"""

DESCRIBED_HEAD_AND_ROW = """\
| kubectl -n reusee get pod
NAME                      READY   STATUS                       RESTARTS   AGE
log-0                     0/1     CreateContainerConfigError   0          113s

| kubectl -n reusee describe pod log-0
Name:             log-0
Namespace:        reusee
Priority:         0
Node:             ip-10-0-123-112.us-west-2.compute.internal/10.0.123.112
Start Time:       Mon, 14 Nov 2022 10:00:36 +0800
Annotations:      kubernetes.io/psp: eks.privileged
"""


class TestPodsTables:
    def test_kubectl_get_all_rows_name_pods_without_their_kind(self, tmp_path: Path) -> None:
        view = load_pasted(tmp_path, all=GET_ALL)

        pod = pod_in(view, "minio-dev-ns", "tenant1-log-0")
        assert failing_table_status(pod) == "CrashLoopBackOff"
        assert view.get("Pod", "minio-dev-ns", "pod/tenant1-log-0") is None

    def test_a_table_cut_after_its_status_column_is_still_read(self, tmp_path: Path) -> None:
        view = load_pasted(tmp_path, pods=CUT_ON_THE_RIGHT)

        pod = pod_in(view, "kube-system", "traefik-7cb54d4966-t2g6w")
        assert (pod.phase, table_status(pod)) == ("Pending", "CreateContainerConfigError")

    def test_a_pod_phase_is_not_kept_as_a_container_word(self, tmp_path: Path) -> None:
        view = load_pasted(tmp_path, all=GET_ALL)

        assert table_status(pod_in(view, "minio-dev-ns", "console-54f4f5c599-dzfnd")) == ""


class TestPodRowsWithoutHeader:
    def test_each_row_is_a_pod(self, tmp_path: Path) -> None:
        rows = (
            "# kubectl get pods -n ops\n"
            "test-cj-1524651720-24tcc      0/1       Init:Error     0          6s\n"
            "api-6c9d5f7b8-kq2lp           1/2       Running        4 (57s ago)   2m40s\n"
        )
        view = load_pasted(tmp_path, pods=rows)

        assert table_status(pod_in(view, "ops", "test-cj-1524651720-24tcc")) == "Init:Error"
        assert pod_in(view, "ops", "api-6c9d5f7b8-kq2lp").phase == "Running"

    def test_rows_of_other_kinds_are_not_pods(self, tmp_path: Path) -> None:
        deployments = "NAME   READY   UP-TO-DATE   AVAILABLE   AGE\nweb    0/3     3     0     5m\n"
        jobs = "backup-28312   0/1   5m   5m\n"

        view = load_pasted(tmp_path, deploy=deployments + "\n" + jobs, pods=GET_ALL)

        assert {pod.name for pod in view.pods} == {"console-54f4f5c599-dzfnd", "tenant1-log-0"}


class TestDescriptionsCutShort:
    def test_a_lone_field_under_describe_is_that_pods_and_the_row_adds_its_phase(
        self, tmp_path: Path
    ) -> None:
        view = load_pasted(tmp_path, paste=ROW_AND_MESSAGE)

        pod = pod_in(view, "istio-system", "istio-citadel-894d98c88-zkt23")
        assert (pod.phase, pod.reason) == ("Failed", "Evicted")
        assert pod.message.startswith("The node was low on resource: memory.")

    def test_a_description_cut_above_its_status_keeps_the_word_of_its_row(
        self, tmp_path: Path
    ) -> None:
        view = load_pasted(tmp_path, paste=DESCRIBED_HEAD_AND_ROW)

        pod = pod_in(view, "reusee", "log-0")
        assert pod.node_name == "ip-10-0-123-112.us-west-2.compute.internal"  # described
        assert (pod.phase, table_status(pod)) == ("Pending", "CreateContainerConfigError")

    def test_an_events_table_indented_with_its_events_line_places_the_pod_on_its_kubelets_node(
        self, tmp_path: Path
    ) -> None:
        view = load_pasted(tmp_path, events=INDENTED_EVENTS)

        (pod,) = view.pods
        assert pod.node_name == "ip-10-50-155-108.ec2.internal"
        (event,) = view.events_for(pod)
        assert event.message == 'Error: secrets "s-47" not found'


class TestEventRowsWithoutHeader:
    def test_each_row_is_an_event_about_the_object_it_names(self, tmp_path: Path) -> None:
        view = load_pasted(tmp_path, events=HEADLESS_EVENTS)

        events = sorted(view.of_kind("Event", Event), key=lambda e: e.reason)
        assert [(e.type, e.reason, e.involved_ref.name) for e in events] == [
            ("Warning", "FailedScheduling", "nmap"),
            ("Normal", "Scheduled", "web-0"),
        ]
        assert events[0].message.endswith("19 node(s) didn't match node selector.")
        assert view.pods == ()  # events name pods; they do not make them
