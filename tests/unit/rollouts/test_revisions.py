"""Which ReplicaSet is new, and how far its rollout has come, as the controller tells it."""

from __future__ import annotations

from kubemedic.rollouts.revisions import is_pod_of, new_replica_set, progress
from tests.unit.rollouts.objects import OLD_TEMPLATE, TEMPLATE, deployment, pod, replica_set


def test_the_new_replica_set_is_the_one_running_the_deployment_template() -> None:
    old = replica_set("aaa11", 1, template=OLD_TEMPLATE, replicas=3, available=3)
    new = replica_set("bbb22", 2, template=TEMPLATE, replicas=1)
    assert new_replica_set(deployment(), [old, new]) is new


def test_after_an_undo_the_old_replica_set_is_new_again() -> None:
    """The template went back to the old one: its ReplicaSet is adopted as new."""
    old = replica_set("aaa11", 3, template=OLD_TEMPLATE, replicas=1)
    bad = replica_set("bbb22", 2, template=TEMPLATE, replicas=1)
    assert new_replica_set(deployment(template=OLD_TEMPLATE), [old, bad]) is old


def test_replica_sets_of_another_deployment_are_not_counted() -> None:
    stranger = replica_set("bbb22", 2, template=TEMPLATE, replicas=4, owner="other-uid")
    assert new_replica_set(deployment(), [stranger]) is None
    assert progress(deployment(), [stranger]).template_hash == ""


def test_progress_counts_new_and_old_pods() -> None:
    old = replica_set("aaa11", 1, template=OLD_TEMPLATE, replicas=3, available=3)
    new = replica_set("bbb22", 2, template=TEMPLATE, replicas=2, pods=2, available=1)
    now = progress(deployment(), [old, new])
    assert (now.template_hash, now.revision) == ("bbb22", 2)
    assert (now.desired, now.new_replicas, now.new_pods, now.new_available) == (4, 2, 2, 1)
    assert now.old_pods == 3
    assert not now.complete


def test_a_rollout_is_complete_only_when_no_old_pod_is_left() -> None:
    new = replica_set("bbb22", 2, template=TEMPLATE, replicas=4, available=4)
    draining = replica_set("aaa11", 1, template=OLD_TEMPLATE, replicas=0, pods=1)
    assert not progress(deployment(), [draining, new]).complete
    gone = replica_set("aaa11", 1, template=OLD_TEMPLATE, replicas=0)
    assert progress(deployment(), [gone, new]).complete


def test_a_spec_the_controller_has_not_seen_is_not_complete() -> None:
    new = replica_set("bbb22", 2, template=TEMPLATE, replicas=4, available=4)
    assert not progress(deployment(generation=3, observed=2), [new]).complete


def test_a_timed_out_rollout_and_refused_pods_are_reported() -> None:
    conditions = [
        {
            "type": "Progressing",
            "status": "False",
            "reason": "ProgressDeadlineExceeded",
            "message": 'ReplicaSet "web-bbb22" has timed out progressing.',
        },
        {"type": "ReplicaFailure", "status": "True", "message": "exceeded quota: compute"},
    ]
    now = progress(deployment(conditions=conditions), [])
    assert now.stalled == 'ReplicaSet "web-bbb22" has timed out progressing.'
    assert now.replica_failure == "exceeded quota: compute"


def test_pods_belong_to_the_replica_set_of_their_hash() -> None:
    assert is_pod_of(pod("web-bbb22-x1", "bbb22"), "bbb22")
    assert not is_pod_of(pod("web-aaa11-x1", "aaa11"), "bbb22")
    assert not is_pod_of(pod("web-aaa11-x1", "aaa11"), "")
