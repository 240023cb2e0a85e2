"""The workload around an operation, read before and after the change: pods, usage, readiness.

Pre- and post-change figures go into the record (``execution-started`` and each validation
stage), so a reader sees what the change did to ready replicas, restarts, CPU and memory.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubemedic._internal.quantities import format_cpu, format_memory, parse_quantity
from kubemedic.adapters.kubernetes.writer import ClusterWriter
from kubemedic.errors import NotFound
from kubemedic.models.k8s import dig
from kubemedic.models.operation_record import OperationRecord
from kubemedic.services.targets import pods_of


def workload(writer: ClusterWriter, op: OperationRecord) -> dict[str, Any] | None:
    ref = op.workload
    if ref is None:
        return None
    try:
        return writer.get(ref)
    except NotFound:
        return None


def workload_pods(
    writer: ClusterWriter, op: OperationRecord, obj: Mapping[str, Any] | None = None
) -> list[dict[str, Any]]:
    obj = obj if obj is not None else workload(writer, op)
    return pods_of(writer, obj) if obj is not None else []


def usage_snapshot(writer: ClusterWriter, op: OperationRecord) -> dict[str, Any]:
    """Ready replicas, restarts and summed CPU/memory usage of the operation's workload."""
    obj = workload(writer, op)
    if obj is None:
        return {}
    pods = pods_of(writer, obj)
    live = [p for p in pods if not dig(p, "metadata", "deletionTimestamp")]
    ready = sum(
        1
        for p in live
        if any(
            c.get("type") == "Ready" and c.get("status") == "True"
            for c in dig(p, "status", "conditions") or []
        )
    )
    restarts = sum(
        int(s.get("restartCount") or 0)
        for p in live
        for s in dig(p, "status", "containerStatuses") or []
    )
    figures: dict[str, Any] = {"pods": len(live), "ready": ready, "restarts": restarts}
    metrics = writer.pod_metrics(str(dig(obj, "metadata", "namespace") or ""))
    if metrics is not None:
        names = {dig(p, "metadata", "name") for p in live}
        cpu = memory = 0.0
        for item in metrics:
            if dig(item, "metadata", "name") in names:
                for used in item.get("containers") or []:
                    cpu += parse_quantity(dig(used, "usage", "cpu")) or 0.0
                    memory += parse_quantity(dig(used, "usage", "memory")) or 0.0
        figures["cpu"] = format_cpu(cpu)
        figures["memory"] = format_memory(memory)
    return figures
