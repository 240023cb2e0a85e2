"""Diagnose one pod in at most :data:`ROUND_TRIPS` API requests.

``kubemedic diagnose POD`` should answer as fast as ``kubectl describe``: read the pod, then
fetch in parallel only what its state calls for — its events, the log of a crashed container,
the nodes when it cannot be scheduled, the ConfigMaps or Secrets when its configuration is
broken, its controller — most telling first, and stop at the budget.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from kubemedic.adapters.kubernetes.api import (
    BY_KIND,
    CONFIG_MAP,
    EVENT,
    NODE,
    POD,
    SECRET,
    ApiRequest,
    Resource,
)
from kubemedic.adapters.kubernetes.gather import (
    Collected,
    Task,
    get_object,
    list_kind,
    read_log,
    run_all,
)
from kubemedic.adapters.kubernetes.logs import wanted_logs
from kubemedic.adapters.kubernetes.objects import normalize
from kubemedic.adapters.kubernetes.transport import ApiClient
from kubemedic.models.k8s import Pod

ROUND_TRIPS = 5

_CONFIG_WAITING = "CreateContainerConfigError"
_MOUNT_WAITING = "ContainerCreating"


def collect_pod(client: ApiClient, namespace: str, name: str) -> Collected:
    """The pod and what its state needs; NotFound when there is no such pod."""
    raw = normalize(client.get_json(ApiRequest.get(POD, namespace, name)), "Pod", "v1")
    pod = Pod(raw)
    collected = Collected(objects=[raw])
    collected.merge(run_all(follow_ups(client, pod)[: ROUND_TRIPS - 1]))
    return collected


def follow_ups(client: ApiClient, pod: Pod) -> list[Task]:
    """Every request worth making about this pod, most telling first."""
    namespace = pod.namespace
    events = ApiRequest.list(EVENT, namespace, fieldSelector=f"involvedObject.name={pod.name}")
    tasks: list[Task] = [partial(list_kind, client, events, complete_for=None)]
    if _unscheduled(pod):
        nodes = ApiRequest.list(NODE, None)
        tasks.append(partial(list_kind, client, nodes, complete_for=(NODE.kind, "")))
    for resource in _referenced_config(pod):
        listing = ApiRequest.list(resource, namespace)
        tasks.append(partial(list_kind, client, listing, complete_for=(resource.kind, namespace)))
    tasks += [partial(read_log, client, pod, wanted) for wanted in wanted_logs(pod)]
    owner = pod.controller
    if owner is not None and owner.kind in BY_KIND:
        request = ApiRequest.get(BY_KIND[owner.kind], namespace, owner.name)
        tasks.append(partial(get_object, client, request))
    return tasks


def _unscheduled(pod: Pod) -> bool:
    scheduled = pod.condition("PodScheduled")
    if scheduled is not None and not scheduled.is_true:
        return True
    return pod.phase == "Pending" and not pod.node_name


def _referenced_config(pod: Pod) -> tuple[Resource, ...]:
    """ConfigMaps and/or Secrets, when a container waits on configuration or a volume mount."""
    kinds: set[str] = set()
    for status in pod.all_container_statuses:
        reason = status.state.waiting_reason
        if reason == _CONFIG_WAITING:
            kinds |= _named_in(status.state.waiting_message) or _env_sources(pod, status.name)
        elif reason == _MOUNT_WAITING:
            kinds |= _volume_sources(pod)
    return tuple(r for r in (CONFIG_MAP, SECRET) if r.kind in kinds)


def _named_in(message: str) -> set[str]:
    """``secret "db" not found``, ``couldn't find key url in ConfigMap shop/app``, ..."""
    text = message.lower()
    return {kind for kind in (CONFIG_MAP.kind, SECRET.kind) if kind.lower() in text}


def _env_sources(pod: Pod, container: str) -> set[str]:
    spec = pod.container(container)
    if spec is None:
        return {CONFIG_MAP.kind, SECRET.kind}
    kinds: set[str] = set()
    for entry in spec.env:
        source = entry.get("valueFrom") or {}
        kinds |= _kinds_of(source, "configMapKeyRef", "secretKeyRef")
    for entry in spec.env_from:
        kinds |= _kinds_of(entry, "configMapRef", "secretRef")
    return kinds


def _volume_sources(pod: Pod) -> set[str]:
    kinds: set[str] = set()
    for volume in pod.volumes:
        kinds |= _kinds_of(volume, "configMap", "secret")
        for source in (volume.get("projected") or {}).get("sources") or ():
            kinds |= _kinds_of(source, "configMap", "secret")
    return kinds


def _kinds_of(holder: Any, config_map_field: str, secret_field: str) -> set[str]:
    if not isinstance(holder, dict):
        return set()
    found = {CONFIG_MAP.kind} if config_map_field in holder else set()
    return found | ({SECRET.kind} if secret_field in holder else set())
