"""How a Job decided to give up: its pod failure policy, its failed indexes, its backoff limit.

A failed Job's condition says which rule stopped it. ``PodFailurePolicy`` names the pod, the
container, its exit code and the index of the rule that matched (``Container main for pod
ns/x failed with exit code 42 matching FailJob rule at index 0``): that rule declared the exit
non-retriable, so the Job failed at the first such pod. ``MaxFailedIndexesExceeded`` and
``FailedIndexes`` belong to Indexed Jobs with ``backoffLimitPerIndex``: each index has its own
retries, and the Job fails when too many indexes used theirs up. This module reads those
decisions and the pods they are about; the pods' own failure is described elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kubemedic.analyzers._build import spec_evidence
from kubemedic.analyzers._workload import plural, status_evidence
from kubemedic.models.findings import Evidence
from kubemedic.models.k8s import Condition, Pod, Workload, dig

INDEX_KEY = "batch.kubernetes.io/job-completion-index"

_EXIT_RULE = re.compile(
    r"Container (?P<container>\S+) for pod (?P<namespace>[^/\s]+)/(?P<pod>\S+) failed with exit "
    r"code (?P<code>\d+) matching (?P<action>\w+) rule at index (?P<index>\d+)"
)
_CONDITION_RULE = re.compile(
    r"Pod (?P<namespace>[^/\s]+)/(?P<pod>\S+) has condition (?P<condition>\w+) matching "
    r"(?P<action>\w+) rule at index (?P<index>\d+)"
)


@dataclass(frozen=True, slots=True)
class PolicyVerdict:
    """The podFailurePolicy rule that failed a Job, and the pod it matched."""

    pod: str
    container: str
    exit_code: int | None
    condition: str
    action: str
    index: int
    rule: Mapping[str, Any]

    @property
    def rule_text(self) -> str:
        """``rule 0 (FailJob on exit codes In [42] of container main)``."""
        return f"rule {self.index} ({describe_rule(self.rule) or self.action})"

    @property
    def matched(self) -> str:
        """What the rule matched: ``container main of pod x exiting with 42``."""
        if self.exit_code is not None:
            return f"container {self.container} of pod {self.pod} exiting with {self.exit_code}"
        return f"pod {self.pod} with condition {self.condition}"


def policy_verdict(job: Workload, cond: Condition) -> PolicyVerdict | None:
    """The rule and pod a ``PodFailurePolicy`` condition names."""
    if cond.reason != "PodFailurePolicy":
        return None
    rules = dig(job.spec, "podFailurePolicy", "rules")
    rules = rules if isinstance(rules, list) else []
    if found := _EXIT_RULE.search(cond.message):
        index = int(found["index"])
        return PolicyVerdict(
            found["pod"],
            found["container"],
            int(found["code"]),
            "",
            found["action"],
            index,
            rules[index] if index < len(rules) and isinstance(rules[index], dict) else {},
        )
    if found := _CONDITION_RULE.search(cond.message):
        index = int(found["index"])
        return PolicyVerdict(
            found["pod"],
            "",
            None,
            found["condition"],
            found["action"],
            index,
            rules[index] if index < len(rules) and isinstance(rules[index], dict) else {},
        )
    return None


def describe_rule(rule: Mapping[str, Any]) -> str:
    """``FailJob on exit codes In [42] of container main`` / ``Ignore on pod condition
    DisruptionTarget``."""
    action = str(rule.get("action") or "")
    codes = rule.get("onExitCodes")
    if isinstance(codes, Mapping):
        values = ", ".join(str(v) for v in codes.get("values") or [])
        text = f"{action} on exit codes {codes.get('operator', 'In')} [{values}]"
        container = codes.get("containerName")
        return text + (f" of container {container}" if container else "")
    conditions = rule.get("onPodConditions")
    if isinstance(conditions, list) and conditions:
        names = ", ".join(str(c.get("type")) for c in conditions if isinstance(c, Mapping))
        return f"{action} on pod condition {names}"
    return action


def pod_index(pod: Pod) -> str:
    """The completion index of an Indexed Job's pod (label or annotation)."""
    return str(pod.labels.get(INDEX_KEY) or pod.annotations.get(INDEX_KEY) or "")


def expand_indexes(text: str) -> frozenset[str]:
    """``"1,3-5"`` → {"1", "3", "4", "5"}, as the Job controller writes index sets."""
    found: set[str] = set()
    for part in text.split(","):
        part = part.strip()
        if "-" in part:
            low, _, high = part.partition("-")
            if low.isdigit() and high.isdigit():
                found.update(str(i) for i in range(int(low), int(high) + 1))
        elif part.isdigit():
            found.add(part)
    return frozenset(found)


@dataclass(frozen=True, slots=True)
class FailedIndexes:
    """An Indexed Job's per-index failure budget and how it was spent."""

    failed: str
    completed: str
    per_index: int | None
    max_failed: int | None
    completions: int | None

    @property
    def failed_set(self) -> frozenset[str]:
        return expand_indexes(self.failed)

    def pods(self, pods: Sequence[Pod]) -> tuple[Pod, ...]:
        """The Job's pods that ran one of the failed indexes."""
        wanted = self.failed_set
        return tuple(p for p in pods if pod_index(p) in wanted)

    @property
    def described(self) -> str:
        """``indexes 1,3 failed (each used up its backoffLimitPerIndex 1; maxFailedIndexes
        1); completed: 0,2``."""
        budget = []
        if self.per_index is not None:
            budget.append(f"each used up its backoffLimitPerIndex {self.per_index}")
        if self.max_failed is not None:
            budget.append(f"maxFailedIndexes {self.max_failed}")
        text = f"indexes {self.failed or '(not reported)'} failed"
        text += f" ({'; '.join(budget)})" if budget else ""
        if self.completions is not None:
            text += f" of {self.completions}"
        return text + (f"; completed: {self.completed}" if self.completed else "")


def failed_indexes(job: Workload) -> FailedIndexes | None:
    """The failed-index facts of an Indexed Job with backoffLimitPerIndex."""
    per_index = job.spec.get("backoffLimitPerIndex")
    failed = job.status.get("failedIndexes")
    if not isinstance(per_index, int) and not isinstance(failed, str):
        return None
    max_failed = job.spec.get("maxFailedIndexes")
    completions = job.spec.get("completions")
    return FailedIndexes(
        failed=failed if isinstance(failed, str) else "",
        completed=str(job.status.get("completedIndexes") or ""),
        per_index=per_index if isinstance(per_index, int) else None,
        max_failed=max_failed if isinstance(max_failed, int) else None,
        completions=completions if isinstance(completions, int) else None,
    )


@dataclass(frozen=True, slots=True)
class JobState:
    """How a Job failed, as the impact of its pods' failure."""

    sentence: str
    short: str
    """For a summary: ``failed: backoff limit 6 reached``."""
    evidence: tuple[Evidence, ...] = ()


def job_state(
    job: Workload,
    cond: Condition,
    verdict: PolicyVerdict | None,
    indexes: FailedIndexes | None,
    limit: int,
    failed: int,
) -> JobState:
    """The Job's decision to fail: a sentence, a short form for the summary, its evidence."""
    said = cond.message or "Job has reached the specified backoff limit"
    name = f"{job.namespace}/{job.name}"
    if verdict is not None:
        rule = spec_evidence(
            job,
            f"spec.podFailurePolicy.rules[{verdict.index}]",
            describe_rule(verdict.rule) or f"{verdict.action} rule",
        )
        return JobState(
            f"Job {name} was failed by its podFailurePolicy: {verdict.rule_text} matched "
            f"{verdict.matched}, so the Job stopped at that pod instead of retrying "
            f"(backoffLimit {limit} was not used up): {cond.message}.",
            f"stopped by podFailurePolicy {verdict.rule_text}",
            (rule,),
        )
    if indexes is not None and cond.reason in ("MaxFailedIndexesExceeded", "FailedIndexes"):
        fact = status_evidence(job, "failedIndexes", indexes.described)
        if cond.reason == "MaxFailedIndexesExceeded":
            return JobState(
                f"Indexed Job {name} failed: {indexes.described}. More failed indexes than "
                "maxFailedIndexes fail the whole Job, and its remaining indexes are not run: "
                f"{said}.",
                f"failed: indexes {indexes.failed} failed (maxFailedIndexes {indexes.max_failed})",
                (fact,),
            )
        return JobState(
            f"Indexed Job {name} finished with failed indexes: {indexes.described}: {said}.",
            f"finished with failed indexes {indexes.failed}",
            (fact,),
        )
    if cond.reason == "BackoffLimitExceeded":
        return JobState(
            f"Job {name} gave up after {plural(failed, 'failed pod')} (backoffLimit {limit}): "
            f"{said}.",
            f"failed: backoff limit {limit} reached",
        )
    return JobState(
        f"Job {name} failed ({cond.reason or 'no reason'}): {said}.",
        f"failed ({cond.reason or 'no reason'})",
    )


def budget_spent(failed: int, limit: int, indexes: FailedIndexes | None) -> str:
    """Failed pods against the Job's budget (per index for backoffLimitPerIndex Jobs)."""
    if indexes is not None and indexes.per_index is not None:
        return f"{plural(failed, 'failed pod')}, backoffLimitPerIndex {indexes.per_index}"
    return f"{failed} failed, backoffLimit {limit}"
