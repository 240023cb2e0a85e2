"""The check contract and the registry that holds every security check once.

A check is a pure function from a ``ClusterView`` (and the audit's options) to findings, plus
a name and the rules it can report. The registry refuses two checks with one name and two
rules with one id, so every finding id is stable and means one thing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from kubemedic.models.cluster import ClusterView
from kubemedic.models.security import AuditOptions, Rule, SecurityFinding

Run = Callable[[ClusterView, AuditOptions], Iterable[SecurityFinding]]


@dataclass(frozen=True, slots=True)
class Check:
    """One family of weaknesses: what it looks for and the function that looks."""

    name: str
    description: str
    rules: tuple[Rule, ...]
    run: Run


class Registry:
    """Every check, in the order given; names and rule ids are unique."""

    def __init__(self, checks: Iterable[Check]) -> None:
        self._checks: dict[str, Check] = {}
        rules: dict[str, Rule] = {}
        for check in checks:
            if check.name in self._checks:
                raise ValueError(f"duplicate check {check.name!r}")
            for rule in check.rules:
                if rule.id in rules:
                    raise ValueError(f"duplicate rule id {rule.id!r} in check {check.name!r}")
                rules[rule.id] = rule
            self._checks[check.name] = check
        self._rules = tuple(rules.values())

    def __iter__(self) -> Iterator[Check]:
        return iter(self._checks.values())

    def __len__(self) -> int:
        return len(self._checks)

    @property
    def rules(self) -> tuple[Rule, ...]:
        return self._rules
