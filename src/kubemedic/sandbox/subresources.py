"""Subresources with their own semantics: scale, eviction, pod logs, and metrics.k8s.io.

``kubectl scale`` and the HPA speak ``autoscaling/v1`` Scale, ``kubectl drain`` posts Evictions
that a PodDisruptionBudget may refuse with 429, ``kubectl logs`` reads a container's log (with
the API server's refusals for a container still waiting to start), and ``kubectl top`` reads
PodMetrics / NodeMetrics, which the simulation computes on request instead of storing.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import orjson

from kubemedic.sandbox.apierrors import (
    BadRequestError,
    Cause,
    ConflictError,
    InvalidError,
    MethodNotAllowedError,
    NotFoundError,
    StoreError,
    TooManyRequestsError,
)
from kubemedic.sandbox.backend import Backend
from kubemedic.sandbox.negotiation import PATCH_TYPES, Call, Query, Reply, Stream, parse_body
from kubemedic.sandbox.patching import PatchError, apply_patch
from kubemedic.sandbox.routing import Route
from kubemedic.sandbox.selectors import (
    SelectorError,
    parse_field_selector,
    parse_label_selector,
    selector_from_object,
)
from kubemedic.sandbox.store import Store
from kubemedic.sandbox.tables_workloads import selector_text

Obj = dict[str, Any]
_FOLLOW_POLL_SECONDS = 1.0
_FOLLOW_MAX_SECONDS = 3600.0


class Subresources:
    """Handlers of the scale, eviction and log subresources, and of the metrics API."""

    def __init__(self, store: Store, backend: Backend, now: Callable[[], datetime]) -> None:
        self.store = store
        self.backend = backend
        self.now = now

    def handle(self, call: Call) -> Reply | Stream:
        sub = call.route.subresource
        if sub == "scale" and call.method in ("GET", "PUT", "PATCH"):
            return self._scale(call)
        if sub == "eviction" and call.method == "POST":
            return self._evict(call)
        if sub == "log" and call.method == "GET":
            return self._log(call)
        raise MethodNotAllowedError(
            f"the server does not allow this method on the requested resource ({call.method})"
        )

    # ------------------------------------------------------------------ scale

    def _scale(self, call: Call) -> Reply:
        route = call.route
        kind, namespace, name = route.resource.kind, route.namespace or "", str(route.name)
        parent = self.store.get(kind, namespace, name)
        scale = scale_of(parent)
        if call.method == "GET":
            return Reply(200, orjson.dumps(scale))
        if call.method == "PUT":
            wanted = parse_body(call.body)
        else:
            media = call.content_type.split(";")[0].strip()
            patch_type = PATCH_TYPES.get(media)
            if patch_type not in ("merge", "json", "strategic"):
                raise BadRequestError(f"unsupported patch type for scale: {media}")
            try:
                wanted = apply_patch(scale, parse_body(call.body, media), str(patch_type))
            except PatchError as exc:
                raise BadRequestError(str(exc)) from exc
        if not isinstance(wanted, dict):
            raise BadRequestError("the Scale provided is not an object")
        replicas = (wanted.get("spec") or {}).get("replicas")
        if not isinstance(replicas, int) or replicas < 0:
            raise InvalidError(
                route.resource,
                name,
                [
                    Cause(
                        "spec.replicas",
                        "FieldValueInvalid",
                        "must be greater than or equal to 0",
                        replicas,
                    )
                ],
            )
        version = (wanted.get("metadata") or {}).get("resourceVersion")
        if version and version != parent["metadata"]["resourceVersion"]:
            raise ConflictError(route.resource, name)
        updated = self.store.patch(
            kind,
            namespace,
            name,
            {
                "metadata": {"resourceVersion": parent["metadata"]["resourceVersion"]},
                "spec": {"replicas": replicas},
            },
            "merge",
            dry_run=call.query.dry_run,
        )
        return Reply(200, orjson.dumps(scale_of(updated)))

    # ------------------------------------------------------------------ eviction

    def _evict(self, call: Call) -> Reply:
        route = call.route
        namespace, name = route.namespace or "", str(route.name)
        pod = self.store.get("Pod", namespace, name)
        eviction = parse_body(call.body, call.content_type) if call.body.strip() else {}
        options = (eviction or {}).get("deleteOptions") or {}
        if not (pod["metadata"].get("deletionTimestamp") or _terminal(pod)):
            self._check_disruption_budgets(pod)
        grace = options.get("gracePeriodSeconds")
        dry_run = call.query.dry_run or "All" in (options.get("dryRun") or [])
        self.store.delete(
            "Pod",
            namespace,
            name,
            propagation=str(options.get("propagationPolicy") or "Background"),
            grace_period=int(grace) if grace is not None else None,
            dry_run=dry_run,
        )
        status = {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Success",
            "code": 201,
        }
        return Reply(201, orjson.dumps(status))

    def _check_disruption_budgets(self, pod: Obj) -> None:
        namespace = pod["metadata"]["namespace"]
        labels = pod["metadata"].get("labels") or {}
        budgets, _ = self.store.list("PodDisruptionBudget", namespace)
        for budget in budgets:
            selector = (budget.get("spec") or {}).get("selector")
            if not selector or not selector_from_object(selector).matches(labels):
                continue
            healthy, needed = self._budget_health(budget)
            if healthy - needed <= 0:
                error = TooManyRequestsError(
                    "Cannot evict pod as it would violate the pod's disruption budget.",
                    details={
                        "causes": [
                            {
                                "reason": "DisruptionBudget",
                                "message": f"The disruption budget {budget['metadata']['name']} "
                                f"needs {needed} healthy pods and has {healthy} currently",
                            }
                        ]
                    },
                )
                raise error

    def _budget_health(self, budget: Obj) -> tuple[int, int]:
        """(healthy pods, pods the budget needs healthy), as the disruption controller counts."""
        spec = budget.get("spec") or {}
        pods, _ = self.store.list("Pod", budget["metadata"]["namespace"])
        selector = selector_from_object(spec.get("selector"))
        covered = [
            p for p in pods if selector.matches(p["metadata"].get("labels")) and not _terminal(p)
        ]
        healthy = sum(1 for p in covered if _ready(p))
        expected = len(covered)
        if "minAvailable" in spec:
            return healthy, _amount(spec["minAvailable"], expected)
        if "maxUnavailable" in spec:
            return healthy, expected - _amount(spec["maxUnavailable"], expected)
        return healthy, expected

    # ------------------------------------------------------------------ logs

    def _log(self, call: Call) -> Reply | Stream:
        route, query = call.route, call.query
        namespace, name = route.namespace or "", str(route.name)
        pod = self.store.get("Pod", namespace, name)
        container = self._container(pod, query.get("container"))
        previous = query.flag("previous")
        self._check_log_available(pod, container, previous)
        tail = query.integer("tailLines")
        text = self.backend.pod_log(namespace, name, container, previous=previous, tail_lines=tail)
        if not query.flag("follow") or previous:
            return Reply(200, text.encode(), "text/plain")
        return Stream(self._follow(call, namespace, name, container, text), "text/plain")

    def _follow(
        self, call: Call, namespace: str, name: str, container: str, first: str
    ) -> Iterator[bytes]:
        yield first.encode()
        full = self.backend.pod_log(namespace, name, container, previous=False, tail_lines=None)
        deadline = time.monotonic() + _FOLLOW_MAX_SECONDS
        while call.alive() and time.monotonic() < deadline:
            time.sleep(_FOLLOW_POLL_SECONDS)
            try:
                latest = self.backend.pod_log(
                    namespace, name, container, previous=False, tail_lines=None
                )
            except StoreError:
                return
            if not latest.startswith(full):
                return  # the container restarted: a real follow ends with its instance
            if len(latest) > len(full):
                yield latest[len(full) :].encode()
                full = latest

    @staticmethod
    def _container(pod: Obj, requested: str | None) -> str:
        spec = pod.get("spec") or {}
        names = [str(c.get("name")) for c in spec.get("containers") or []]
        init_names = [str(c.get("name")) for c in spec.get("initContainers") or []]
        pod_name = pod["metadata"]["name"]
        if requested:
            if requested not in names + init_names:
                raise BadRequestError(f"container {requested} is not valid for pod {pod_name}")
            return requested
        default = (pod["metadata"].get("annotations") or {}).get(
            "kubectl.kubernetes.io/default-container"
        )
        if default in names:
            return str(default)
        if len(names) == 1:
            return names[0]
        message = (
            f"a container name must be specified for pod {pod_name}, "
            f"choose one of: [{' '.join(names)}]"
        )
        if init_names:
            message += f" or one of the init containers: [{' '.join(init_names)}]"
        raise BadRequestError(message)

    @staticmethod
    def _check_log_available(pod: Obj, container: str, previous: bool) -> None:
        status = pod.get("status") or {}
        statuses = (status.get("containerStatuses") or []) + (
            status.get("initContainerStatuses") or []
        )
        current = next((s for s in statuses if s.get("name") == container), None)
        pod_name = pod["metadata"]["name"]
        if previous:
            if not current or not (current.get("lastState") or {}).get("terminated"):
                raise BadRequestError(
                    f'previous terminated container "{container}" in pod "{pod_name}" not found'
                )
            return
        state = (current or {}).get("state") or {}
        if current is None or ("waiting" in state and not current.get("restartCount")):
            reason = str((state.get("waiting") or {}).get("reason") or "ContainerCreating")
            if reason in ("ImagePullBackOff", "ErrImagePull"):
                reason = "trying and failing to pull image"
            raise BadRequestError(
                f'container "{container}" in pod "{pod_name}" is waiting to start: {reason}'
            )

    # ------------------------------------------------------------------ metrics.k8s.io

    def metrics(self, route: Route, query: Query) -> Obj | list[Obj]:
        """PodMetrics / NodeMetrics from the simulation: one by name, or a filtered list."""
        resource = route.resource
        if resource.kind == "PodMetrics":
            items = self.backend.pod_metrics(route.namespace)
        else:
            items = self.backend.node_metrics()
        try:
            labels = parse_label_selector(query.get("labelSelector"))
            fields = parse_field_selector(query.get("fieldSelector"), resource.kind)
        except SelectorError as exc:
            raise BadRequestError(str(exc)) from exc
        for item in items:
            item.setdefault("kind", resource.kind)
            item.setdefault("apiVersion", resource.api_version)
        chosen = [
            i
            for i in items
            if labels.matches((i.get("metadata") or {}).get("labels")) and fields.matches(i)
        ]
        if route.name is None:
            return chosen
        for item in chosen:
            if item["metadata"].get("name") == route.name:
                return item
        raise NotFoundError(resource, route.name)


def scale_of(parent: Obj) -> Obj:
    """The ``autoscaling/v1`` Scale view of a Deployment, ReplicaSet or StatefulSet."""
    meta = parent["metadata"]
    spec = parent.get("spec") or {}
    status = parent.get("status") or {}
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            k: meta[k]
            for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if k in meta
        },
        "spec": {"replicas": int(spec.get("replicas", 1))},
        "status": {
            "replicas": int(status.get("replicas") or 0),
            "selector": selector_text(spec.get("selector")).replace("<none>", ""),
        },
    }


def _terminal(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def _ready(pod: Obj) -> bool:
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in (pod.get("status") or {}).get("conditions") or []
    )


def _amount(value: object, total: int) -> int:
    if isinstance(value, str) and value.endswith("%"):
        return math.ceil(total * int(value[:-1]) / 100)
    return int(str(value))
