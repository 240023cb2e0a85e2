"""The kubelet's eviction messages: node pressure with its hog, or a pod's own storage limit."""

from __future__ import annotations

import pytest

from kubemedic.analyzers._eviction_message import parse_eviction
from kubemedic.models.categories import Category


def test_memory_pressure_names_threshold_and_every_container_over_its_request() -> None:
    notice = parse_eviction(
        "The node was low on resource: memory. Threshold quantity: 100Mi, available: 58472Ki. "
        "Container mem-eater was using 3694056Ki, request is 100Mi, has larger consumption of "
        "memory. Container sidecar was using 210Mi, request is 0, has larger consumption of "
        "memory. "
    )
    assert notice.category is Category.EVICTED_MEMORY_PRESSURE
    assert (notice.resource, notice.threshold, notice.available) == ("memory", "100Mi", "58472Ki")
    assert [(h.container, h.usage, h.request) for h in notice.hogs] == [
        ("mem-eater", "3694056Ki", "100Mi"),
        ("sidecar", "210Mi", "0"),
    ]


def test_older_kubelet_wording_still_names_the_hog() -> None:
    notice = parse_eviction(
        "The node was low on resource: memory. Container treetracker-pgpool was using "
        "1275700Ki, which exceeds its request of 0. "
    )
    assert [(h.container, h.usage, h.request, h.resource) for h in notice.hogs] == [
        ("treetracker-pgpool", "1275700Ki", "0", "memory")
    ]


@pytest.mark.parametrize(
    ("message", "category"),
    [
        (
            "The node was low on resource: ephemeral-storage. Threshold quantity: 10473739468, "
            "available: 9845600Ki. ",
            Category.EVICTED_DISK_PRESSURE,
        ),
        ("The node was low on resource: inodes. ", Category.EVICTED_DISK_PRESSURE),
        (
            "The node was low on resource: pids. Threshold quantity: 3276, available: 2891. ",
            Category.EVICTED_PID_PRESSURE,
        ),
        (
            "Pod was rejected: The node had condition: [DiskPressure]. ",
            Category.EVICTED_DISK_PRESSURE,
        ),
        (
            "Pod was rejected: The node had condition: [MemoryPressure DiskPressure]. ",
            Category.EVICTED_MEMORY_PRESSURE,
        ),
        ("Pod was evicted for reasons kubemedic has never seen.", None),
    ],
)
def test_node_pressure_families(message: str, category: Category | None) -> None:
    assert parse_eviction(message).category is category


@pytest.mark.parametrize(
    ("message", "scope", "subject", "limit"),
    [
        (
            'Container thumbnailer exceeded its local ephemeral storage limit "1Gi". ',
            "container",
            "thumbnailer",
            "1Gi",
        ),
        (
            'Usage of EmptyDir volume "cache" exceeds the limit "512Mi". ',
            "emptyDir",
            "cache",
            "512Mi",
        ),
        (
            "Pod ephemeral local storage usage exceeds the total limit of containers 10Mi. ",
            "pod",
            "",
            "10Mi",
        ),
    ],
)
def test_own_limit_breaches_are_ephemeral_storage(
    message: str, scope: str, subject: str, limit: str
) -> None:
    notice = parse_eviction(message)
    assert notice.category is Category.EVICTED_EPHEMERAL_STORAGE
    assert notice.breach is not None
    assert (notice.breach.scope, notice.breach.subject, notice.breach.limit) == (
        scope,
        subject,
        limit,
    )
