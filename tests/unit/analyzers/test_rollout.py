"""What a rollout changed, and when a failure is blamed on it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kubemedic.analyzers._rollout import rollout_change, rollout_in_progress, template_changes
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import AffectedPod, Finding, ObjectRef, Remediation
from kubemedic.models.k8s import Workload
from kubemedic.models.severity import RiskTier, Severity

NOW = datetime(2024, 8, 8, 16, 0, tzinfo=UTC)


def _template(**container: Any) -> dict[str, Any]:
    return {"spec": {"containers": [{"name": "app", "image": "acme/app:1.0", **container}]}}


def test_identical_templates_change_nothing() -> None:
    assert template_changes(_template(), _template()) == ()


def test_image_command_and_resources_are_named_with_both_values() -> None:
    old = _template(command=["python", "app.py"], resources={"limits": {"memory": "512Mi"}})
    new = _template(
        image="acme/app:1.1",
        command=["python3", "app.py"],
        resources={"limits": {"memory": "256Mi"}, "requests": {"cpu": "100m"}},
    )
    assert template_changes(old, new) == (
        "image of app: acme/app:1.0 → acme/app:1.1",
        "command of app: [python app.py] → [python3 app.py]",
        "resources of app: requests.cpu none → 100m, limits.memory 512Mi → 256Mi",
    )


def test_env_changes_name_variables_but_never_values() -> None:
    old = _template(env=[{"name": "A", "value": "secret-1"}, {"name": "B", "value": "x"}])
    new = _template(env=[{"name": "A", "value": "secret-2"}, {"name": "C", "value": "y"}])
    (change,) = template_changes(old, new)
    assert change == "env of app: added C and removed B and changed A"
    assert "secret" not in change


def test_secret_looking_arguments_are_masked() -> None:
    old = _template(args=["--db-password=hunter2", "--port=8080"])
    new = _template(args=["--db-password=hunter3", "--port=9090"])
    (change,) = template_changes(old, new)
    assert "hunter" not in change
    assert "--db-password=*** --port=9090" in change


def test_probe_added_removed_and_moved() -> None:
    probe = {"httpGet": {"path": "/healthz", "port": 8080}}
    moved = {"httpGet": {"path": "/healthz", "port": 8081}}
    old = _template(livenessProbe=probe, readinessProbe=probe)
    new = _template(livenessProbe=moved, startupProbe=probe)
    assert template_changes(old, new) == (
        "livenessProbe of app: HTTP GET :8080/healthz → HTTP GET :8081/healthz",
        "readinessProbe of app: removed (was HTTP GET :8080/healthz)",
        "startupProbe of app: added (HTTP GET :8080/healthz, delay=0s timeout=1s period=10s "
        "#failure=3)",
    )


def test_containers_and_service_account() -> None:
    old = {"spec": {"containers": [{"name": "app"}, {"name": "proxy"}]}}
    new = {"spec": {"serviceAccountName": "app", "containers": [{"name": "app"}, {"name": "log"}]}}
    assert template_changes(old, new) == (
        "container log added",
        "container proxy removed",
        "serviceAccountName: default → app",
    )


def _deployment(**status: Any) -> Workload:
    raw = {
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop", "generation": 4},
        "status": {"observedGeneration": 4, **status},
    }
    return Workload(raw)


def _progressing(status: str, reason: str) -> dict[str, Any]:
    return {"conditions": [{"type": "Progressing", "status": status, "reason": reason}]}


@pytest.mark.parametrize(
    ("status", "in_progress"),
    [
        (_progressing("True", "ReplicaSetUpdated"), True),
        (_progressing("True", "NewReplicaSetAvailable"), False),
        (_progressing("False", "ProgressDeadlineExceeded"), False),
        ({"observedGeneration": 3}, True),
        ({}, False),
    ],
)
def test_rollout_in_progress(status: dict[str, Any], in_progress: bool) -> None:
    assert rollout_in_progress(_deployment(**status)) is in_progress


def _rs(name: str, revision: int, created: str, image: str, ready: int) -> dict[str, Any]:
    return {
        "kind": "ReplicaSet",
        "metadata": {
            "name": name,
            "namespace": "shop",
            "uid": f"uid-{name}",
            "creationTimestamp": created,
            "annotations": {"deployment.kubernetes.io/revision": str(revision)},
            "ownerReferences": [
                {"kind": "Deployment", "name": "web", "uid": "uid-web", "controller": True}
            ],
        },
        "spec": {"template": {"spec": {"containers": [{"name": "web", "image": image}]}}},
        "status": {"readyReplicas": ready},
    }


def _pod(name: str, replica_set: str) -> dict[str, Any]:
    return {
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": "shop",
            "ownerReferences": [
                {"kind": "ReplicaSet", "name": replica_set, "uid": f"uid-{replica_set}"}
            ],
        },
    }


def _view() -> ClusterView:
    objects = [
        {"kind": "Deployment", "metadata": {"name": "web", "namespace": "shop", "uid": "uid-web"}},
        _rs("web-a", 6, "2024-08-01T10:00:00Z", "acme/web:1.0", 0),
        _rs("web-b", 7, "2024-08-05T10:00:00Z", "acme/web:1.1", 3),
        _rs("web-c", 8, "2024-08-08T15:30:00Z", "acme/web:1.2", 0),
        _pod("web-c-1", "web-c"),
        _pod("web-b-1", "web-b"),
    ]
    return ClusterView(objects, observed_at=NOW, source="test")


def _finding(first_seen: str, *pods: str) -> Finding:
    return Finding(
        id="KM-POD-X",
        severity=Severity.HIGH,
        category=Category.CRASHLOOP_APP_ERROR,
        object=ObjectRef("Deployment", "web", "shop"),
        summary="",
        root_cause="",
        evidence=(),
        remediation=Remediation("", RiskTier.LOW, True, ""),
        affected=tuple(AffectedPod("shop", p) for p in pods),
        first_seen=datetime.fromisoformat(first_seen),
    )


def test_failure_of_the_new_revision_is_compared_with_the_one_that_served() -> None:
    change = rollout_change(_view(), _finding("2024-08-08T15:32:00+00:00", "web-c-1"))
    assert change is not None
    evidence, sentence, undo = change
    # revision 7 still has ready pods, so it is the baseline rather than revision 6
    assert "image of web: acme/web:1.1 → acme/web:1.2" in evidence.fact
    assert sentence.startswith("It began 2m after the rollout to revision 8 (ReplicaSet web-c)")
    assert undo == "kubectl rollout undo deployment/web -n shop --to-revision=7"
    assert undo in sentence


@pytest.mark.parametrize(
    "finding",
    [
        _finding("2024-08-08T15:32:00+00:00", "web-c-1", "web-b-1"),  # old pods fail too
        _finding("2024-08-08T17:00:00+00:00", "web-c-1"),  # long after the rollout
        _finding("2024-08-08T15:00:00+00:00"),  # began before it
    ],
)
def test_failures_not_caused_by_the_rollout_are_left_alone(finding: Finding) -> None:
    assert rollout_change(_view(), finding) is None
