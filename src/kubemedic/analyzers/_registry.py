"""The analyzer contract and the registry that holds every analyzer once.

An analyzer is a pure function from a ``ClusterView`` to findings, plus a name and the
categories it can emit. The registry refuses two analyzers with one name, so adding a failure
mode is: a module with an ``ANALYZER``, one line in ``analyzers/__init__.py``, a scenario folder
and a runbook page. A *fallback* analyzer is a last resort: the diagnose service keeps its
findings only for pods that no other analyzer's finding covers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Set
from dataclasses import dataclass

from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Finding

Analyze = Callable[[ClusterView], Iterable[Finding]]
Covered = Set[tuple[str, str]]
"""Pods (namespace, name) that a finding of an analyzer other than the fallbacks lists."""


@dataclass(frozen=True, slots=True)
class Analyzer:
    """One failure family: what it looks for and the function that looks.

    ``fallback``: its findings only count for pods no other analyzer's finding lists among its
    affected pods (the safety net for failures no analyzer recognises). ``analyze_uncovered``,
    when a fallback has it, gives those findings without the work on covered pods: the diagnose
    service calls it instead of ``analyze`` once the other analyzers have run.
    """

    name: str
    description: str
    categories: tuple[Category, ...]
    analyze: Analyze
    fallback: bool = False
    analyze_uncovered: Callable[[ClusterView, Covered], Iterable[Finding]] | None = None


class DuplicateAnalyzerError(ValueError):
    """Two analyzers were registered under one name."""


class Registry:
    """An ordered, duplicate-free collection of analyzers."""

    def __init__(self, analyzers: Iterable[Analyzer]) -> None:
        self._analyzers: dict[str, Analyzer] = {}
        for analyzer in analyzers:
            if analyzer.name in self._analyzers:
                raise DuplicateAnalyzerError(f"analyzer {analyzer.name!r} is registered twice")
            self._analyzers[analyzer.name] = analyzer

    def __iter__(self) -> Iterator[Analyzer]:
        return iter(self._analyzers.values())

    def __len__(self) -> int:
        return len(self._analyzers)

    def __getitem__(self, name: str) -> Analyzer:
        return self._analyzers[name]

    @property
    def categories(self) -> frozenset[Category]:
        return frozenset(c for a in self for c in a.categories)
