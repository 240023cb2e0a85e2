"""Usage history from Prometheus and every server speaking its HTTP API (docs/usage-prometheus.md).

``PrometheusClient`` talks HTTP; ``PrometheusUsage`` is the ``UsageSource`` built on it.
"""

from kubemedic.adapters.prometheus.client import PrometheusClient
from kubemedic.adapters.prometheus.usage import PrometheusUsage

__all__ = ["PrometheusClient", "PrometheusUsage"]
