"""A local volume pinned to one node: gone, known under another hostname label, or refusing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kubemedic.analyzers.pending import analyze
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Finding

NOW = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
CONFLICT = "0/{n} nodes are available: {n} node(s) had volume node affinity conflict."


def _node(name: str, hostname: str, labels: dict[str, str] | None = None) -> dict[str, Any]:
    return {
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {"kubernetes.io/hostname": hostname, **(labels or {})},
        },
        "status": {
            "allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"},
            "conditions": [{"type": "Ready", "status": "True"}],
        },
    }


def _objects(message: str, node_selector: dict[str, str] | None = None) -> list[dict[str, Any]]:
    pv = {
        "kind": "PersistentVolume",
        "metadata": {"name": "data-pv"},
        "spec": {
            "capacity": {"storage": "5Gi"},
            "local": {"path": "/mnt/data"},
            "persistentVolumeReclaimPolicy": "Delete",
            "claimRef": {"name": "data", "namespace": "app"},
            "nodeAffinity": {
                "required": {
                    "nodeSelectorTerms": [
                        {
                            "matchExpressions": [
                                {
                                    "key": "kubernetes.io/hostname",
                                    "operator": "In",
                                    "values": ["db-1"],
                                }
                            ]
                        }
                    ]
                }
            },
        },
        "status": {"phase": "Bound"},
    }
    pvc = {
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data", "namespace": "app"},
        "spec": {"volumeName": "data-pv", "resources": {"requests": {"storage": "5Gi"}}},
        "status": {"phase": "Bound"},
    }
    pod = {
        "kind": "Pod",
        "metadata": {"name": "db", "namespace": "app", "creationTimestamp": "2024-03-01T11:00:00Z"},
        "spec": {
            "nodeSelector": node_selector or {},
            "containers": [{"name": "db", "image": "postgres:16"}],
            "volumes": [{"name": "pgdata", "persistentVolumeClaim": {"claimName": "data"}}],
        },
        "status": {
            "phase": "Pending",
            "conditions": [
                {
                    "type": "PodScheduled",
                    "status": "False",
                    "reason": "Unschedulable",
                    "message": message,
                }
            ],
        },
    }
    return [pv, pvc, pod]


def _finding(objects: list[dict[str, Any]]) -> Finding:
    (finding,) = analyze(ClusterView(objects, observed_at=NOW, source="test"))
    return finding


def test_a_volume_pinned_to_a_node_that_is_gone_is_repointed_at_the_only_node() -> None:
    finding = _finding([*_objects(CONFLICT.format(n=1)), _node("minikube", "minikube")])
    assert "pinned to node db-1, which does not exist" in finding.summary
    assert "the nodes are minikube" in finding.root_cause
    steps = " ".join(finding.remediation.steps)
    assert "change db-1 to minikube under spec.nodeAffinity" in steps
    assert "Its reclaim policy is Delete: set it to Retain first" in steps
    assert finding.remediation.commands[1] == "kubectl get pv data-pv -o yaml > data-pv.yaml"


def test_without_every_node_the_missing_node_is_not_asserted() -> None:
    finding = _finding([*_objects(CONFLICT.format(n=3)), _node("minikube", "minikube")])
    assert "is not among the nodes read" in finding.summary
    assert "the node that holds the data" in " ".join(finding.remediation.steps)


def test_a_node_named_like_the_volume_but_labelled_otherwise_is_named() -> None:
    finding = _finding([*_objects(CONFLICT.format(n=1)), _node("db-1", "db-1.example.internal")])
    assert "node db-1 exists but its kubernetes.io/hostname label is db-1.example.internal" in (
        finding.root_cause
    )
    assert "change db-1 to db-1.example.internal" in " ".join(finding.remediation.steps)


def test_the_pinned_node_refusing_the_pod_is_the_cause() -> None:
    message = (
        "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, "
        "1 node(s) had volume node affinity conflict."
    )
    objects = [
        *_objects(message, node_selector={"tier": "web"}),
        _node("db-1", "db-1", {"tier": "db"}),
        _node("web-1", "web-1", {"tier": "web"}),
    ]
    finding = _finding(objects)
    assert "its volume is on node db-1, which refuses the pod" in finding.summary
    assert "label tier=web not met (has tier=db)" in finding.root_cause
    assert finding.remediation.commands[0] == "kubectl describe node db-1"
