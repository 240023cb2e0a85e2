"""kubemedic's embedded metrics store: usage history in one DuckDB file, for clusters without
Prometheus.

``kubemedic collect`` appends to it (``MetricsStore``); right-sizing and scaling read it as a
``UsageSource`` (``StoreUsage``). docs/usage-store.md describes the file, its tables and the
figures read from it.
"""

from kubemedic.adapters.metrics_store.reader import StoreUsage
from kubemedic.adapters.metrics_store.store import LOCK_TIMEOUT, MetricsStore

__all__ = ["LOCK_TIMEOUT", "MetricsStore", "StoreUsage"]
