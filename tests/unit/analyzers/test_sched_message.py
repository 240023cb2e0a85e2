"""FailedScheduling messages, in every wording the scheduler has used, read as a histogram."""

from __future__ import annotations

import pytest

from kubemedic.analyzers._scheduler_message import Blocker, parse_scheduler_message


def test_modern_message_splits_into_counted_blockers_and_keeps_preemption_apart() -> None:
    verdict = parse_scheduler_message(
        "0/3 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint "
        "{node-role.kubernetes.io/control-plane: }, 1 node(s) didn't match Pod's node "
        "affinity/selector. preemption: 0/3 nodes are available: 1 Preemption is not helpful "
        "for scheduling, 2 No preemption victims found for incoming pod."
    )
    assert verdict is not None
    assert verdict.total_nodes == 3
    assert [(r.count, r.blocker) for r in verdict.rejections] == [
        (1, Blocker.RESOURCES),
        (1, Blocker.TAINT),
        (1, Blocker.NODE_AFFINITY),
    ]
    assert verdict.rejections[0].resource == "cpu"
    assert verdict.rejections[1].taint == "node-role.kubernetes.io/control-plane"
    assert verdict.preemption.startswith("0/3 nodes are available: 1 Preemption is not helpful")
    assert "Preemption" not in verdict.summary


def test_old_taint_wording_keeps_its_comma_inside_one_entry() -> None:
    verdict = parse_scheduler_message(
        "0/6 nodes are available: 1 node(s) had taint {node-role.kubernetes.io/master: }, that "
        "the pod didn't tolerate, 5 Insufficient memory."
    )
    assert verdict is not None
    assert verdict.histogram == {
        "node(s) had taint {node-role.kubernetes.io/master: }, that the pod didn't tolerate": 1,
        "Insufficient memory": 5,
    }
    assert verdict.count(Blocker.RESOURCES) == 5


def test_taint_value_and_extended_resource_names_are_kept() -> None:
    verdict = parse_scheduler_message(
        "0/5 nodes are available: 2 node(s) had untolerated taint {dedicated: gpu}, "
        "3 Insufficient nvidia.com/gpu."
    )
    assert verdict is not None
    taint, gpu = verdict.rejections
    assert (taint.taint_key, taint.taint_value, taint.taint) == (
        "dedicated",
        "gpu",
        "dedicated=gpu",
    )
    assert gpu.resource == "nvidia.com/gpu"


@pytest.mark.parametrize(
    ("message", "blocker"),
    [
        ("0/2 nodes are available: 2 node(s) were unschedulable.", Blocker.CORDONED),
        (
            "0/2 nodes are available: 2 node(s) had untolerated taint "
            "{node.kubernetes.io/unschedulable: }.",
            Blocker.CORDONED,
        ),
        ("0/3 nodes are available: 3 node(s) didn't match node selector.", Blocker.NODE_AFFINITY),
        ("0/3 nodes are available: 3 Too many pods.", Blocker.RESOURCES),
        (
            "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules.",
            Blocker.POD_AFFINITY,
        ),
        (
            "0/3 nodes are available: 3 node(s) didn't satisfy existing pods anti-affinity rules.",
            Blocker.POD_AFFINITY,
        ),
        (
            "0/3 nodes are available: 3 node(s) didn't match pod topology spread constraints "
            "(missing required label).",
            Blocker.TOPOLOGY_SPREAD,
        ),
        (
            "0/2 nodes are available: 2 node(s) had volume node affinity conflict.",
            Blocker.VOLUME_NODE_AFFINITY,
        ),
        (
            "0/2 nodes are available: 2 node(s) didn't match PersistentVolume's node affinity.",
            Blocker.VOLUME_NODE_AFFINITY,
        ),
        (
            "0/4 nodes are available: 4 node(s) didn't find available persistent volumes to bind.",
            Blocker.VOLUME_BINDING,
        ),
        (
            "0/3 nodes are available: 3 node(s) didn't have free ports for the requested pod "
            "ports.",
            Blocker.HOST_PORTS,
        ),
        ("0/3 nodes are available: 3 node(s) exceed max volume count.", Blocker.VOLUME_LIMIT),
        ("no nodes available to schedule pods", Blocker.NO_NODES),
        ("0/3 nodes are available: 3 cannot allocate all claims.", Blocker.OTHER),
    ],
)
def test_each_known_filter_failure_is_classified(message: str, blocker: Blocker) -> None:
    verdict = parse_scheduler_message(message)
    assert verdict is not None
    assert verdict.blockers == {blocker}


@pytest.mark.parametrize(
    "message",
    [
        "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: "
        "0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
        "0/1 nodes are available: pod has unbound immediate PersistentVolumeClaims. not found",
        'persistentvolumeclaim "data" not found',
        "0/2 nodes are available: waiting for ephemeral volume controller to create the "
        'persistentvolumeclaim "web-0-scratch".',
        "(combined from similar events): 0/3 nodes are available: pod has unbound immediate "
        "PersistentVolumeClaims.",
    ],
)
def test_whole_cluster_volume_failures_count_for_every_node(message: str) -> None:
    verdict = parse_scheduler_message(message)
    assert verdict is not None
    assert verdict.blockers == {Blocker.VOLUME_BINDING}
    assert verdict.rejections[0].count == (verdict.total_nodes or 0)


def test_empty_message_is_no_verdict() -> None:
    assert parse_scheduler_message("  ") is None
