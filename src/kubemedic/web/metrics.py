"""``/metrics``: Prometheus text for the server's requests and the approvals waiting on people.

Request counts and latency are kept per route template (not per URL, so ids do not explode
the series); pending approvals and SLA breaches are read from the records at scrape time.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Sequence

from kubemedic.models.outcomes import PendingApproval

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

    def render(self, pending: Sequence[PendingApproval]) -> str:
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
        lines += [
            "# HELP kubemedic_pending_approvals Operations waiting for approval, by tier.",
            "# TYPE kubemedic_pending_approvals gauge",
        ]
        for tier in TIERS:
            count = sum(1 for p in pending if p.tier == tier)
            lines.append(f'kubemedic_pending_approvals{{tier="{tier}"}} {count}')
        lines += [
            "# HELP kubemedic_approvals_past_sla Pending operations whose approval SLA has passed.",
            "# TYPE kubemedic_approvals_past_sla gauge",
            f"kubemedic_approvals_past_sla {sum(1 for p in pending if p.left_seconds < 0)}",
        ]
        return "\n".join(lines) + "\n"
