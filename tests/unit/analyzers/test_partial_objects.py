"""Objects known only in part (table rows, events alone): findings say what is not shown and
print commands that run as printed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kubemedic.analyzers import evicted, node_health, pending, pvc_pending, unknown
from kubemedic.analyzers._template_patch import recreate_claim
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.k8s import KObject
from kubemedic.models.table_status import KEY

NOW = datetime(2025, 6, 12, 13, 0, 30, tzinfo=UTC)
NOT_READY = (
    "0/3 nodes are available: 3 node(s) had taint {node.kubernetes.io/not-ready: }, that the "
    "pod didn't tolerate."
)


def _view(*objects: dict[str, Any]) -> ClusterView:
    return ClusterView(list(objects), observed_at=NOW, source="t")


def _claim(spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "data", "namespace": "shop"},
        "spec": spec,
        "status": {"phase": "Pending"},
    }


def _classes(*names: str) -> list[dict[str, Any]]:
    return [
        {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": n}}
        for n in names
    ]


def _event(pod: str, message: str, reason: str = "FailedScheduling") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": f"{pod}.{reason}", "namespace": "shop"},
        "involvedObject": {"kind": "Pod", "name": pod, "namespace": "shop"},
        "reason": reason,
        "type": "Warning" if reason == "FailedScheduling" else "Normal",
        "message": message,
        "lastTimestamp": "2025-06-12T12:59:00Z",
    }


class TestRecreatingAClaimTheInputShowsInPart:
    def test_a_claim_from_a_table_is_read_from_the_cluster_then_created_with_the_new_class(
        self,
    ) -> None:
        claim = KObject(_claim({"storageClassName": "standard"}))

        read, delete, create = recreate_claim(claim, "fast")

        assert read == (
            "kubectl get pvc data -n shop -o yaml | kubectl patch --local -f - --type merge "
            """-p '{"spec":{"storageClassName":"fast"}}' -o yaml > data-pvc.yaml"""
        )
        assert delete == "kubectl delete pvc data -n shop"
        assert create == "kubectl create -f data-pvc.yaml"

    def test_a_claim_whose_spec_is_known_is_written_out_whole(self) -> None:
        spec = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "5Gi"}}}
        claim = KObject(_claim({**spec, "storageClassName": "standard"}))

        delete, create = recreate_claim(claim, "fast")

        assert delete == "kubectl delete pvc data -n shop"
        assert '"accessModes":["ReadWriteOnce"]' in create
        assert '"storage":"5Gi"' in create
        assert '"storageClassName":"fast"' in create

    def test_the_pending_finding_says_what_the_table_did_not_show(self) -> None:
        view = ClusterView(
            [_claim({"storageClassName": "standrad"}), *_classes("standard")],
            observed_at=NOW,
            source="t",
            listed=[("StorageClass", "")],
        )

        (finding,) = pvc_pending.analyze(view)

        assert "size and access modes not shown" in finding.evidence[0].fact
        assert not any("kubectl create -f -" in c for c in finding.remediation.commands)
        assert "from its spec as the cluster has it" in finding.remediation.steps[0]


class TestANodeFromAGetNodesRow:
    def _node(self, ready: dict[str, Any]) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {"name": "docker02"},
            "spec": {},
            "status": {"conditions": [{"type": "Ready", **ready}]},
        }

    def test_not_ready_without_a_reason_says_why_is_unknown_and_how_to_read_it(self) -> None:
        view = _view(self._node({"status": "False"}))

        (finding,) = node_health.analyze(view)

        assert finding.summary == "Node docker02 is NotReady (why is not shown)"
        assert "the kubelet reports:" not in finding.root_cause
        assert finding.remediation.commands[:2] == (
            "kubectl describe node docker02",
            "kubectl get node docker02 -o jsonpath='{.status.conditions}'",
        )
        assert not any("delete node" in c for c in finding.remediation.commands)

    def test_a_reported_reason_is_explained_as_before(self) -> None:
        view = _view(
            self._node(
                {
                    "status": "Unknown",
                    "reason": "NodeStatusUnknown",
                    "message": "Kubelet stopped posting node status.",
                    "lastHeartbeatTime": "2025-06-12T12:00:00Z",
                    "lastTransitionTime": "2025-06-12T12:01:00Z",
                }
            )
        )

        (finding,) = node_health.analyze(view)

        assert finding.summary == "Node docker02 is unreachable (NodeStatusUnknown)"
        assert "the kubelet stopped reporting" in finding.root_cause

    def test_a_cordoned_row_claims_no_count_of_pods_the_input_does_not_hold(self) -> None:
        node = self._node({"status": "True"})
        node["spec"] = {"unschedulable": True}

        (finding,) = node_health.analyze(_view(node))

        assert "the pods on it keep running" in finding.root_cause
        assert "0 pod(s)" not in finding.root_cause


class TestPodsKnownOnlyFromFailedScheduling:
    def test_pods_refused_by_not_ready_nodes_are_one_finding_about_the_nodes(self) -> None:
        view = _view(*(_event(f"web-{i}", NOT_READY) for i in range(3)))

        (finding,) = pending.analyze(view)

        assert finding.category is Category.SCHEDULING_TAINT
        assert [p.name for p in finding.affected] == ["web-0", "web-1", "web-2"]
        assert finding.summary == (
            "3 pods cannot be scheduled: all 3 nodes are NotReady (taint "
            "node.kubernetes.io/not-ready)"
        )
        assert "the cause is the nodes, not the pods" in finding.root_cause
        assert finding.remediation.commands == (
            "kubectl get nodes -o wide",
            "kubectl describe nodes",
        )

    def test_another_blocker_is_named_with_the_commands_that_read_the_pods_side(self) -> None:
        message = "0/3 nodes are available: 3 Insufficient memory."
        view = _view(_event("api-0", message))

        (finding,) = pending.analyze(view)

        assert finding.category is Category.SCHEDULING_INSUFFICIENT_RESOURCES
        assert "the pod is not in it" in finding.root_cause
        assert finding.remediation.commands[:2] == (
            "kubectl describe pod/api-0 -n shop",
            "kubectl get pod/api-0 -n shop -o jsonpath='{.spec.containers[*].resources}'",
        )

    def test_a_pod_scheduled_since_is_not_reported(self) -> None:
        scheduled = _event("web-0", "Successfully assigned shop/web-0 to n1", "Scheduled")
        scheduled["lastTimestamp"] = "2025-06-12T13:00:00Z"

        assert list(pending.analyze(_view(_event("web-0", NOT_READY), scheduled))) == []

    def test_where_pods_are_given_one_missing_from_them_is_not_reported(self) -> None:
        given = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "other", "namespace": "shop"},
            "spec": {"containers": [{"name": "app", "image": "app:1"}], "nodeName": "n1"},
            "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]},
        }

        assert list(pending.analyze(_view(given, _event("web-0", NOT_READY)))) == []


class TestPodsTheInputShowsInPart:
    def _pod(self, status: dict[str, Any], name: str = "citadel-894d98c88-zkt23") -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": name,
                "namespace": "istio",
                "creationTimestamp": "2025-06-12T12:00:00Z",
            },
            "spec": {},
            "status": status,
        }

    def test_an_evicted_pod_without_its_owner_is_not_called_bare(self) -> None:
        message = (
            "The node was low on resource: memory. Container citadel was using 43536Ki, which "
            "exceeds its request of 0."
        )
        pod = self._pod({"phase": "Failed", "reason": "Evicted", "message": message})

        (finding,) = evicted.analyze(_view(pod))

        text = " ".join(
            [finding.root_cause, *finding.remediation.steps, *(e.fact for e in finding.evidence)]
        )
        assert "bare pod" not in text.replace("a bare pod stays down", "")
        assert "The input does not show what owns the pod" in finding.root_cause
        assert "jsonpath='{.metadata.ownerReferences}'" in text

    def test_a_pending_row_is_not_said_to_be_starting_its_containers(self) -> None:
        pod = self._pod(
            {"phase": "Pending", "conditions": [{"type": "Ready", "status": "False"}]},
            name="svclb-web-snkgf",
        )

        (finding,) = unknown.analyze(_view(pod))

        assert finding.summary.endswith("pod Pending for 1h")
        assert "while its containers start" not in finding.evidence[-1].fact
        assert "while it waits for a node or its containers" in finding.evidence[-1].fact

    def test_a_row_pod_refused_by_a_taint_gets_no_advice_about_a_selector_it_may_have(
        self,
    ) -> None:
        pod = self._pod({"phase": "Pending", KEY: "Pending"}, name="node-admin")
        message = (
            "0/23 nodes are available: 1 node(s) had taints that the pod didn't tolerate, 22 "
            "node(s) didn't match node selector."
        )
        event = _event("node-admin", message)
        event["involvedObject"]["namespace"] = "istio"

        (finding,) = pending.analyze(_view(pod, event))

        assert not any("nodeSelector" in step for step in finding.remediation.steps)


def test_the_silent_provisioner_is_looked_for_by_its_product_name() -> None:
    claim = _claim({"storageClassName": "longhorn"})
    event = {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": "data.1", "namespace": "shop"},
        "involvedObject": {"kind": "PersistentVolumeClaim", "name": "data", "namespace": "shop"},
        "reason": "ExternalProvisioning",
        "type": "Normal",
        "message": "Waiting for a volume to be created either by the external provisioner "
        "'driver.longhorn.io' or manually by the system administrator.",
    }

    (finding,) = pvc_pending.analyze(_view(claim, event))

    assert "kubectl get pods -A | grep -i longhorn" in finding.remediation.commands
