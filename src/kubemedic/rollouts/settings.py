"""How one guarded rollout is judged and what the guard does on failure (``rollout guard``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from kubemedic.rollouts.judging import Thresholds


class OnFailure(StrEnum):
    PAUSE = "pause"
    """``spec.paused: true``: the new ReplicaSet stays at its size, nothing else changes."""
    UNDO = "undo"
    """The previous ReplicaSet's template back, and unpaused, in one patch (a Helm release with
    ``helm`` installed: a pause, and ``helm rollback`` as a follow-up operation)."""


class HelmRollback(StrEnum):
    """What an undo of a Helm-managed Deployment does with its ``helm rollback``."""

    PROPOSE = "propose"
    """Propose it for approval (its tier: medium by default), linked to the halt."""
    RUN = "run"
    """Execute it at once, pre-authorised like the halt."""


@dataclass(frozen=True, slots=True)
class GuardSettings:
    first: int = 3
    """Hold the rollout at this many new replicas until the window passed (0: never hold)."""
    window: float = 120.0
    """Seconds the new replicas are judged before the rollout may go on."""
    interval: float = 5.0
    """Seconds between two rounds of traffic figures."""
    thresholds: Thresholds = field(default_factory=Thresholds)
    on_failure: OnFailure = OnFailure.PAUSE
    helm_rollback: HelmRollback = HelmRollback.PROPOSE
    no_data_passes: bool = False
    """A window that ends without traffic to judge passes instead of holding the rollout."""
    propose_only: bool = False
    """Change nothing: propose the halt for approval instead (and never hold)."""
    requests_metric: str = "http_requests_total"
    status_label: str = "code"
    latency_metric: str = "http_request_duration_seconds"
    """A Prometheus histogram; its ``_bucket`` series are read."""
