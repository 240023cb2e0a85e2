"""A static pod is run by its node's kubelet from a manifest file: its findings name the pod (not
the Node that owns its mirror), and its fix is made in that file, never through the API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kubemedic.analyzers.crashloop import analyze
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import ObjectRef

NOW = datetime(2024, 5, 1, 10, 8, 30, tzinfo=UTC)


def _mirror(name: str, component: str) -> dict[str, Any]:
    return {
        "kind": "Pod",
        "metadata": {
            "name": f"{component}-cp-1",
            "namespace": "kube-system",
            "uid": name,
            "annotations": {
                "kubernetes.io/config.mirror": "5f2d",
                "kubernetes.io/config.source": "file",
            },
            "ownerReferences": [{"kind": "Node", "name": "cp-1", "uid": "n1", "controller": True}],
        },
        "spec": {"nodeName": "cp-1", "containers": [{"name": component, "image": "k8s"}]},
        "status": {
            "phase": "Running",
            "containerStatuses": [
                {
                    "name": component,
                    "ready": False,
                    "restartCount": 6,
                    "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                    "lastState": {
                        "terminated": {
                            "exitCode": 1,
                            "reason": "Error",
                            "startedAt": "2024-05-01T10:08:00Z",
                            "finishedAt": "2024-05-01T10:08:01Z",
                        }
                    },
                }
            ],
        },
    }


def _view() -> ClusterView:
    pods = [_mirror("u1", "kube-apiserver"), _mirror("u2", "kube-scheduler")]
    return ClusterView(pods, observed_at=NOW, source="t")


def test_each_static_pod_is_its_own_workload() -> None:
    objects = sorted(str(f.object) for f in analyze(_view()))
    assert objects == [
        str(ObjectRef("Pod", "kube-apiserver-cp-1", "kube-system")),
        str(ObjectRef("Pod", "kube-scheduler-cp-1", "kube-system")),
    ]


RUNC = (
    "failed to create containerd task: failed to create shim task: OCI runtime create failed: "
    'runc create failed: unable to start container process: exec: "kube-apiservr": '
    "executable file not found in $PATH: unknown"
)


def test_the_fix_is_made_in_the_manifest_on_the_node() -> None:
    """A mistyped command: the fix changes the command, which for a static pod is in its file."""
    pod = _mirror("u1", "kube-apiserver")
    pod["spec"]["containers"][0]["command"] = ["kube-apiservr", "--advertise-address=10.0.0.1"]
    status = pod["status"]["containerStatuses"][0]
    status["lastState"]["terminated"] |= {"exitCode": 128, "reason": "StartError", "message": RUNC}
    (finding,) = analyze(ClusterView([pod], observed_at=NOW, source="t"))
    fix = finding.remediation
    assert fix.commands[0] == (
        "kubectl debug node/cp-1 -it --image=busybox:1.36 -- "
        "cat /host/etc/kubernetes/manifests/kube-apiserver.yaml"
    )
    assert "static pod" in fix.steps[-1]
