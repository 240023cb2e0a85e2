"""The HorizontalPodAutoscaler controller (autoscaling/v2) fed by the simulated usage.

Every 15 seconds each HPA reads its target's pods' CPU usage as a percentage of their
requests, scales within min/max (with a 5-minute scale-down stabilisation window), and keeps
the AbleToScale / ScalingActive / ScalingLimited conditions. A pod without a CPU request makes
the HPA report ``FailedGetResourceMetric`` with the real ``missing request for cpu`` message.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable

from kubemedic._internal.quantities import parse_quantity
from kubemedic._internal.timeutils import format_time
from kubemedic.sandbox.clock import SimClock
from kubemedic.sandbox.controllers.base import Controller, Obj
from kubemedic.sandbox.controllers.common import is_active, pods_matching, set_condition
from kubemedic.sandbox.recorder import EventRecorder
from kubemedic.sandbox.store import Store
from kubemedic.sandbox.workqueue import WorkQueue

PERIOD = 15.0
INITIAL_DELAY = 30.0  # pods just started are not measured yet
TOLERANCE = 0.1
STABILIZATION = 300.0
CpuUsage = Callable[[Obj], dict[str, float]]  # pod → container → cores


class HorizontalPodAutoscalerController(Controller):
    name = "hpa"
    kind = "HorizontalPodAutoscaler"
    component = "horizontal-pod-autoscaler"

    def __init__(
        self,
        store: Store,
        clock: SimClock,
        queue: WorkQueue,
        recorder: EventRecorder,
        usage: CpuUsage,
    ) -> None:
        super().__init__(store, clock, queue, recorder)
        self._usage = usage
        self._history: dict[str, deque[tuple[float, int]]] = {}

    def on_change(self, event_type: str, obj: Obj) -> None:
        if obj.get("kind") == self.kind and event_type == "ADDED":
            meta = obj["metadata"]
            self.enqueue(meta["namespace"], meta["name"], INITIAL_DELAY)

    def reconcile(self, hpa: Obj) -> None:
        meta, spec = hpa["metadata"], hpa.get("spec") or {}
        self.enqueue(meta["namespace"], meta["name"], PERIOD)
        ref = spec.get("scaleTargetRef") or {}
        target = self.store.try_get(str(ref.get("kind")), meta["namespace"], str(ref.get("name")))
        stamp = format_time(self.clock.now())
        status: Obj = {"conditions": list((hpa.get("status") or {}).get("conditions") or [])}
        if target is None:
            message = f'{str(ref.get("kind")).lower()}s/scale.apps "{ref.get("name")}" not found'
            set_condition(
                status,
                "AbleToScale",
                "False",
                "FailedGetScale",
                f"the HPA controller was unable to get the target's current scale: {message}",
                stamp,
            )
            self.event(hpa, "Warning", "FailedGetScale", message)
            self._write(hpa, status)
            return
        current = int((target.get("spec") or {}).get("replicas", 1))
        status.update(currentReplicas=current, desiredReplicas=current)
        set_condition(
            status,
            "AbleToScale",
            "True",
            "ReadyForNewScale",
            "recommended size matches current size",
            stamp,
        )
        utilization, problem = self._utilization(target, spec)
        if problem is not None:
            message = f"the HPA was unable to compute the replica count: {problem}"
            set_condition(
                status, "ScalingActive", "False", "FailedGetResourceMetric", message, stamp
            )
            self.event(hpa, "Warning", "FailedGetResourceMetric", problem)
            self.event(
                hpa,
                "Warning",
                "FailedComputeMetricsReplicas",
                "invalid metrics (1 invalid out of 1), first error is: failed to get cpu resource "
                f"metric value: {problem}",
            )
            self._write(hpa, status)
            return
        set_condition(
            status,
            "ScalingActive",
            "True",
            "ValidMetricFound",
            "the HPA was able to successfully calculate a replica count from cpu resource "
            "utilization (percentage of request)",
            stamp,
        )
        target_percent = self._target_percent(spec)
        status["currentMetrics"] = [
            {
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "current": {"averageUtilization": round(utilization), "averageValue": ""},
                },
            }
        ]
        ratio = utilization / target_percent if target_percent else 1.0
        wanted = current if abs(ratio - 1.0) <= TOLERANCE else math.ceil(current * ratio)
        wanted = self._stabilize(meta["uid"], wanted, current)
        low, high = int(spec.get("minReplicas", 1)), int(spec.get("maxReplicas", 1))
        desired = min(max(wanted, low), high)
        if wanted > high:
            set_condition(
                status,
                "ScalingLimited",
                "True",
                "TooManyReplicas",
                "the desired replica count is more than the maximum replica count",
                stamp,
            )
        elif wanted < low:
            set_condition(
                status,
                "ScalingLimited",
                "True",
                "TooFewReplicas",
                "the desired replica count is less than the minimum replica count",
                stamp,
            )
        else:
            set_condition(
                status,
                "ScalingLimited",
                "False",
                "DesiredWithinRange",
                "the desired count is within the acceptable range",
                stamp,
            )
        status["desiredReplicas"] = desired
        if desired != current:
            self._scale(target, desired)
            direction = "above" if desired > current else "below"
            self.event(
                hpa,
                "Normal",
                "SuccessfulRescale",
                f"New size: {desired}; reason: cpu resource utilization (percentage of request) "
                f"{direction} target",
            )
            set_condition(
                status,
                "AbleToScale",
                "True",
                "SucceededRescale",
                f"the HPA controller was able to update the target scale to {desired}",
                stamp,
            )
            status["lastScaleTime"] = stamp
        elif (hpa.get("status") or {}).get("lastScaleTime"):
            status["lastScaleTime"] = hpa["status"]["lastScaleTime"]
        self._write(hpa, status)

    @staticmethod
    def _target_percent(spec: Obj) -> float:
        for metric in spec.get("metrics") or []:
            resource = metric.get("resource") or {}
            if resource.get("name") == "cpu":
                return float((resource.get("target") or {}).get("averageUtilization") or 80)
        return float(spec.get("targetCPUUtilizationPercentage") or 80)

    def _utilization(self, target: Obj, spec: Obj) -> tuple[float, str | None]:
        selector = (target.get("spec") or {}).get("selector")
        namespace = target["metadata"]["namespace"]
        pods = [p for p in pods_matching(self.store, namespace, selector) if is_active(p)]
        used = requested = 0.0
        for pod in pods:
            usage = self._usage(pod)
            for container in (pod.get("spec") or {}).get("containers") or []:
                request = parse_quantity(
                    ((container.get("resources") or {}).get("requests") or {}).get("cpu")
                )
                if request is None:
                    return (
                        0.0,
                        "failed to get cpu utilization: missing request for cpu in container "
                        f"{container['name']} of Pod {pod['metadata']['name']}",
                    )
                if container["name"] in usage:
                    used += usage[container["name"]]
                    requested += request
        if requested == 0:
            return (
                0.0,
                "failed to get cpu utilization: did not receive metrics for targeted pods (pods "
                "might be unready)",
            )
        return used / requested * 100, None

    def _stabilize(self, uid: str, wanted: int, current: int) -> int:
        now = self.clock.elapsed()
        history = self._history.setdefault(uid, deque())
        history.append((now, wanted))
        while history and now - history[0][0] > STABILIZATION:
            history.popleft()
        if wanted < current:
            return max(w for _, w in history)
        return wanted

    def _scale(self, target: Obj, replicas: int) -> None:
        def scale(obj: Obj) -> None:
            obj["spec"]["replicas"] = replicas

        self.store.mutate(
            target["kind"], target["metadata"]["namespace"], target["metadata"]["name"], scale
        )

    def _write(self, hpa: Obj, status: Obj) -> None:
        status["observedGeneration"] = hpa["metadata"].get("generation", 1)

        def write(obj: Obj) -> None:
            obj["status"] = status

        self.store.mutate(self.kind, hpa["metadata"]["namespace"], hpa["metadata"]["name"], write)
