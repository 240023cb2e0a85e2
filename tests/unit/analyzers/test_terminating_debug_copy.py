"""A finalizer on an `oc debug` copy: inherited from the original, never removed by its
controller — unlike the same finalizer on a pod the controller created."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kubemedic.analyzers.terminating import analyze
from kubemedic.models.cluster import ClusterView

NOW = datetime(2022, 6, 17, 14, 0, tzinfo=UTC)
SOURCE = {"debug.openshift.io/source-resource": "/v1, Resource=pods/job-pod"}


def _pod(annotations: dict[str, str]) -> dict[str, Any]:
    return {
        "kind": "Pod",
        "metadata": {
            "name": "job-pod-debug",
            "namespace": "ci",
            "annotations": annotations,
            "finalizers": ["prow.x-k8s.io/gcsk8sreporter"],
            "deletionTimestamp": "2022-06-17T12:00:00Z",
            "deletionGracePeriodSeconds": 0,
        },
        "spec": {"nodeName": "n1", "containers": [{"name": "c", "image": "i"}]},
        "status": {"phase": "Failed"},
    }


@pytest.mark.parametrize(("annotations", "copy"), [(SOURCE, True), ({}, False)])
def test_a_debug_copy_is_told_apart_from_a_pod_whose_controller_is_gone(
    annotations: dict[str, str], copy: bool
) -> None:
    (finding,) = analyze(ClusterView([_pod(annotations)], observed_at=NOW, source="test"))
    assert ("debug copy of pod job-pod (oc debug)" in finding.root_cause) is copy
    assert ("no longer installed" in finding.root_cause) is not copy
