"""Disk-pressure evictions: the container the kubelet names filled the node, or was only ranked
first for exceeding its request while something else filled the disk."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kubemedic.analyzers.evicted import analyze
from kubemedic.models.cluster import ClusterView

NOW = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)


def _evicted(usage: str) -> dict[str, Any]:
    message = (
        "The node was low on resource: ephemeral-storage. Threshold quantity: 2146223340, "
        f"available: 1883424Ki. Container app was using {usage}, request is 10Mi, has larger "
        "consumption of ephemeral-storage. "
    )
    return {
        "kind": "Pod",
        "metadata": {"name": "app", "namespace": "default"},
        "spec": {"nodeName": "n1", "containers": [{"name": "app", "image": "app:1"}]},
        "status": {"phase": "Failed", "reason": "Evicted", "message": message},
    }


@pytest.mark.parametrize(
    ("usage", "bystander"),
    [("52676Ki", True), ("15Gi", False)],
)
def test_a_container_using_a_sliver_of_the_reserve_is_not_blamed_for_filling_the_disk(
    usage: str, bystander: bool
) -> None:
    (finding,) = analyze(ClusterView([_evicted(usage)], observed_at=NOW, source="test"))
    steps = " ".join(finding.remediation.steps)
    assert ("something else on the node does" in finding.root_cause) is bystander
    assert ("Stop app filling the node's disk" in steps) is not bystander
