"""The capacity simulation: requests against allocatable, and the scheduler's node filters."""

from __future__ import annotations

from typing import Any

import pytest

from kubemedic.models.k8s import Node
from kubemedic.recommenders.node_rules import tolerates, why_unusable
from kubemedic.recommenders.placement import check_capacity, pod_requests
from tests.unit.recommenders.objects import MIB, container, node, pod

GPU_TAINT = {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}


def _template(cpu: str = "500m", memory: str = "512Mi", **spec: Any) -> dict[str, Any]:
    return {
        "metadata": {"labels": {"app": "web"}},
        "spec": {"containers": [container("app", requests={"cpu": cpu, "memory": memory})], **spec},
    }


def test_pod_requests_follow_the_scheduler_sum_of_containers_sidecars_init_and_overhead() -> None:
    spec = {
        "containers": [
            container("app", requests={"cpu": "500m", "memory": "256Mi"}),
            container("metrics", limits={"cpu": "100m", "memory": "64Mi"}),  # request = limit
        ],
        "initContainers": [
            container("migrate", requests={"cpu": "2", "memory": "128Mi"}),
            {
                **container("proxy", requests={"cpu": "50m", "memory": "32Mi"}),
                "restartPolicy": "Always",
            },
        ],
        "overhead": {"cpu": "10m", "memory": "8Mi"},
    }
    cpu, memory = pod_requests(spec)

    assert cpu == pytest.approx(2.0 + 0.010)  # the init step needs more than the running pod
    assert memory == (256 + 64 + 32 + 8) * MIB  # containers + sidecar + overhead


def test_the_extra_pods_go_first_fit_onto_the_roomiest_nodes() -> None:
    nodes = [node("node-a", cpu="2"), node("node-b", cpu="4")]
    bound = [pod("web-1", "node-a", cpu="1"), pod("web-2", "node-b", cpu="1")]

    check = check_capacity(_template(), 6, nodes, bound)

    assert check.fits
    assert dict(check.placements) == {"node-b": 6}
    assert check.summary == "all 6 additional pods fit: 6 on node-b"


def test_finished_and_unbound_pods_hold_nothing() -> None:
    nodes = [node("node-a", cpu="1")]
    bound = [
        pod("done", "node-a", cpu="1", phase="Succeeded"),
        pod("crashed", "node-a", cpu="1", phase="Failed"),
        {**pod("pending", "node-a", cpu="1"), "spec": {"containers": []}},
    ]

    assert check_capacity(_template(), 2, nodes, bound).placed == 2


def test_a_cluster_with_no_room_says_what_is_missing() -> None:
    nodes = [node("node-a", cpu="2", memory="4Gi"), node("node-b", cpu="2", memory="4Gi")]
    bound = [pod("web-1", "node-a", cpu="1500m"), pod("web-2", "node-b", cpu="1200m")]

    check = check_capacity(_template(), 8, nodes, bound)

    assert not check.fits
    assert check.placed == 2  # one on each node: 500m and 800m were free
    assert check.missing == 6
    assert check.short_cpu == pytest.approx(6 * 0.5 - 0.3)
    assert check.short_memory == 0
    assert check.summary == (
        "6 of 8 additional pods do not fit: short of 2.7 CPU; 2 fit: 1 on node-a, 1 on node-b"
    )


def test_the_pod_count_limit_counts() -> None:
    check = check_capacity(_template(), 3, [node("node-a", pods="2")], [pod("x", "node-a")])

    assert check.placed == 1
    assert check.short_pods == 2
    assert "short of 2 pod slots" in check.summary


def test_every_node_tainted_is_named_as_the_reason() -> None:
    nodes = [node("gpu-1", taints=[GPU_TAINT]), node("gpu-2", taints=[GPU_TAINT])]

    check = check_capacity(_template(), 3, nodes, [])

    assert check.placed == 0
    assert check.summary == (
        "3 of 3 additional pods do not fit; every node is "
        "tainted dedicated=gpu:NoSchedule, which the pods do not tolerate"
    )


def test_nodes_left_out_are_listed_with_their_reasons() -> None:
    nodes = [
        node("node-a", cpu="1"),
        node("node-b", unschedulable=True),
        node("node-c", ready=False),
        node("node-d", ready=False),
    ]

    check = check_capacity(_template(), 4, nodes, [])

    assert check.placed == 2
    assert check.summary.endswith("; nodes left out: node-b (cordoned); node-c, node-d (NotReady)")


def test_a_tolerated_taint_lets_the_pods_in() -> None:
    tolerating = _template(tolerations=[{"key": "dedicated", "operator": "Equal", "value": "gpu"}])

    check = check_capacity(tolerating, 2, [node("gpu-1", taints=[GPU_TAINT])], [])

    assert check.fits


@pytest.mark.parametrize(
    ("toleration", "taint", "expected"),
    [
        ({"operator": "Exists"}, GPU_TAINT, True),  # empty key + Exists: everything
        ({"key": "dedicated", "operator": "Exists"}, GPU_TAINT, True),
        ({"key": "dedicated", "value": "gpu"}, GPU_TAINT, True),  # operator defaults to Equal
        ({"key": "dedicated", "operator": "Equal", "value": "cpu"}, GPU_TAINT, False),
        ({"key": "other", "operator": "Exists"}, GPU_TAINT, False),
        ({"key": "dedicated", "operator": "Exists", "effect": "NoExecute"}, GPU_TAINT, False),
        ({"key": "dedicated", "operator": "Exists", "effect": "NoSchedule"}, GPU_TAINT, True),
        ({"key": "k", "operator": "Exists"}, {"key": "k", "effect": "NoExecute"}, True),
        ({"key": "k", "operator": "Equal"}, {"key": "k", "effect": "NoExecute"}, True),
    ],
)
def test_toleration_matching_follows_kubernetes(
    toleration: dict[str, str], taint: dict[str, str], expected: bool
) -> None:
    assert tolerates(toleration, taint) is expected


def test_prefer_no_schedule_only_steers_and_no_execute_blocks() -> None:
    soft = node("node-a", taints=[{"key": "spot", "value": "true", "effect": "PreferNoSchedule"}])
    hard = node("node-b", taints=[{"key": "maintenance", "effect": "NoExecute"}])
    spec = _template()["spec"]

    assert why_unusable(Node(soft), spec) is None
    assert why_unusable(Node(hard), spec) == (
        "tainted maintenance:NoExecute, which the pods do not tolerate"
    )


def test_the_node_selector_is_respected() -> None:
    ssd = _template(nodeSelector={"disktype": "ssd"})
    nodes = [node("node-a"), node("node-b", labels={"disktype": "ssd"}, cpu="1")]

    check = check_capacity(ssd, 3, nodes, [])

    assert dict(check.placements) == {"node-b": 2}
    assert "node-a (missing the label disktype=ssd the nodeSelector asks for)" in check.summary


def _affinity(
    *terms: list[dict[str, Any]], fields: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    selector_terms: list[dict[str, Any]] = [{"matchExpressions": list(term)} for term in terms]
    if fields:
        selector_terms.append({"matchFields": fields})
    return {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": selector_terms}
        }
    }


ZONE_A = node("node-a", labels={"topology.kubernetes.io/zone": "eu-1a", "cores": "16"})
ZONE_B = node("node-b", labels={"topology.kubernetes.io/zone": "eu-1b", "cores": "4"})


@pytest.mark.parametrize(
    ("expression", "fits_a", "fits_b"),
    [
        (
            {"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["eu-1a"]},
            True,
            False,
        ),
        (
            {"key": "topology.kubernetes.io/zone", "operator": "NotIn", "values": ["eu-1a"]},
            False,
            True,
        ),
        ({"key": "gpu", "operator": "NotIn", "values": ["true"]}, True, True),  # absent label
        ({"key": "cores", "operator": "Exists"}, True, True),
        ({"key": "cores", "operator": "DoesNotExist"}, False, False),
        ({"key": "cores", "operator": "Gt", "values": ["8"]}, True, False),
        ({"key": "cores", "operator": "Lt", "values": ["8"]}, False, True),
        ({"key": "cores", "operator": "Gt", "values": ["many"]}, False, False),
    ],
)
def test_required_node_affinity_operators(
    expression: dict[str, Any], fits_a: bool, fits_b: bool
) -> None:
    spec = {"affinity": _affinity([expression])}

    assert (why_unusable(Node(ZONE_A), spec) is None) is fits_a
    assert (why_unusable(Node(ZONE_B), spec) is None) is fits_b


def test_affinity_terms_are_ored_and_expressions_anded() -> None:
    zone_a = {"key": "topology.kubernetes.io/zone", "operator": "In", "values": ["eu-1a"]}
    small = {"key": "cores", "operator": "Lt", "values": ["8"]}
    spec = {"affinity": _affinity([zone_a, small], fields=[
        {"key": "metadata.name", "operator": "In", "values": ["node-b"]}
    ])}  # fmt: skip

    assert why_unusable(Node(ZONE_A), spec) == ("outside the required node affinity (cores Lt (8))")
    assert why_unusable(Node(ZONE_B), spec) is None  # the matchFields term


def test_nothing_to_place_is_said_plainly() -> None:
    assert check_capacity(_template(), 0, [node("node-a")], []).summary == (
        "no additional pods needed"
    )


def test_no_nodes_at_all() -> None:
    check = check_capacity(_template(), 2, [], [])

    assert check.summary.endswith("; the cluster has no nodes")


def test_free_room_split_into_pieces_too_small_for_a_pod_is_named() -> None:
    nodes = [node("node-a", cpu="1"), node("node-b", cpu="1")]
    bound = [pod("web-1", "node-a", cpu="700m"), pod("web-2", "node-b", cpu="700m")]

    check = check_capacity(_template(), 1, nodes, bound)  # 300m + 300m free, 500m needed

    assert check.summary == (
        "1 of 1 additional pods do not fit: the free room is split across nodes in pieces "
        "smaller than one pod"
    )
