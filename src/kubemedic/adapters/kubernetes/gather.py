"""The requests a live scan is made of, run in parallel, each deciding what a failure means.

A refused or unserved kind is usually not fatal: the scan goes on without it, records it as not
``listed`` (so no analyzer concludes an object of that kind is missing) and leaves a warning
for the CLI. Only what makes the scan meaningless stops it: pods refused, bad credentials, an
unreachable or failing API server.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from kubemedic.adapters.kubernetes.api import POD, ApiRequest
from kubemedic.adapters.kubernetes.failures import ApiStatusError, not_kubernetes
from kubemedic.adapters.kubernetes.logs import MAX_LOG_BYTES, TAIL_LINES, WantedLog, tail
from kubemedic.adapters.kubernetes.objects import normalize
from kubemedic.adapters.kubernetes.transport import ApiClient
from kubemedic.errors import ClusterError, Forbidden, NotFound, Unreachable
from kubemedic.models.cluster import LogKey, LogTail
from kubemedic.models.k8s import Pod

MAX_PARALLEL = 8
"""Requests in flight at once: quick for the scan, gentle on the API server."""


@dataclass(slots=True)
class Collected:
    """Objects, completeness, logs and warnings gathered by one or more requests."""

    objects: list[dict[str, Any]] = field(default_factory=list)
    listed: set[tuple[str, str]] = field(default_factory=set)
    logs: dict[LogKey, tuple[LogTail, ...]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def merge(self, other: Collected) -> None:
        self.objects.extend(other.objects)
        self.listed |= other.listed
        for key, tails in other.logs.items():
            self.logs[key] = self.logs.get(key, ()) + tails
        self.warnings.extend(w for w in other.warnings if w not in self.warnings)


Task = Callable[[], Collected]


def run_all(tasks: Sequence[Task]) -> Collected:
    """Run tasks in parallel and merge their results in task order.

    When tasks fail, the error of the first failing one (in task order, not time order) is
    raised once all have finished, so the same cluster always gives the same message.
    """
    merged = Collected()
    if not tasks:
        return merged
    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL, len(tasks))) as pool:
        futures = [pool.submit(task) for task in tasks]
    for future in futures:
        merged.merge(future.result())
    return merged


def list_kind(
    client: ApiClient, request: ApiRequest, *, complete_for: tuple[str, str] | None
) -> Collected:
    """One LIST; ``complete_for`` is the (kind, namespace) it covers fully, if it does."""
    resource = request.resource
    try:
        body = client.get_json(request, retry=not resource.optional)
    except ClusterError as exc:
        return _tolerated(request, exc)
    api_version = body.get("apiVersion")
    items = body.get("items")
    if resource is POD and not isinstance(items, list):
        raise not_kubernetes(client.config, request, "a JSON object that is not a list of pods")
    objects = [
        normalize(item, resource.kind, api_version if isinstance(api_version, str) else "")
        for item in (items if isinstance(items, list) else ())
        if isinstance(item, dict)
    ]
    return Collected(objects, {complete_for} if complete_for else set())


def get_object(client: ApiClient, request: ApiRequest) -> Collected:
    """One GET of a related object; gone or refused, the scan goes on without it."""
    try:
        obj = client.get_json(request)
    except ClusterError as exc:
        return _tolerated(request, exc)
    return Collected([normalize(obj, request.resource.kind, request.resource.group_version)])


def _tolerated(request: ApiRequest, exc: ClusterError) -> Collected:
    """Keep going without this kind when that is safe; re-raise when it is not."""
    unserved = isinstance(exc, NotFound) or (isinstance(exc, ApiStatusError) and exc.status == 503)
    if request.resource.optional and unserved:
        return Collected()  # no metrics-server: usage figures are simply absent
    pods_refused = request.resource is POD and request.verb == "list"
    if isinstance(exc, Forbidden) and not pods_refused:
        return Collected(warnings=[_without(request, exc)])
    if isinstance(exc, NotFound):  # an API not served, or a related object since deleted
        return Collected(warnings=[_without(request, exc)] if request.verb == "list" else [])
    raise exc


def _without(request: ApiRequest, exc: ClusterError) -> str:
    hint = f" ({exc.hint})" if exc.hint else ""
    return f"{exc.message}; continuing without {request.resource.rbac_name}{hint}"


def read_log(client: ApiClient, pod: Pod, wanted: WantedLog) -> Collected:
    """The tail of one container's log; a log that cannot be had is skipped, never fatal."""
    query = {"container": wanted.container, "tailLines": str(TAIL_LINES)}
    if wanted.previous:
        query["previous"] = "true"
    query["limitBytes"] = str(MAX_LOG_BYTES)
    request = ApiRequest.pod_log(pod.namespace, pod.name, **query)
    try:
        text = client.get_text(request, limit=MAX_LOG_BYTES)
    except Forbidden as exc:
        refused = f"get {request.rbac_resource} {request.scope} is forbidden ({exc.hint})"
        return Collected(warnings=[f"container logs were not collected: {refused}"])
    except Unreachable as exc:
        return Collected(warnings=[f"container logs were not collected: {exc.message}"])
    except ClusterError:
        return Collected()  # e.g. 400 "previous terminated container ... not found"
    lines = text.splitlines()
    if len(text.encode()) >= MAX_LOG_BYTES and lines:
        lines = lines[:-1]  # the last line was cut by the byte limit
    previous = " --previous" if wanted.previous else ""
    command = f"kubectl logs -n {pod.namespace} {pod.name} -c {wanted.container}{previous}"
    key = LogKey(pod.namespace, pod.name, wanted.container)
    return Collected(logs={key: (LogTail(tail(lines), wanted.previous, command),)})
