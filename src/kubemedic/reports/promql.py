"""The standard PromQL of a service's latency and error rate (docs/reports.md).

Latency percentiles are ``histogram_quantile`` over the ``*_bucket`` rates summed by ``le``;
the error rate is the share of requests answered 5xx. Each query selects the service's pods
by name, so any exporter labelling series with ``namespace`` and ``pod`` is understood.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

QUANTILES = (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))
LATENCY_METRIC = "http_request_duration_seconds"
REQUESTS_METRIC = "http_requests_total"
ERROR_CODES = "5.."
WINDOW = "5m"


@dataclass(frozen=True, slots=True)
class ServiceQueries:
    """The queries of one service: requests per second, 5xx per second, three percentiles."""

    requests: str
    errors: str
    quantiles: tuple[tuple[str, str], ...]


def selector(namespace: str, pods: Sequence[str]) -> str:
    names = "|".join(re.escape(p) for p in pods)
    return f'namespace="{_quote(namespace)}",pod=~"{_quote(names)}"'


def queries(namespace: str, pods: Sequence[str], *, window: str = WINDOW) -> ServiceQueries:
    chosen = selector(namespace, pods)
    requests = f"sum(rate({REQUESTS_METRIC}{{{chosen}}}[{window}]))"
    errors = f'sum(rate({REQUESTS_METRIC}{{{chosen},code=~"{ERROR_CODES}"}}[{window}]))'
    bucket = f"sum by (le) (rate({LATENCY_METRIC}_bucket{{{chosen}}}[{window}]))"
    return ServiceQueries(
        requests,
        errors,
        tuple((name, f"histogram_quantile({q}, {bucket})") for name, q in QUANTILES),
    )


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
