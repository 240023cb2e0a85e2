"""What every output format renders: the findings of one run and what that run looked at.

Formatters sit below the services, so they take this plain report rather than the service's
result object; the CLI (or the web API) builds it. The helpers here keep the three formats
saying the same thing in the same words (severity order, pod lists, scope).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from kubemedic.models.cluster import ALL_NAMESPACES
from kubemedic.models.findings import AffectedPod, Finding, ObjectRef
from kubemedic.models.scan_warning import ScanWarning
from kubemedic.models.severity import Severity


@dataclass(frozen=True, slots=True)
class Scope:
    """What a run scanned: where the objects came from, which namespaces, how many of each."""

    source: str
    namespaces: tuple[str, ...]
    observed_at: datetime
    objects: Mapping[str, int]
    analyzers: tuple[str, ...]
    target: ObjectRef | None = None

    @property
    def all_namespaces(self) -> bool:
        return ALL_NAMESPACES in self.namespaces

    @property
    def namespaces_text(self) -> str:
        """``all namespaces``, ``namespace shop`` or ``namespaces a, b``."""
        if self.all_namespaces:
            return "all namespaces"
        if len(self.namespaces) == 1:
            return f"namespace {self.namespaces[0]}"
        return "namespaces " + ", ".join(self.namespaces)

    @property
    def objects_text(self) -> str:
        """``12 Pod, 3 Deployment`` in kind order; ``no objects`` when nothing was read."""
        parts = [f"{count} {kind}" for kind, count in sorted(self.objects.items()) if count]
        return ", ".join(parts) or "no objects"


@dataclass(frozen=True, slots=True)
class AnalyzerError:
    """An analyzer that failed during the run; its findings are missing from the report."""

    analyzer: str
    error: str


@dataclass(frozen=True, slots=True)
class Report:
    """The findings of one diagnose run, worst first, with the scope they cover and what of
    it could not be read as it should (``warnings``)."""

    scope: Scope
    findings: tuple[Finding, ...]
    kubemedic_version: str
    analyzer_errors: tuple[AnalyzerError, ...] = field(default=())
    warnings: tuple[ScanWarning, ...] = field(default=())

    def counts(self) -> dict[Severity, int]:
        """Findings per severity, every severity present, most urgent first."""
        counts = dict.fromkeys(Severity, 0)
        for finding in self.findings:
            counts[finding.severity] += 1
        return counts

    def by_severity(self) -> Iterator[tuple[Severity, tuple[Finding, ...]]]:
        """Severities that have findings, most urgent first, each with its findings."""
        for severity in Severity:
            group = tuple(f for f in self.findings if f.severity is severity)
            if group:
                yield severity, group


def pods_text(finding: Finding, *, shown: int = 3) -> str:
    """``12 pods: a, b, c, +9 more (container app)``: affected pods, long lists collapsed."""
    pods = finding.affected
    if not pods:
        return ""
    names = [_pod_name(pod, finding.object) for pod in pods]
    if len(names) > shown + 1:
        names = [*names[:shown], f"+{len(pods) - shown} more"]
    noun = "pod" if len(pods) == 1 else "pods"
    text = f"{len(pods)} {noun}: " + ", ".join(names)
    containers = sorted({c for pod in pods for c in pod.containers})
    if containers:
        label = "container" if len(containers) == 1 else "containers"
        text += f" ({label} {', '.join(containers)})"
    return text


def _pod_name(pod: AffectedPod, owner: ObjectRef) -> str:
    return pod.name if pod.namespace == owner.namespace else f"{pod.namespace}/{pod.name}"
