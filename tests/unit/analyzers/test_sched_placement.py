"""Taints against tolerations and node labels against selectors, as the scheduler applies them."""

from __future__ import annotations

from typing import Any

import pytest

from kubemedic.analyzers._placement import (
    Requirement,
    Taint,
    label_values,
    pod_node_constraint,
    tolerates,
    untolerated_taints,
)
from kubemedic.models.k8s import Node, Pod

GPU_TAINT = Taint("dedicated", "gpu", "NoSchedule")


def node(name: str, labels: dict[str, str], taints: list[dict[str, Any]] | None = None) -> Node:
    return Node(
        {
            "kind": "Node",
            "metadata": {"name": name, "labels": labels},
            "spec": {"taints": taints or []},
        }
    )


@pytest.mark.parametrize(
    ("toleration", "expected"),
    [
        ({"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}, True),
        ({"key": "dedicated", "value": "gpu"}, True),  # Equal is the default; no effect = any
        ({"key": "dedicated", "operator": "Exists"}, True),
        ({"operator": "Exists"}, True),  # empty key + Exists tolerates every taint
        ({"key": "dedicated", "operator": "Equal", "value": "ml", "effect": "NoSchedule"}, False),
        ({"key": "dedicated", "operator": "Exists", "effect": "NoExecute"}, False),
        ({"key": "other", "operator": "Exists"}, False),
    ],
)
def test_toleration_matching(toleration: dict[str, Any], expected: bool) -> None:
    assert tolerates([toleration], GPU_TAINT) is expected


def test_only_blocking_untolerated_taints_count() -> None:
    pod = Pod(
        {
            "kind": "Pod",
            "spec": {
                "tolerations": [{"key": "dedicated", "operator": "Exists", "effect": "NoSchedule"}]
            },
        }
    )
    target = node(
        "n1",
        {},
        [
            {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"},
            {"key": "spot", "value": "true", "effect": "PreferNoSchedule"},
            {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"},
        ],
    )
    assert [str(t) for t in untolerated_taints(pod, target)] == [
        "node.kubernetes.io/unreachable:NoExecute"
    ]


def test_taint_toleration_round_trips_and_health_taints_are_recognised() -> None:
    assert tolerates([GPU_TAINT.toleration()], GPU_TAINT)
    bare = Taint("node-role.kubernetes.io/control-plane", "", "NoSchedule")
    assert bare.toleration() == {
        "key": "node-role.kubernetes.io/control-plane",
        "operator": "Exists",
        "effect": "NoSchedule",
    }
    assert bare.is_control_plane
    assert Taint("node.kubernetes.io/disk-pressure", "", "NoSchedule").is_health


SSD = node("a", {"disktype": "ssd", "cores": "16"})
HDD = node("b", {"disktype": "hdd", "cores": "4"})
BARE = node("c", {})


@pytest.mark.parametrize(
    ("requirement", "matching"),
    [
        (Requirement("disktype", "In", ("ssd", "nvme")), ["a"]),
        (Requirement("disktype", "NotIn", ("ssd",)), ["b", "c"]),
        (Requirement("disktype", "Exists", ()), ["a", "b"]),
        (Requirement("disktype", "DoesNotExist", ()), ["c"]),
        (Requirement("cores", "Gt", ("8",)), ["a"]),
        (Requirement("cores", "Lt", ("8",)), ["b"]),
        (Requirement("metadata.name", "In", ("c",), field=True), ["c"]),
    ],
)
def test_requirement_operators(requirement: Requirement, matching: list[str]) -> None:
    assert [n.name for n in (SSD, HDD, BARE) if requirement.matches(n)] == matching


def test_node_selector_and_affinity_terms_combine_as_and_of_or() -> None:
    pod = Pod(
        {
            "kind": "Pod",
            "spec": {
                "nodeSelector": {"disktype": "ssd"},
                "affinity": {
                    "nodeAffinity": {
                        "requiredDuringSchedulingIgnoredDuringExecution": {
                            "nodeSelectorTerms": [
                                {
                                    "matchExpressions": [
                                        {"key": "cores", "operator": "Gt", "values": ["32"]}
                                    ]
                                },
                                {
                                    "matchExpressions": [
                                        {"key": "cores", "operator": "Gt", "values": ["2"]}
                                    ]
                                },
                            ]
                        }
                    }
                },
            },
        }
    )
    constraint = pod_node_constraint(pod)
    assert constraint.unmet(SSD) == ()
    assert [str(r) for r in constraint.unmet(HDD)] == ["disktype=ssd"]  # 2nd term holds
    assert [str(r) for r in constraint.unmet(BARE)] == ["disktype=ssd", "cores > 32"]


def test_label_values_show_what_nodes_carry() -> None:
    assert label_values([SSD, HDD, BARE], "disktype") == {"ssd": ["a"], "hdd": ["b"]}
