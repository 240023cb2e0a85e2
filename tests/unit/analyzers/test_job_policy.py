"""A Job's decision to give up, read from its condition and spec as the Job controller writes
them."""

from __future__ import annotations

from typing import Any

import pytest

from kubemedic.analyzers._job_policy import (
    describe_rule,
    expand_indexes,
    failed_indexes,
    policy_verdict,
)
from kubemedic.models.k8s import Condition, Workload

RULES = [
    {
        "action": "FailJob",
        "onExitCodes": {"containerName": "main", "operator": "In", "values": [42]},
    },
    {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]},
    {"action": "FailJob", "onPodConditions": [{"type": "ConfigIssue"}]},
]


def _job(spec: dict[str, Any], status: dict[str, Any] | None = None) -> Workload:
    return Workload({"kind": "Job", "metadata": {"name": "j", "namespace": "ns"}, "spec": spec,
                     "status": status or {}})  # fmt: skip


def _failed(reason: str, message: str) -> Condition:
    return Condition({"type": "Failed", "status": "True", "reason": reason, "message": message})


def test_an_exit_code_rule_names_pod_container_code_and_rule() -> None:
    message = (
        "Container main for pod default/job-pod-failure-policy-failjob-8ckj8 failed with exit "
        "code 42 matching FailJob rule at index 0"
    )
    verdict = policy_verdict(
        _job({"podFailurePolicy": {"rules": RULES}}), _failed("PodFailurePolicy", message)
    )
    assert verdict is not None
    assert (verdict.pod, verdict.container, verdict.exit_code) == (
        "job-pod-failure-policy-failjob-8ckj8",
        "main",
        42,
    )
    assert verdict.rule_text == "rule 0 (FailJob on exit codes In [42] of container main)"
    assert (
        verdict.matched
        == "container main of pod job-pod-failure-policy-failjob-8ckj8 exiting with 42"
    )


def test_a_pod_condition_rule() -> None:
    message = "Pod ns/j-x7 has condition ConfigIssue matching FailJob rule at index 2"
    verdict = policy_verdict(
        _job({"podFailurePolicy": {"rules": RULES}}), _failed("PodFailurePolicy", message)
    )
    assert verdict is not None
    assert verdict.exit_code is None
    assert verdict.rule_text == "rule 2 (FailJob on pod condition ConfigIssue)"
    assert verdict.matched == "pod j-x7 with condition ConfigIssue"


def test_other_reasons_are_no_policy_verdict() -> None:
    failed = _failed("BackoffLimitExceeded", "Job has reached the specified backoff limit")
    assert policy_verdict(_job({}), failed) is None


def test_a_rule_index_beyond_the_spec_keeps_the_action() -> None:
    message = "Container main for pod ns/p failed with exit code 3 matching FailJob rule at index 5"
    verdict = policy_verdict(_job({}), _failed("PodFailurePolicy", message))
    assert verdict is not None
    assert verdict.rule_text == "rule 5 (FailJob)"


def test_describe_rule_without_container() -> None:
    rule = {"action": "Count", "onExitCodes": {"operator": "NotIn", "values": [0, 1]}}
    assert describe_rule(rule) == "Count on exit codes NotIn [0, 1]"


@pytest.mark.parametrize(
    ("text", "indexes"),
    [("1,3-5", {"1", "3", "4", "5"}), ("", set()), ("7", {"7"}), ("2-2,9", {"2", "9"})],
)
def test_index_sets_as_the_job_controller_writes_them(text: str, indexes: set[str]) -> None:
    assert expand_indexes(text) == indexes


def test_failed_indexes_describe_the_budget() -> None:
    job = _job(
        {
            "completionMode": "Indexed",
            "completions": 4,
            "backoffLimitPerIndex": 1,
            "maxFailedIndexes": 1,
        },
        {"failedIndexes": "1,3", "completedIndexes": "0,2"},
    )
    found = failed_indexes(job)
    assert found is not None
    assert found.described == (
        "indexes 1,3 failed (each used up its backoffLimitPerIndex 1; maxFailedIndexes 1) of 4; "
        "completed: 0,2"
    )


def test_a_job_without_per_index_limits_has_no_failed_indexes() -> None:
    assert failed_indexes(_job({"backoffLimit": 6}, {"failed": 2})) is None
