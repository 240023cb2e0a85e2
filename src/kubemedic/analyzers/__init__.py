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
)

BUILTIN = Registry(import_module(f"{__name__}.{name}").ANALYZER for name in _MODULES)

__all__ = ["BUILTIN", "Analyzer", "Registry"]
