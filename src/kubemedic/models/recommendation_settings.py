"""The knobs of right-sizing and proactive scaling, and the price book that turns them into money.

They sit in ``models``, beside the governance policy, because the configuration layer builds
them from the settings file and flags and may not import the recommenders. Every default is
explained in docs/recommendations.md; a nonsensical value is refused with a ``ValueError``
naming the field.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

MIB = 2**20
GIB = 2**30


@dataclass(frozen=True, slots=True)
class PriceBook:
    """What requested resources cost: OpenCost's default on-demand prices, per hour."""

    cpu_hour: float = 0.031611
    """Dollars per vCPU-hour."""
    memory_gib_hour: float = 0.004237
    """Dollars per GiB-hour (GiB = 2^30 bytes)."""
    hours_per_month: float = 730.0

    def __post_init__(self) -> None:
        for name in ("cpu_hour", "memory_gib_hour", "hours_per_month"):
            if getattr(self, name) < 0:
                raise ValueError(f"prices.{name} must not be negative")

    def monthly(self, cores: float, memory_bytes: float) -> float:
        """Dollars a month for holding ``cores`` and ``memory_bytes`` requested all month."""
        hourly = cores * self.cpu_hour + memory_bytes / GIB * self.memory_gib_hour
        return hourly * self.hours_per_month


@dataclass(frozen=True, slots=True)
class CpuLimitPolicy:
    """What right-sizing does with CPU limits: ``none``, ``keep`` or ``ratio:X`` (× the request)."""

    mode: Literal["none", "keep", "ratio"] = "none"
    ratio: float = 1.0

    @classmethod
    def parse(cls, text: str) -> CpuLimitPolicy:
        """``none``, ``keep`` or ``ratio:2``; a ValueError says what is accepted."""
        word, _, number = text.strip().lower().partition(":")
        if word == "none" and not number:
            return cls("none")
        if word == "keep" and not number:
            return cls("keep")
        if word == "ratio":
            try:
                ratio = float(number)
            except ValueError:
                ratio = 0.0
            if ratio >= 1.0:
                return cls("ratio", ratio)
        raise ValueError(f"cpu limit policy {text!r}: expected none, keep or ratio:X with X >= 1")

    def __str__(self) -> str:
        return f"ratio:{self.ratio:g}" if self.mode == "ratio" else self.mode


@dataclass(frozen=True, slots=True)
class RightSizingSettings:
    """The knobs of right-sizing; docs/recommendations.md explains each default."""

    margin: float = 0.30
    """Request = p95 × (1 + margin)."""
    memory_limit_ratio: float = 1.28
    """Memory limit ≥ memory request × this ratio."""
    memory_peak_factor: float = 1.15
    """Memory limit ≥ the observed peak × this factor."""
    oom_factor: float = 1.25
    """After an OOMKill: memory limit ≥ the limit in force at the OOMKill × this factor."""
    cpu_limit: CpuLimitPolicy = CpuLimitPolicy()
    min_history_days: float = 7.0
    min_cpu: float = 0.010
    """Smallest CPU request proposed, in cores."""
    min_memory: float = 64.0 * MIB
    """Smallest memory request proposed, in bytes."""
    min_change: float = 0.10
    """A container is left alone unless some value moves by at least this fraction."""
    prices: PriceBook = PriceBook()

    def __post_init__(self) -> None:
        _at_least(self, ("margin", "min_history_days", "min_cpu", "min_memory", "min_change"), 0)
        _at_least(self, ("memory_limit_ratio", "memory_peak_factor", "oom_factor"), 1)


@dataclass(frozen=True, slots=True)
class ScalingSettings:
    """The knobs of proactive scaling; docs/recommendations.md explains each default."""

    threshold: float = 0.70
    """CPU utilization (usage / request) that counts as high load."""
    sustained_seconds: float = 300.0
    near_margin: float = 0.10
    """A window whose median utilization is within this of the threshold is "near"."""
    target_utilization: float = 0.70
    """The averageUtilization of a proposed HPA."""
    headroom: float = 0.25
    """maxReplicas holds the observed peak × (1 + headroom) at the target utilization."""
    min_replicas: int = 2
    max_gap_seconds: float = 120.0
    """The longest stretch without a load point that still counts as covered."""
    min_points: int = 3
    scale_down_stabilization_seconds: int = 300
    scale_down_percent: int = 50
    scale_down_period_seconds: int = 60
    prices: PriceBook = PriceBook()

    def __post_init__(self) -> None:
        _at_least(self, ("near_margin", "headroom"), 0)
        _at_least(self, ("min_replicas", "min_points", "scale_down_percent"), 1)
        for name in ("threshold", "target_utilization"):
            if not 0 < getattr(self, name) <= 1:
                raise ValueError(f"{name} must be a fraction between 0 and 1 (0.7 for 70%)")
        if self.sustained_seconds <= 0 or self.max_gap_seconds <= 0:
            raise ValueError("sustained_seconds and max_gap_seconds must be positive")


def _at_least(settings: object, names: Iterable[str], low: float) -> None:
    for name in names:
        if getattr(settings, name) < low:
            raise ValueError(f"{name} must be at least {low:g}")
