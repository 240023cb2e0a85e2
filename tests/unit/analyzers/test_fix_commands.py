"""Fixes that work as printed: commands valid for the object, real values, one way at a time.

Each test builds a small cluster, diagnoses it and reads the first finding's fix the way a user
runs it: every command in order. A rollback never follows a fix that already corrects the
template; a bare Pod or a Job is never patched or watched as if it had a rollout; values the
cluster knows (the previous revision's, a Secret's key, the node's room) are in the commands.
"""

from __future__ import annotations

import json
import shlex
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from kubemedic.adapters.kubernetes.files import load_files
from kubemedic.analyzers._commands import only_looks, with_rollback
from kubemedic.models.cluster import ClusterView, LogKey, LogTail
from kubemedic.models.findings import Finding, Remediation
from kubemedic.models.severity import RiskTier
from kubemedic.services.diagnose import diagnose

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
NS = "shop"
UNDO = "kubectl rollout undo deployment/api -n shop --to-revision=1"


def _fix(*commands: str) -> Remediation:
    return Remediation("", RiskTier.LOW, True, "", commands=commands)


@pytest.mark.parametrize(
    ("command", "looks"),
    [
        ("kubectl get pods -n shop", True),
        ("kubectl -n shop rollout status deployment/api", True),
        ("kubectl describe nodes | grep -A 10 'Allocated resources'", True),
        ("kubectl run check -n shop --rm -i --restart=Never --image=busybox -- ls", True),
        ("kubectl run api -n shop --image=acme/api:1", False),
        ("kubectl rollout undo deployment/api -n shop", False),
        ("echo '{}' | kubectl create -f -", False),
        ("docker buildx imagetools inspect acme/api:1", False),
    ],
)
def test_only_looks(command: str, looks: bool) -> None:
    assert only_looks(command) is looks


def test_a_rollback_is_the_command_only_when_nothing_else_changes_the_workload() -> None:
    watching = with_rollback(_fix("kubectl logs api-1 -n shop", "kubectl rollout status x"), UNDO)
    assert watching.commands == ("kubectl logs api-1 -n shop", UNDO, "kubectl rollout status x")

    patched = with_rollback(_fix("kubectl set image deployment/api -n shop api=acme/api:1"), UNDO)
    assert patched.commands == ("kubectl set image deployment/api -n shop api=acme/api:1",)
    assert patched.steps[-1].endswith(UNDO)

    generic = with_rollback(_fix("kubectl rollout undo deployment/api -n shop"), UNDO)
    assert generic.commands == (UNDO,)  # one rollback, the one that names its revision


# -- a small cluster: Deployment api, revision 2 failing, revision 1 before it ---------------


def _container(**fields: Any) -> dict[str, Any]:
    return {"name": "api", "image": "acme/api:2.0", **fields}


def _deployment(template: dict[str, Any], kind: str = "Deployment") -> list[dict[str, Any]]:
    meta = {"name": "api", "namespace": NS, "uid": "uid-api"}
    return [{"kind": kind, "metadata": meta, "spec": {"replicas": 1, "template": template}}]


def _replica_set(revision: int, template: dict[str, Any], ready: int) -> dict[str, Any]:
    return {
        "kind": "ReplicaSet",
        "metadata": {
            "name": f"api-{revision}",
            "namespace": NS,
            "uid": f"uid-rs-{revision}",
            "creationTimestamp": f"2025-03-01T1{revision}:00:00Z",
            "annotations": {"deployment.kubernetes.io/revision": str(revision)},
            "ownerReferences": [
                {"kind": "Deployment", "name": "api", "uid": "uid-api", "controller": True}
            ],
        },
        "spec": {"template": template},
        "status": {"readyReplicas": ready},
    }


def _crashing_pod(
    container: dict[str, Any], owner: tuple[str, str] | None = ("ReplicaSet", "api-2")
) -> dict[str, Any]:
    owners = (
        [{"kind": owner[0], "name": owner[1], "uid": f"uid-{owner[1]}", "controller": True}]
        if owner
        else []
    )
    return {
        "kind": "Pod",
        "metadata": {
            "name": "api-2-x",
            "namespace": NS,
            "creationTimestamp": "2025-03-01T11:50:00Z",
            "ownerReferences": owners,
        },
        "spec": {"containers": [container]},
        "status": {
            "phase": "Running",
            "containerStatuses": [
                {
                    "name": "api",
                    "ready": False,
                    "restartCount": 5,
                    "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                    "lastState": {
                        "terminated": {
                            "exitCode": 1,
                            "reason": "Error",
                            "startedAt": "2025-03-01T11:58:00Z",
                            "finishedAt": "2025-03-01T11:58:01Z",
                        }
                    },
                }
            ],
        },
    }


def _first(objects: list[dict[str, Any]], log: str = "") -> Finding:
    logs = {LogKey(NS, "api-2-x", "api"): (LogTail(tuple(log.splitlines()), True, "test"),)}
    listed = [(kind, NS) for kind in ("ReplicaSet", "Secret", "ConfigMap", "Pod")]
    view = ClusterView(objects, observed_at=NOW, source="test", listed=listed, logs=logs)
    findings = diagnose(view).findings
    assert findings, "nothing diagnosed"
    return findings[0]


def _template(container: dict[str, Any]) -> dict[str, Any]:
    return {"metadata": {"labels": {"app": "api"}}, "spec": {"containers": [container]}}


MISSING_ENV = "KeyError: 'DATABASE_URL'"
DEFINED = {"name": "DATABASE_URL", "valueFrom": {"secretKeyRef": {"name": "db", "key": "url"}}}


def test_a_variable_the_last_rollout_removed_is_restored_by_returning_to_its_revision() -> None:
    before, now = _container(image="acme/api:1.0", env=[DEFINED]), _container()
    objects = [
        *_deployment(_template(now)),
        _replica_set(1, _template(before), ready=1),
        _replica_set(2, _template(now), ready=0),
        _crashing_pod(now),
    ]
    fix = _first(objects, MISSING_ENV).remediation
    assert fix.commands[0] == UNDO
    assert not any("<value>" in c for c in fix.commands)
    assert any(json.dumps(DEFINED, separators=(",", ":")) in s for s in fix.steps)


def test_a_variable_named_like_a_secret_key_is_read_from_that_key() -> None:
    now = _container()
    secret = {
        "kind": "Secret",
        "metadata": {"name": "api-db", "namespace": NS},
        "data": {"database-url": "eA=="},
    }
    objects = [*_deployment(_template(now)), _replica_set(2, _template(now), 0), _crashing_pod(now)]
    fix = _first([*objects, secret], MISSING_ENV).remediation
    body = json.loads(shlex.split(fix.commands[0])[-1])
    (env,) = body["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env == {
        "name": "DATABASE_URL",
        "valueFrom": {"secretKeyRef": {"name": "api-db", "key": "database-url"}},
    }
    assert not any("rollout undo" in c for c in fix.commands)  # there is no earlier revision


def test_an_unknown_value_is_looked_for_with_kubectl_alone() -> None:
    now = _container()
    objects = [*_deployment(_template(now)), _replica_set(2, _template(now), 0), _crashing_pod(now)]
    fix = _first(objects, MISSING_ENV).remediation
    assert fix.commands[0].startswith("kubectl get secrets,configmaps -n shop -o go-template=")
    assert only_looks(fix.commands[0])


def test_a_bare_pod_is_recreated_with_the_change_never_set_or_watched() -> None:
    pod = _crashing_pod(_container(), owner=None)
    fix = _first([pod], MISSING_ENV).remediation
    assert not any(c.startswith(("kubectl set ", "kubectl rollout ")) for c in fix.commands)
    assert any("delete it and create it again from its manifest" in s for s in fix.steps)


def test_a_mistyped_command_names_what_the_previous_revision_ran() -> None:
    before = _container(image="acme/api:1.0", command=["/opt/acme/bin/acme-server"])
    now = _container(command=["sh", "-c", "acme-sever --port 8080"])
    objects = [
        *_deployment(_template(now)),
        _replica_set(1, _template(before), ready=1),
        _replica_set(2, _template(now), ready=0),
        _crashing_pod(now),
    ]
    fix = _first(objects, "sh: 1: acme-sever: not found").remediation
    assert "'acme-server' (revision 1 ran it)" in fix.summary
    body = json.loads(shlex.split(fix.commands[0])[-1])
    container = body["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["sh", "-c", "acme-server --port 8080"]


def test_a_command_nothing_resembles_is_looked_for_in_the_image() -> None:
    now = _container(command=["zz-tool"])
    objects = [*_deployment(_template(now)), _replica_set(2, _template(now), 0), _crashing_pod(now)]
    fix = _first(objects, 'exec: "zz-tool": executable file not found in $PATH').remediation
    assert fix.commands[0].startswith("kubectl run cmd-check -n shop --rm -i --restart=Never")


def _oom_pod(limit: str, owner: tuple[str, str] | None = ("ReplicaSet", "api-2")) -> dict[str, Any]:
    pod = _crashing_pod(_container(resources={"limits": {"memory": limit}}), owner)
    pod["status"]["containerStatuses"][0]["lastState"]["terminated"].update(
        exitCode=137, reason="OOMKilled"
    )
    return pod


def test_kills_that_came_with_a_release_under_the_same_limit_are_rolled_back_first() -> None:
    limits = {"resources": {"limits": {"memory": "512Mi"}}}
    before, now = _container(image="acme/api:1.0", **limits), _container(**limits)
    objects = [
        *_deployment(_template(now)),
        _replica_set(1, _template(before), ready=1),
        _replica_set(2, _template(now), ready=0),
        _oom_pod("512Mi"),
    ]
    fix = _first(objects).remediation
    assert fix.commands[0] == UNDO
    assert any("kubectl set resources deployment/api" in s for s in fix.steps)


def test_an_oom_killed_bare_pod_gets_no_set_resources() -> None:
    fix = _first([_oom_pod("128Mi", owner=None)]).remediation
    assert fix.commands == ()
    assert any('"limits":{"memory":"256Mi"}' in s for s in fix.steps)


def _pulling_pod(image: str, name: str, replica_set: str) -> dict[str, Any]:
    pod = _crashing_pod(_container(image=image), ("ReplicaSet", replica_set))
    pod["metadata"]["name"] = name
    pod["status"]["containerStatuses"][0].update(
        state={"waiting": {"reason": "ImagePullBackOff", "message": f'Back-off pulling "{image}"'}},
        lastState={},
        restartCount=0,
    )
    return pod


def test_a_denied_pull_returns_to_the_image_that_pulls_before_asking_for_credentials() -> None:
    private, public = "ghcr.io/acme/api-private:2.0", "ghcr.io/acme/api:1.0"
    running = _pulling_pod(public, "api-1-a", "api-1")
    running["status"]["containerStatuses"][0].update(state={"running": {}}, ready=True)
    denied = {
        "kind": "Event",
        "metadata": {"name": "e1", "namespace": NS},
        "involvedObject": {"kind": "Pod", "name": "api-2-x", "namespace": NS,
                           "fieldPath": "spec.containers{api}"},
        "reason": "Failed",
        "type": "Warning",
        "message": f'Failed to pull image "{private}": failed to authorize: 401 Unauthorized',
        "lastTimestamp": "2025-03-01T11:59:00Z",
    }  # fmt: skip
    objects = [
        *_deployment(_template(_container(image=private))),
        _replica_set(1, _template(_container(image=public)), ready=1),
        _replica_set(2, _template(_container(image=private)), ready=0),
        running,
        _pulling_pod(private, "api-2-x", "api-2"),
        denied,
    ]
    fix = _first(objects).remediation
    assert fix.commands[0] == f"kubectl set image deployment/api -n shop api={public}"
    assert all(only_looks(c) for c in fix.commands[1:])
    assert any("--docker-password=<token>" in step for step in fix.steps)


def test_a_node_under_memory_pressure_gives_its_hog_a_limit_the_node_can_hold() -> None:
    node = {
        "kind": "Node",
        "metadata": {"name": "node-1"},
        "status": {
            "allocatable": {"memory": "16Gi"},
            "conditions": [
                {"type": "Ready", "status": "True"},
                {"type": "MemoryPressure", "status": "True", "reason": "LowMemory"},
            ],
        },
    }  # fmt: skip

    def bare_pod(name: str, request: str, usage: str) -> list[dict[str, Any]]:
        container = _container(resources={"requests": {"memory": request}})
        pod = {
            "kind": "Pod",
            "metadata": {"name": name, "namespace": NS},
            "spec": {"nodeName": "node-1", "containers": [container]},
            "status": {"phase": "Running"},
        }
        metrics = {
            "kind": "PodMetrics",
            "metadata": {"name": name, "namespace": NS},
            "containers": [{"name": "api", "usage": {"memory": usage}}],
        }
        return [pod, metrics]

    objects = [node, *bare_pod("hog", "64Mi", "14Gi"), *bare_pod("quiet", "2Gi", "1Gi")]
    view = ClusterView(objects, observed_at=NOW, source="test")
    (pressure,) = [f for f in diagnose(view).findings if f.id == "KM-NODE-PRESSURE"]
    assert "Give container api of Pod shop/hog a memory request of" in pressure.remediation.summary
    # 0.9 × (16Gi − the 2Gi the other pod requests) = 12.6Gi, not 1.3 × 14Gi = 18.2Gi
    (recreate,) = [s for s in pressure.remediation.steps if "Pod shop/hog" in s]
    assert '"limits":{"memory":"12864Mi"}' in recreate
    assert all(only_looks(c) for c in pressure.remediation.commands)  # a bare pod: recreated


def test_a_timed_out_rollout_without_an_earlier_revision_offers_no_rollback() -> None:
    now = _container()
    deployment = _deployment(_template(now))[0]
    deployment["status"] = {
        "conditions": [
            {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
             "lastTransitionTime": "2025-03-01T11:30:00Z"}
        ]
    }  # fmt: skip
    objects = [deployment, _replica_set(1, _template(now), ready=0)]
    for finding in diagnose(
        ClusterView(objects, observed_at=NOW, source="test", listed=[("ReplicaSet", NS)])
    ).findings:
        assert not any("rollout undo" in c for c in finding.remediation.commands)
        assert not any("rollout undo" in s for s in finding.remediation.steps)


@pytest.mark.parametrize(
    "case",
    ["real-holmes-pending-node-selector-no-match", "real-bench-service-no-endpoints-node-selector"],
)
def test_labelling_a_shared_node_is_only_an_alternative(case: str) -> None:
    folder = Path(__file__).parents[2] / "scenarios" / case
    (pending,) = [
        f for f in diagnose(load_files([folder])).findings if f.id == "KM-POD-PENDING-AFFINITY"
    ]
    fix = pending.remediation
    assert not any(c.startswith("kubectl label node") for c in fix.commands)
    assert any("kubectl label node" in s and "shared node" in s for s in fix.steps)
