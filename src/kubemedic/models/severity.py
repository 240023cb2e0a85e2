"""How bad a finding is, and how risky a change is: the two scales every report ranks by."""

from __future__ import annotations

from enum import StrEnum


class Severity(StrEnum):
    """Severity of a finding, most urgent first."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for critical up to 4 for info; sort ascending to put the worst first."""
        return _SEVERITY_ORDER.index(self)

    def at_least(self, other: Severity) -> bool:
        """True when this severity is as urgent as ``other`` or more."""
        return self.rank <= other.rank


_SEVERITY_ORDER = (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW, Severity.INFO)


class RiskTier(StrEnum):
    """Risk tier of a change; it decides who must approve it and how long approval may take."""

    TRIVIAL = "trivial"
    LOW = "low"
    MEDIUM = "medium"
    CRITICAL = "critical"
