"""``kubectl get pods`` and ``kubectl get events`` tables, as pasted, become pods and events."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from kubemedic.models.cluster import ClusterView

from .pasting import PASTED, load_pasted
from .pasting import pod_in as _pod

PODS = (PASTED / "get-pods-wide.txt").read_text()

DESCRIBED = (PASTED / "describe-image-pull-pod.txt").read_text()

EVENTS = (PASTED / "get-events.txt").read_text()


def _load(tmp_path: Path, **files: str) -> ClusterView:
    return load_pasted(tmp_path, **files)


class TestPodsTable:
    def test_each_row_is_a_pod_with_what_the_row_says(self, tmp_path: Path) -> None:
        view = _load(tmp_path, pods=PODS)

        running = _pod(view, "todo", "backend-86d85f4c4f-5p45l")  # -n todo on the command line
        assert (running.phase, running.node_name, running.status["podIP"]) == (
            "Running",
            "node-3",
            "10.244.3.3",
        )
        ready = running.condition("Ready")
        assert ready is not None
        assert ready.is_true
        assert running.created_at is not None
        assert running.container_statuses == ()  # which containers, the table does not say
        waiting = _pod(view, "todo", "backend-6597f97b85-tjfqh")
        assert waiting.phase == "Pending"
        not_ready = waiting.condition("Ready")
        assert not_ready is not None
        assert not not_ready.is_true
        evicted = _pod(view, "todo", "cache-warmer-7c9d-xq2rb")
        assert (evicted.phase, evicted.reason) == ("Failed", "Evicted")
        assert "podIP" not in evicted.status

    def test_a_replicaset_generated_name_gives_the_pod_its_deployment(self, tmp_path: Path) -> None:
        view = _load(tmp_path, pods=PODS)

        replica = _pod(view, "todo", "backend-86d85f4c4f-5p45l")
        assert view.workload_of(replica).name == "backend"
        assert view.workload_of(_pod(view, "todo", "postgres-0")).kind == "Pod"

    def test_a_status_about_an_unnamed_container_is_said_to_need_describe(
        self, tmp_path: Path
    ) -> None:
        view = _load(tmp_path, pods=PODS)

        (warning,) = [w for w in view.warnings if "which container" in w.message]
        assert "ImagePullBackOff" in warning.message
        assert warning.object is not None
        assert warning.object.name == "backend-6597f97b85-tjfqh"
        assert warning.line == 3

    def test_all_namespaces_table(self, tmp_path: Path) -> None:
        table = (PASTED / "get-pods-all-namespaces.txt").read_text()
        view = _load(tmp_path, pods=table)

        api = _pod(view, "shop", "api-6c9f7d8b54-x7k2p")
        ready = api.condition("Ready")
        assert ready is not None
        assert not ready.is_true
        assert _pod(view, "kube-system", "coredns-7db6d8ff4d-6hx5k").phase == "Running"

    def test_a_described_pod_wins_over_its_table_row(self, tmp_path: Path) -> None:
        view = _load(tmp_path, a_pods=PODS, b_describe=DESCRIBED)

        pod = _pod(view, "todo", "backend-6597f97b85-tjfqh")
        assert pod.container_statuses[0].state.waiting_reason == "ImagePullBackOff"
        assert len(view.pods) == 4
        assert not any("which container" in w.message for w in view.warnings)


class TestEventsTable:
    def test_events_join_the_objects_they_are_about(self, tmp_path: Path) -> None:
        view = _load(tmp_path, pods=PODS, events=EVENTS)

        pod = _pod(view, "todo", "backend-6597f97b85-tjfqh")
        assert [e.reason for e in view.events_for(pod)] == ["Scheduled", "Failed", "BackOff"]
        deployment_events = view.events_for(view.workload_of(pod))
        assert [e.reason for e in deployment_events] == ["ScalingReplicaSet"]

    def test_an_event_also_in_a_describe_counts_once(self, tmp_path: Path) -> None:
        view = _load(tmp_path, describe=DESCRIBED, events=EVENTS)

        pod = _pod(view, "todo", "backend-6597f97b85-tjfqh")
        failed = [e for e in view.events_for(pod) if e.reason == "Failed"]
        assert len(failed) == 1
        assert failed[0].count == 4  # the describe's reading: the table has no count
        assert len(view.events_for(pod)) == 3

    def test_table_without_date_takes_the_date_of_the_describe(self, tmp_path: Path) -> None:
        view = _load(tmp_path, describe=DESCRIBED, events=EVENTS)

        printed = datetime(2026, 12, 6, 21, 41, 24, tzinfo=UTC)  # 21:38:31 + 2m53s
        assert view.observed_at == printed
        pod = _pod(view, "todo", "backend-6597f97b85-tjfqh")
        backoff = next(e for e in view.events_for(pod) if e.reason == "BackOff")
        assert backoff.last_seen is not None
        assert (printed - backoff.last_seen).total_seconds() == 23

    def test_the_oldest_events_table_names_kind_and_object_in_columns(self, tmp_path: Path) -> None:
        # openshift/origin#7824 (2017); the report cut the header line, restored here.
        table = (
            "LASTSEEN   FIRSTSEEN   COUNT     NAME                 KIND      SUBOBJECT"
            "                     TYPE      REASON       SOURCE                           MESSAGE\n"
            "18m        19m         4         postgresql-1-t199e   Pod      "
            "                               Warning   FailedSync   {kubelet node238.localnet.net}"
            '   Error syncing pod, skipping: failed to "StartContainer" for "postgresql" with'
            ' CrashLoopBackOff: "Back-off 40s restarting failed container=postgresql'
            ' pod=postgresql-1-t199e_test2(5e7b1fd3-1a01-11e7-8237-005056b6143a)"\n'
            "18m        18m         1         postgresql-1-t199e   Pod       "
            "spec.containers{postgresql}   Normal    Started      {kubelet node238.localnet.net}"
            "   Started container with docker id a8acbe218e6b\n"
        )
        view = _load(tmp_path, events=table)

        failed, started = sorted(view.objects("Event"), key=lambda e: e.raw["reason"])
        assert failed.raw["involvedObject"] == {  # its namespace as the kubelet names the pod
            "kind": "Pod",
            "namespace": "test2",
            "name": "postgresql-1-t199e",
        }
        assert (failed.raw["type"], failed.raw["count"]) == ("Warning", 4)
        assert failed.raw["source"] == {"component": "kubelet", "host": "node238.localnet.net"}
        assert started.raw["involvedObject"]["fieldPath"] == "spec.containers{postgresql}"
        assert "restarting failed container=postgresql" in failed.raw["message"]
