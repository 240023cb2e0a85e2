"""Which workload a pod belonged to, from its name alone: history outlives the pods.

A week of usage covers pods that earlier rollouts deleted, together with the ReplicaSets and
Jobs that owned them, so owner references cannot be followed. Kubernetes names pods
predictably, and the owner is found by stripping the suffixes its controllers add:

- Deployment: ``<deployment>-<pod-template-hash>-<5 random>``
- StatefulSet: ``<statefulset>-<ordinal>``
- DaemonSet, Job, bare ReplicaSet: ``<name>-<5 random>``
- CronJob: ``<cronjob>-<minutes since the epoch>-<5 random>``

Random suffixes and template hashes use the API machinery's alphabet (no vowels, no 0/1/3).
When ``<name>-`` is longer than 58 characters the API server cuts it before adding the random
suffix; an index of those cut prefixes covers that case. Each candidate prefix is one dictionary
look-up, so the cost per pod does not grow with the number of workloads; when several
workloads match, the longest name wins (``web-api`` over ``web``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from kubemedic.models.findings import ObjectRef
from kubemedic.models.k8s import Workload
from kubemedic.models.usage import OwnerOf

SAFE_ALPHABET = frozenset("bcdfghjklmnpqrstvwxz2456789")
"""k8s.io/apimachinery/pkg/util/rand: random suffixes and pod-template-hash values."""
_RANDOM_LENGTH = 5
_MAX_GENERATED_BASE = 58
"""names.MaxGeneratedNameLength: 63 characters minus the 5 random ones."""
_MAX_HASH_LENGTH = 10
"""A pod-template-hash encodes a uint32: at most 10 decimal digits, one character each."""

_GENERATED = "generated"
"""Group of names whose pods are ``<name>-<random>``: ReplicaSets, DaemonSets and Jobs."""
_TRUNCATED = "truncated"


def owner_index(
    workloads: Iterable[Mapping[str, Any]], replicasets: Iterable[Mapping[str, Any]] = ()
) -> OwnerOf:
    """``owner(namespace, pod)`` for the given workloads (raw API objects, any kinds mixed).

    Deployments, StatefulSets, DaemonSets, Jobs, CronJobs and ReplicaSets are understood;
    a ReplicaSet or Job owned by a Deployment or CronJob resolves to that owner. Pods that match
    none of them give None.
    """
    index = _OwnerIndex()
    for raw in (*workloads, *replicasets):
        index.add(Workload(raw))
    return index


class _OwnerIndex:
    __slots__ = ("_refs",)

    def __init__(self) -> None:
        self._refs: dict[tuple[str, str, str], ObjectRef] = {}

    def add(self, obj: Workload) -> None:
        namespace, name, kind = obj.namespace, obj.name, obj.kind
        if kind in ("Deployment", "StatefulSet", "CronJob"):
            self._put(namespace, kind, name, obj.ref)
            if kind == "Deployment" and len(name) + 1 >= _MAX_GENERATED_BASE:
                self._put(namespace, _TRUNCATED, f"{name}-"[:_MAX_GENERATED_BASE], obj.ref)
            return
        if kind not in ("ReplicaSet", "DaemonSet", "Job"):
            return
        owner = obj.controller
        ref = obj.ref
        if owner is not None and owner.kind in ("Deployment", "CronJob"):
            ref = ObjectRef(owner.kind, owner.name, namespace)
        self._put(namespace, _GENERATED, name, ref)
        if len(name) + 1 > _MAX_GENERATED_BASE:
            self._put(namespace, _TRUNCATED, name[:_MAX_GENERATED_BASE], ref)

    def _put(self, namespace: str, group: str, name: str, ref: ObjectRef) -> None:
        self._refs.setdefault((namespace, group, name), ref)

    def __call__(self, namespace: str, pod: str) -> ObjectRef | None:
        best: ObjectRef | None = None
        best_length = -1
        for group, prefix in _candidates(pod):
            ref = self._refs.get((namespace, group, prefix))
            if ref is not None and len(prefix) > best_length:
                best, best_length = ref, len(prefix)
        return best


def _candidates(pod: str) -> Iterator[tuple[str, str]]:
    """(group, prefix) pairs the pod's name can be read as."""
    head, _, ordinal = pod.rpartition("-")
    if head and ordinal.isdigit() and (ordinal == "0" or not ordinal.startswith("0")):
        yield "StatefulSet", head
    suffix = pod[-_RANDOM_LENGTH:]
    if len(pod) <= _RANDOM_LENGTH or not set(suffix) <= SAFE_ALPHABET:
        return
    cut = len(pod) == _MAX_GENERATED_BASE + _RANDOM_LENGTH
    if cut:
        yield _TRUNCATED, pod[:_MAX_GENERATED_BASE]
    if pod[-_RANDOM_LENGTH - 1] == "-":
        base = pod[: -_RANDOM_LENGTH - 1]
    elif cut:
        base = pod[:_MAX_GENERATED_BASE]
    else:
        return
    yield _GENERATED, base
    owner, _, tail = base.rpartition("-")
    if owner and 0 < len(tail) <= _MAX_HASH_LENGTH:
        if set(tail) <= SAFE_ALPHABET or tail.isdigit():
            yield "Deployment", owner
        if tail.isdigit():
            yield "CronJob", owner
