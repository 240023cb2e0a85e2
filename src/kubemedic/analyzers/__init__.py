"""Pod and workload failure analyzers: one failure family per module, registered here once.

To add one: write ``analyzers/<name>.py`` exposing ``ANALYZER``, add it to ``_MODULES`` below,
add scenario folders under ``tests/scenarios/`` and a runbook per category (CONTRIBUTING.md).
"""

from __future__ import annotations

from kubemedic.analyzers import (
    oomkilled,
)
from kubemedic.analyzers._registry import Analyzer, Registry

_MODULES = (
    oomkilled,
)

BUILTIN = Registry(module.ANALYZER for module in _MODULES)

__all__ = ["BUILTIN", "Analyzer", "Registry"]
