"""Pod and workload failure analyzers: one failure family per module, registered here once.

To add one: write ``analyzers/<name>.py`` exposing ``ANALYZER``, add its module name to
``_MODULES`` below, add scenario folders under ``tests/scenarios/`` and a runbook per category
(see CONTRIBUTING.md).
"""

from __future__ import annotations

from importlib import import_module

from kubemedic.analyzers._registry import Analyzer, Registry

_MODULES = (
    "oomkilled",
    "crashloop",
    "probe_liveness",
    "probe_readiness",
    "probe_failing",
    "init_container",
    "image_pull",
    "config_refs",
    "run_as_non_root",
    "volume_mount",
    "pending",
    "evicted",
    "node_health",
    "terminating",
    "node_lost",
    "kubelet_rejected",
    "node_shutdown",
    "progress_deadline",
    "unavailable",
    "failed_create",
    "jobs",
    "cronjobs",
    "pvc_pending",
    "service_endpoints",
    "hpa",
    "unknown",  # the fallback: last, for pods no finding above covers
)

BUILTIN = Registry(import_module(f"{__name__}.{name}").ANALYZER for name in _MODULES)

__all__ = ["BUILTIN", "Analyzer", "Registry"]
