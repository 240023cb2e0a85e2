"""A finding: one root cause, the evidence it rests on, and the fix — immutable once made.

Analyzers build findings; the diagnose service groups replicas and ranks them; formatters
render them. Nothing downstream changes a finding, it derives a new one (see ``merge``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum
from operator import attrgetter

from kubemedic.models.categories import Category
from kubemedic.models.severity import RiskTier, Severity


@dataclass(frozen=True, slots=True, order=True)
class ObjectRef:
    """A Kubernetes object by kind, namespace and name (namespace empty for cluster objects)."""

    kind: str
    name: str
    namespace: str = ""

    def __str__(self) -> str:
        return (
            f"{self.kind}/{self.name}"
            if not self.namespace
            else (f"{self.kind} {self.namespace}/{self.name}")
        )

    @property
    def kubectl_ref(self) -> str:
        """``deployment/web -n shop`` form, ready to paste after a kubectl verb."""
        ref = f"{self.kind.lower()}/{self.name}"
        return f"{ref} -n {self.namespace}" if self.namespace else ref


class EvidenceSource(StrEnum):
    """Where a fact was read."""

    STATUS = "status"
    SPEC = "spec"
    EVENT = "event"
    LOG = "log"
    RELATED = "related-object"
    COMPUTED = "computed"


@dataclass(frozen=True, slots=True)
class Evidence:
    """One fact behind a finding, with exactly where it came from.

    ``source`` says what kind of place; ``location`` pins it down, e.g.
    ``Pod shop/web-7d9f status.containerStatuses[app].lastState.terminated.exitCode`` or
    ``Event Warning BackOff (x14, last 2024-05-01T10:00:00Z)``.
    """

    fact: str
    source: EvidenceSource
    location: str


@dataclass(frozen=True, slots=True)
class Remediation:
    """What to do about a finding, how risky it is and what should follow."""

    summary: str
    risk: RiskTier
    reversible: bool
    expected_outcome: str
    steps: tuple[str, ...] = ()
    commands: tuple[str, ...] = ()
    patch: str | None = None


@dataclass(frozen=True, slots=True, order=True)
class AffectedPod:
    """A pod a finding covers, with the containers concerned."""

    namespace: str
    name: str
    containers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Finding:
    """One diagnosed problem with its root cause, evidence and fix."""

    id: str
    severity: Severity
    category: Category
    object: ObjectRef
    summary: str
    root_cause: str
    evidence: tuple[Evidence, ...]
    remediation: Remediation
    affected: tuple[AffectedPod, ...] = ()
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    analyzer: str = ""
    related: tuple[ObjectRef, ...] = field(default=())

    @property
    def runbook(self) -> str:
        """The runbook page for this finding's category."""
        return self.category.runbook

    @property
    def group_key(self) -> tuple[str, ObjectRef, str]:
        """Findings with the same key describe one problem seen on several replicas."""
        return (self.id, self.object, self.root_cause_key)

    @property
    def root_cause_key(self) -> str:
        """The category; replicas of one workload with the same category are one problem."""
        return self.category.value

    def merge(self, *others: Finding) -> Finding:
        """Fold other replicas' findings into this one: more pods, a wider time window, the
        worse severity. All of them in one pass, so a workload of many replicas folds in
        linear time (merging one replica at a time re-sorted the pods at every step)."""
        findings = (self, *others)
        pods = {pod for finding in findings for pod in finding.affected}
        firsts = [f.first_seen for f in findings if f.first_seen is not None]
        lasts = [f.last_seen for f in findings if f.last_seen is not None]
        severity = self.severity
        for other in others:
            if not severity.at_least(other.severity):
                severity = other.severity
        return replace(
            self,
            affected=tuple(sorted(pods, key=_POD_ORDER)),
            first_seen=min(firsts, default=None),
            last_seen=max(lasts, default=None),
            severity=severity,
        )


_POD_ORDER = attrgetter("namespace", "name", "containers")
"""The order of ``AffectedPod`` (its fields in turn) as one tuple, so sorting compares in C."""
