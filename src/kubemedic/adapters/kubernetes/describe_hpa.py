"""HorizontalPodAutoscalers from ``kubectl describe hpa`` text.

kubectl prints the scale target (``Reference: Deployment/web``), one line per metric with its
current value and target (``resource cpu on pods  (as a percentage of request):  <unknown> /
80%``), the replica bounds, the target's current and desired pods, and the ``AbleToScale`` /
``ScalingActive`` / ``ScalingLimited`` conditions with their reasons and messages (not their
times); kubectl before 1.8 printed only ``Target CPU utilization``. These become an
autoscaling/v2 object: ``spec.scaleTargetRef`` (without the apiVersion, which is not shown),
``spec.metrics`` of the kinds the lines name, the bounds, and ``status.conditions``.
"""

from __future__ import annotations

import re
from typing import Any

from kubemedic.adapters.kubernetes.describe_meta import conditions, described, metadata
from kubemedic.adapters.kubernetes.describe_text import Field
from kubemedic.adapters.kubernetes.kubectl_time import Clock

Raw = dict[str, Any]

_METRIC = re.compile(r"(?P<label>.*\S):\s+(?P<current>\S.*?)\s*/\s*(?P<target>\S+)")
_RESOURCE = re.compile(
    r'resource (?P<resource>\S+)(?: of container "(?P<container>[^"]+)")? on pods'
    r"(?P<percent>\s+\(as a percentage of request\))?"
)
_NAMED = re.compile(
    r'"(?P<name>[^"]+)" (?:on (?P<object>\S+) )?(?:\(target (?:average )?value\)|on pods)'
)
_PODS = re.compile(r"(?P<current>\d+) current / (?P<desired>\d+) desired")


def describe_hpa(doc: Field, clock: Clock) -> list[Raw]:
    meta = metadata(doc)
    spec: Raw = {}
    kind, _, name = doc.text("Reference").partition("/")
    if name:
        spec["scaleTargetRef"] = {"kind": kind, "name": name}
    for key, field in (("Min replicas", "minReplicas"), ("Max replicas", "maxReplicas")):
        if (value := doc.text(key)).isdigit():
            spec[field] = int(value)
    metrics = [m for m in map(_metric, _metric_lines(doc)) if m]
    if metrics:
        spec["metrics"] = metrics
    status: Raw = {}
    shown = next((c for c in doc.children if c.key.endswith(" pods")), None)
    if shown is not None and (pods := _PODS.fullmatch(shown.value)) is not None:
        status["currentReplicas"] = int(pods["current"])
        status["desiredReplicas"] = int(pods["desired"])
    found = conditions(doc.child("Conditions"))
    if found:
        status["conditions"] = found
    parts = {"metadata": meta, "spec": spec, "status": status}
    return described(doc, clock, "autoscaling/v2", "HorizontalPodAutoscaler", parts)


def _metric_lines(doc: Field) -> list[str]:
    """``label: current / target`` per metric: the describe parser makes a line whose label
    reads as a key a field of ``Metrics``, and keeps any other as a row of the field above."""
    lines: list[str] = []
    section = doc.child("Metrics")
    if section is not None:
        lines += section.rows
        for child in section.children:
            lines += [f"{child.key}:  {child.value}", *child.rows]
    if old := doc.text("Target CPU utilization"):  # kubectl before 1.8
        lines.append(f"resource cpu on pods  (as a percentage of request):  ? / {old}")
    return lines


def _metric(line: str) -> Raw:
    """The spec of the metric a line shows ({} for a line that is none)."""
    shown = _METRIC.fullmatch(line.strip())
    if shown is None:
        return {}
    label, target = shown["label"], shown["target"]
    if (resource := _RESOURCE.fullmatch(label)) is not None:
        goal: Raw = (
            {"type": "Utilization", "averageUtilization": int(target.rstrip("%"))}
            if resource["percent"] and target.rstrip("%").isdigit()
            else {"type": "AverageValue", "averageValue": target}
        )
        body: Raw = {"name": resource["resource"], "target": goal}
        if resource["container"]:
            body["container"] = resource["container"]
            return {"type": "ContainerResource", "containerResource": body}
        return {"type": "Resource", "resource": body}
    if (named := _NAMED.fullmatch(label)) is not None:
        metric = {"metric": {"name": named["name"]}}
        if "on pods" in label:
            return {"type": "Pods", "pods": metric}
        if named["object"]:
            kind, _, name = named["object"].partition("/")
            return {
                "type": "Object",
                "object": {**metric, "describedObject": {"kind": kind, "name": name}},
            }
        return {"type": "External", "external": metric}
    return {}
