"""``/metrics``: Prometheus text for the server's requests, the approvals waiting on people
and how fast incidents are detected, fixed and decided.

Request counts and latency are kept per route template (not per URL, so ids do not explode
the series); pending approvals, SLA breaches and the figures of ``kubemedic stats --since 30d``
(MTTD, MTTR, approval latency per tier: mean, median and 95th percentile over the last 30 days)
are read from the records at scrape time. A figure with nothing to measure yet is left out
rather than exported as zero.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Sequence

from kubemedic.governance.figures import Figures, Summary
from kubemedic.models.outcomes import PendingApproval
from kubemedic.services.server_cluster import FIGURES_WINDOW

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
TIERS = ("low", "medium", "critical", "emergency")


class RequestMetrics:
    """Counts and latency histograms of the requests served; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, str, int], int] = defaultdict(int)
        self._buckets: dict[tuple[str, str], list[int]] = {}
        self._sums: dict[tuple[str, str], float] = defaultdict(float)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        with self._lock:
            self._counts[(method, route, status)] += 1
            key = (method, route)
            buckets = self._buckets.setdefault(key, [0] * len(BUCKETS))
            for index, bound in enumerate(BUCKETS):
                if seconds <= bound:
                    buckets[index] += 1
            self._sums[key] += seconds

    def render(self, pending: Sequence[PendingApproval], figures: Figures, *, streams: int) -> str:
        """The whole scrape: requests, approvals waiting, the figures, open event streams."""
        lines = self._request_lines() + _pending_lines(pending) + _figure_lines(figures)
        lines += [
            "# HELP kubemedic_event_streams Open /api/v1/events streams.",
            "# TYPE kubemedic_event_streams gauge",
            f"kubemedic_event_streams {streams}",
        ]
        return "\n".join(lines) + "\n"

    def _request_lines(self) -> list[str]:
        lines = [
            "# HELP kubemedic_http_requests_total Requests served, by route and status.",
            "# TYPE kubemedic_http_requests_total counter",
        ]
        with self._lock:
            for (method, route, status), count in sorted(self._counts.items()):
                labels = f'method="{method}",route="{route}",status="{status}"'
                lines.append(f"kubemedic_http_requests_total{{{labels}}} {count}")
            lines += [
                "# HELP kubemedic_http_request_seconds Time to answer a request.",
                "# TYPE kubemedic_http_request_seconds histogram",
            ]
            for (method, route), buckets in sorted(self._buckets.items()):
                labels = f'method="{method}",route="{route}"'
                total = sum(c for (m, r, _), c in self._counts.items() if (m, r) == (method, route))
                for bound, count in zip(BUCKETS, buckets, strict=True):
                    lines.append(
                        f'kubemedic_http_request_seconds_bucket{{{labels},le="{bound}"}} {count}'
                    )
                lines.append(f'kubemedic_http_request_seconds_bucket{{{labels},le="+Inf"}} {total}')
                spent = self._sums[(method, route)]
                lines.append(f"kubemedic_http_request_seconds_sum{{{labels}}} {spent:.6f}")
                lines.append(f"kubemedic_http_request_seconds_count{{{labels}}} {total}")
        return lines


def _pending_lines(pending: Sequence[PendingApproval]) -> list[str]:
    lines = [
        "# HELP kubemedic_pending_approvals Operations waiting for approval, by tier.",
        "# TYPE kubemedic_pending_approvals gauge",
    ]
    for tier in TIERS:
        count = sum(1 for p in pending if p.tier == tier)
        lines.append(f'kubemedic_pending_approvals{{tier="{tier}"}} {count}')
    return [
        *lines,
        "# HELP kubemedic_approvals_past_sla Pending operations whose approval SLA has passed.",
        "# TYPE kubemedic_approvals_past_sla gauge",
        f"kubemedic_approvals_past_sla {sum(1 for p in pending if p.left_seconds < 0)}",
    ]


def _figure_lines(figures: Figures) -> list[str]:
    """``kubemedic stats --since 30d`` as gauges (``stat``: mean, p50, p95)."""
    lines = [
        "# HELP kubemedic_figures_window_seconds The window the figures below are measured over.",
        "# TYPE kubemedic_figures_window_seconds gauge",
        f"kubemedic_figures_window_seconds {FIGURES_WINDOW.total_seconds():.0f}",
        "# HELP kubemedic_incidents Incidents opened in the window.",
        "# TYPE kubemedic_incidents gauge",
        f"kubemedic_incidents {figures.incidents}",
        "# HELP kubemedic_mttd_seconds Time from an incident's onset to its detection.",
        "# TYPE kubemedic_mttd_seconds gauge",
        *_summary("kubemedic_mttd_seconds", "", figures.mttd),
        "# HELP kubemedic_mttr_seconds Time from an incident's onset to its validated fix.",
        "# TYPE kubemedic_mttr_seconds gauge",
        *_summary("kubemedic_mttr_seconds", "", figures.mttr),
        "# HELP kubemedic_approval_latency_seconds Time from a proposal to its decision.",
        "# TYPE kubemedic_approval_latency_seconds gauge",
    ]
    for tier, tier_figures in figures.approval.items():
        lines += _summary(
            "kubemedic_approval_latency_seconds", f'tier="{tier}",', tier_figures.latency
        )
    lines += [
        "# HELP kubemedic_approvals_decided Decisions taken in the window, by tier.",
        "# TYPE kubemedic_approvals_decided gauge",
    ]
    for tier, tier_figures in figures.approval.items():
        lines.append(f'kubemedic_approvals_decided{{tier="{tier}"}} {tier_figures.decided}')
    lines += [
        "# HELP kubemedic_approvals_within_sla Decisions taken within their tier's SLA.",
        "# TYPE kubemedic_approvals_within_sla gauge",
    ]
    for tier, tier_figures in figures.approval.items():
        lines.append(f'kubemedic_approvals_within_sla{{tier="{tier}"}} {tier_figures.within_sla}')
    return lines


def _summary(name: str, labels: str, summary: Summary) -> list[str]:
    stats = (("mean", summary.mean), ("p50", summary.p50), ("p95", summary.p95))
    return [
        f'{name}{{{labels}stat="{stat}"}} {value:.3f}' for stat, value in stats if value is not None
    ]
