"""Serving a kind in a second API version by converting to and from its stored version.

HorizontalPodAutoscalers are stored as ``autoscaling/v2`` and also served as
``autoscaling/v1`` (``kubectl autoscale`` and older clients speak it): v1's
``targetCPUUtilizationPercentage`` is v2's CPU ``Utilization`` metric, and its
``currentCPUUtilizationPercentage`` the matching current metric.
"""

from __future__ import annotations

import copy
from typing import Any

from kubemedic.sandbox.resources import KINDS, ResourceType

Obj = dict[str, Any]


def to_served(resource: ResourceType, stored: Obj) -> Obj:
    """The object as the version ``resource`` names shows it."""
    if not resource.converted:
        return stored
    served = copy.deepcopy(stored)
    served["apiVersion"] = resource.api_version
    spec = served.get("spec") or {}
    metrics = spec.pop("metrics", None) or []
    spec.pop("behavior", None)
    for metric in metrics:
        target = _cpu_utilization(metric, "target")
        if target is not None:
            spec["targetCPUUtilizationPercentage"] = target
    status = served.get("status")
    if isinstance(status, dict):
        current = status.pop("currentMetrics", None) or []
        status.pop("conditions", None)
        for metric in current:
            value = _cpu_utilization(metric, "current")
            if value is not None:
                status["currentCPUUtilizationPercentage"] = value
    return served


def to_stored(resource: ResourceType, served: Obj) -> Obj:
    """The object in the kind's stored version (from the version ``resource`` names)."""
    if not resource.converted:
        return served
    stored = copy.deepcopy(served)
    stored["apiVersion"] = KINDS[resource.kind].api_version
    spec = stored.get("spec") or {}
    percent = spec.pop("targetCPUUtilizationPercentage", None)
    if percent is not None:
        spec["metrics"] = [
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "target": {"type": "Utilization", "averageUtilization": int(percent)},
                },
            }
        ]
    status = stored.get("status")
    if isinstance(status, dict):
        current = status.pop("currentCPUUtilizationPercentage", None)
        if current is not None:
            status["currentMetrics"] = [
                {
                    "type": "Resource",
                    "resource": {"name": "cpu", "current": {"averageUtilization": int(current)}},
                }
            ]
    return stored


def _cpu_utilization(metric: Obj, field: str) -> int | None:
    resource = metric.get("resource") or {}
    if metric.get("type") != "Resource" or resource.get("name") != "cpu":
        return None
    value = (resource.get(field) or {}).get("averageUtilization")
    return int(value) if value is not None else None
