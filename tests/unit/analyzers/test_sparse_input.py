"""Sparse input: events about an object the input lacks, a pods table's word alone."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kubemedic.analyzers import failed_create, unknown
from kubemedic.models.cluster import ClusterView
from kubemedic.models.severity import Severity
from kubemedic.models.table_status import KEY

NOW = datetime(2025, 6, 12, 13, 0, 30, tzinfo=UTC)
EVICTED = (
    "The node was low on resource: memory. Container web was using 1843200Ki, which exceeds "
    "its request of 512Mi."
)


def _event(reason: str, message: str, last: str, kind: str = "Pod") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": f"web-0.{reason}", "namespace": "shop"},
        "involvedObject": {"kind": kind, "name": "web-0", "namespace": "shop"},
        "reason": reason,
        "type": "Warning",
        "message": message,
        "count": 1,
        "lastTimestamp": last,
    }


def _table_pod(word: str, age: str = "2025-06-12T12:59:40Z") -> dict[str, Any]:
    """A pod as a ``kubectl get pods`` row shows it: 50 seconds old, not Ready."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "api-0", "namespace": "shop", "creationTimestamp": age},
        "spec": {},
        "status": {
            "phase": "Pending",
            "conditions": [{"type": "Ready", "status": "False"}],
            KEY: word,
        },
    }


class TestEventsAboutAPodNotInTheInput:
    def test_what_the_events_say_is_reported_and_no_status_is_made_up(self) -> None:
        view = ClusterView(
            [_event("Evicted", EVICTED, "2025-06-12T12:58:00Z")], observed_at=NOW, source="t"
        )

        (finding,) = unknown.analyze(view)

        assert finding.severity is Severity.MEDIUM
        assert (finding.object.kind, finding.object.name) == ("Pod", "web-0")
        assert "which is not in the input" in finding.summary
        assert EVICTED in finding.root_cause
        assert "its state now is unknown" in finding.root_cause
        assert finding.evidence[0].fact == EVICTED

    def test_a_pod_missing_from_a_complete_list_was_deleted_and_is_not_reported(self) -> None:
        view = ClusterView(
            [_event("Evicted", EVICTED, "2025-06-12T12:58:00Z")],
            observed_at=NOW,
            source="t",
            listed=[("Pod", "shop")],
        )

        assert list(unknown.analyze(view)) == []

    def test_where_pods_are_given_one_missing_from_them_was_deleted(self) -> None:
        given = _table_pod("Running")
        given["status"] = {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]}
        view = ClusterView(
            [given, _event("Evicted", EVICTED, "2025-06-12T12:58:00Z")], observed_at=NOW, source="t"
        )

        assert list(unknown.analyze(view)) == []

    def test_events_older_than_an_hour_are_history(self) -> None:
        view = ClusterView(
            [_event("Evicted", EVICTED, "2025-06-12T10:00:00Z")], observed_at=NOW, source="t"
        )

        assert list(unknown.analyze(view)) == []


class TestAPodsTableWordAlone:
    def test_a_failure_word_is_reported_before_the_five_minutes_a_start_may_take(self) -> None:
        view = ClusterView([_table_pod("CreateContainerConfigError")], observed_at=NOW, source="t")

        (finding,) = unknown.analyze(view)

        assert finding.summary.endswith("kubectl get pods shows CreateContainerConfigError")
        assert any("ConfigMap or Secret" in step for step in finding.remediation.steps)

    def test_a_start_in_progress_is_not_a_failure(self) -> None:
        for word in ("ContainerCreating", "PodInitializing", "Init:0/2"):
            view = ClusterView([_table_pod(word)], observed_at=NOW, source="t")

            assert list(unknown.analyze(view)) == [], word


QUOTA = (
    'Error creating: pods "worker-7d9f8b6c5d-x2x4k" is forbidden: exceeded quota: compute, '
    "requested: limits.memory=2Gi, used: limits.memory=7Gi, limited: limits.memory=8Gi"
)


class TestRefusalsAboutAControllerNotInTheInput:
    def _view(self, **listed: str) -> ClusterView:
        event = _event("FailedCreate", QUOTA, "2025-06-12T12:59:00Z", kind="ReplicaSet")
        event["involvedObject"]["name"] = "worker-7d9f8b6c5d"
        return ClusterView([event], observed_at=NOW, source="t", listed=list(listed.items()))

    def test_the_refusal_is_reported_without_a_pod_count(self) -> None:
        (finding,) = failed_create.analyze(self._view())

        assert (finding.object.kind, finding.object.name) == ("ReplicaSet", "worker-7d9f8b6c5d")
        assert finding.severity is Severity.HIGH  # whether anything still serves is unknown
        assert "how many of its pods exist is unknown" in finding.root_cause
        assert "pods exist" not in " ".join(e.fact for e in finding.evidence)
        assert any("Controlled By" in step for step in finding.remediation.steps)

    def test_a_controller_missing_from_a_complete_list_is_gone(self) -> None:
        assert list(failed_create.analyze(self._view(ReplicaSet="shop"))) == []


class TestAContainerThatCannotBeConfigured:
    def test_the_objects_its_env_reads_are_named_with_commands_that_show_which_is_missing(
        self,
    ) -> None:
        env = [
            {
                "name": "DB_PASSWORD",
                "valueFrom": {"secretKeyRef": {"name": "db-secret", "key": "password"}},
            },
            {
                "name": "MODE",
                "valueFrom": {"configMapKeyRef": {"name": "tuning", "key": "m", "optional": True}},
            },
        ]
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "api-0", "namespace": "shop"},
            "spec": {"containers": [{"name": "api", "image": "api:1", "env": env}]},
            "status": {
                "phase": "Pending",
                "containerStatuses": [
                    {
                        "name": "api",
                        "ready": False,
                        "restartCount": 0,
                        "state": {"waiting": {"reason": "CreateContainerConfigError"}},
                    }
                ],
            },
        }
        view = ClusterView([pod], observed_at=NOW, source="t")

        (finding,) = unknown.analyze(view)

        assert any("Secret db-secret (key password)" in s for s in finding.remediation.steps)
        assert "kubectl describe secret db-secret -n shop" in finding.remediation.commands
        assert not any("tuning" in c for c in finding.remediation.commands)  # optional
