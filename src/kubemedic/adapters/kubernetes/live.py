"""Live source: read a running cluster through its API into a ``ClusterView``.

A scan makes one LIST per kind for the namespace (or all namespaces), in parallel, then reads
the logs of crashed containers only; a single pod costs at most five requests (see
``pod_target``). Refusals of kinds other than pods are warnings carried on the view
(``ClusterView.warnings``) for the output to show.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from kubemedic._internal.timeutils import parse_time
from kubemedic.adapters.kubernetes.api import BY_KIND, SCANNED, ApiRequest, Resource
from kubemedic.adapters.kubernetes.gather import Collected, list_kind, read_log, run_all
from kubemedic.adapters.kubernetes.kubeconfig import resolve
from kubemedic.adapters.kubernetes.logs import wanted_logs
from kubemedic.adapters.kubernetes.objects import record_moments
from kubemedic.adapters.kubernetes.pod_target import collect_pod
from kubemedic.adapters.kubernetes.transport import ApiClient, Sleep
from kubemedic.errors import Forbidden
from kubemedic.models.cluster import ALL_NAMESPACES, ClusterView
from kubemedic.models.findings import ObjectRef
from kubemedic.models.k8s import Pod
from kubemedic.models.scan_warning import ScanWarning

MAX_LOGS = 100
"""Container logs read per scan at most; crashed replicas beyond that add nothing new."""

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LiveScan:
    """A view of the cluster, what could not be collected, and what it cost."""

    view: ClusterView
    warnings: tuple[str, ...]
    requests: int


def load_live(
    *,
    namespace: str | None,
    all_namespaces: bool,
    target: ObjectRef | None,
    context: str | None,
    kubeconfig: Path | None,
    timeout: float,
    resources: Sequence[Resource] = SCANNED,
    logs: bool = True,
) -> ClusterView:
    """Scan the cluster of the chosen kubeconfig context (or of the pod kubemedic runs in).

    ``resources`` are the kinds listed (the security audit lists its own set); ``logs`` False
    skips reading crashed containers' logs.
    """
    with connect(context=context, kubeconfig=kubeconfig, timeout=timeout) as client:
        result = scan(
            client,
            namespace=namespace,
            all_namespaces=all_namespaces,
            target=target,
            resources=resources,
            logs=logs,
        )
    return result.view


def connect(
    *,
    context: str | None,
    kubeconfig: Path | None,
    timeout: float,
    environ: Mapping[str, str] | None = None,
    sleep: Sleep = time.sleep,
) -> ApiClient:
    """A client for the cluster of a kubeconfig context (ConfigError when there is none)."""
    environ = os.environ if environ is None else environ
    config = resolve(context=context, kubeconfig=kubeconfig, environ=environ)
    return ApiClient(config, timeout=timeout, sleep=sleep)


def scan(
    client: ApiClient,
    *,
    namespace: str | None,
    all_namespaces: bool = False,
    target: ObjectRef | None = None,
    resources: Sequence[Resource] = SCANNED,
    logs: bool = True,
) -> LiveScan:
    """Collect a pod target cheaply, or everything in the namespace (or all namespaces)."""
    default = namespace or client.config.namespace
    scope = (target.namespace or default) if target is not None else None
    if target is None and not all_namespaces:
        scope = default
    if target is not None and target.kind == "Pod":
        collected = collect_pod(client, target.namespace or default, target.name)
    else:
        collected = collect_scope(client, scope, resources=resources, logs=logs)
        if scope and not any(_namespace(o) == scope for o in collected.objects):
            _require_namespace(client, scope)
    view = ClusterView(
        collected.objects,
        observed_at=_observed_at(collected.objects),
        source=f"cluster {client.config.host} ({client.config.identity})",
        listed=collected.listed,
        logs=collected.logs,
        namespaces=(scope,) if scope else (ALL_NAMESPACES,),
        warnings=tuple(map(ScanWarning, collected.warnings)),
    )
    return LiveScan(view, tuple(collected.warnings), client.stats.requests)


def _observed_at(objects: Iterable[Mapping[str, Any]]) -> datetime:
    """Now, or the cluster's own latest timestamp if its clock runs ahead of this machine's.

    Durations (how long a pod has been stuck, how old a restart is) are measured against the
    cluster's timestamps; a cluster clock ahead of the local one (skew, or the sandbox's
    accelerated time) must not make recent events look like they lie in the future.
    """
    moments: set[object] = set()
    for obj in objects:
        record_moments(obj, moments)
    latest = max(filter(None, map(parse_time, moments)), default=None)
    now = datetime.now(tz=UTC)
    return max(now, latest) if latest else now


def _namespace(obj: Mapping[str, Any]) -> Any:
    return (obj.get("metadata") or {}).get("namespace")


def _require_namespace(client: ApiClient, namespace: str) -> None:
    """NotFound when a namespace with nothing in it does not exist: a mistyped ``-n`` is not
    a healthy namespace. One that may not be read (403) is taken as it is."""
    with suppress(Forbidden):
        client.get_json(ApiRequest.get(BY_KIND["Namespace"], None, namespace))


def collect_scope(
    client: ApiClient,
    namespace: str | None,
    *,
    resources: Sequence[Resource] = SCANNED,
    logs: bool = True,
) -> Collected:
    """One LIST per kind in a namespace (None: all), then the crashed containers' logs."""
    tasks = []
    for resource in resources:
        request = ApiRequest.list(resource, namespace)
        covered = (namespace or ALL_NAMESPACES) if resource.namespaced else ""
        tasks.append(partial(list_kind, client, request, complete_for=(resource.kind, covered)))
    collected = run_all(tasks)
    if not logs:
        return collected
    crashed = [
        (pod, wanted)
        for pod in (Pod(obj) for obj in collected.objects if obj.get("kind") == "Pod")
        for wanted in wanted_logs(pod)
    ]
    if len(crashed) > MAX_LOGS:
        collected.warnings.append(
            f"{len(crashed)} containers crashed; read the logs of the first {MAX_LOGS} only"
        )
    collected.merge(run_all([partial(read_log, client, p, w) for p, w in crashed[:MAX_LOGS]]))
    return collected
