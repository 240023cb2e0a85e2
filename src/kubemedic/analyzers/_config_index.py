"""The namespace's ConfigMaps and Secrets, searched for the object a broken reference meant.

A reference to a missing object usually meant one that exists under another name: a typo, a
generated hash-suffixed name, the same name in another namespace, or an object that holds
exactly the keys the pod reads. The cluster's objects are indexed once per kind, on first use,
so the search costs nothing per pod. Only key names are read from Secrets, never values.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from kubemedic.analyzers._config_refs import SECRET, closest, is_hash_suffixed, key_names
from kubemedic.models.cluster import ClusterView

# Secrets that controllers write for themselves: never what an application reference meant.
_MANAGED_SECRET_TYPES = frozenset({"kubernetes.io/service-account-token", "helm.sh/release.v1"})
_LISTED = 3


@dataclass(frozen=True, slots=True)
class StandIn:
    """What the namespace offers in place of a missing object, and why."""

    name: str | None  # the object to point the reference at, when one clearly fits
    note: str


class ConfigIndex:
    """ConfigMap and Secret names by namespace and namespaces by name, with their key names."""

    def __init__(self, view: ClusterView) -> None:
        self._view = view
        self._by_name: dict[str, dict[str, list[str]]] = {}
        self._keys: dict[str, dict[str, dict[str, frozenset[str]]]] = {}
        self._holders: dict[tuple[str, str, frozenset[str]], list[str]] = {}

    def namespaces(self, kind: str, name: str) -> list[str]:
        """Namespaces holding a ``kind`` called ``name``."""
        self._index(kind)
        return self._by_name[kind].get(name, [])

    def names_in(self, kind: str, namespace: str) -> list[str]:
        """Names of the ``kind`` objects in ``namespace``."""
        return list(self._in(kind, namespace))

    def keys_of(self, kind: str, namespace: str, name: str) -> frozenset[str]:
        """The key names of one object (empty when it was not collected)."""
        return self._in(kind, namespace).get(name, frozenset())

    def holding(self, kind: str, namespace: str, keys: Sequence[str]) -> list[str]:
        """The ``kind`` objects of ``namespace`` holding all of ``keys``, fewest extras first.

        Remembered per question: replicas of one workload all ask the same one.
        """
        wanted = frozenset(keys)
        question = (kind, namespace, wanted)
        if question not in self._holders:
            found = [
                (len(held - wanted), name)
                for name, held in self._in(kind, namespace).items()
                if wanted <= held
            ]
            self._holders[question] = [name for _, name in sorted(found)]
        return self._holders[question]

    def _in(self, kind: str, namespace: str) -> dict[str, frozenset[str]]:
        self._index(kind)
        return self._keys[kind].get(namespace, {})

    def _index(self, kind: str) -> None:
        if kind in self._by_name:
            return
        by_name: dict[str, list[str]] = defaultdict(list)
        keys: dict[str, dict[str, frozenset[str]]] = defaultdict(dict)
        for obj in self._view.objects(kind):
            if kind == SECRET and obj.raw.get("type") in _MANAGED_SECRET_TYPES:
                continue
            by_name[obj.name].append(obj.namespace)
            keys[obj.namespace][obj.name] = frozenset(key_names(obj))
        self._by_name[kind] = by_name
        self._keys[kind] = keys


def stand_in(
    index: ConfigIndex, kind: str, namespace: str, name: str, keys: Sequence[str]
) -> StandIn:
    """The existing object a reference to the missing ``kind`` ``name`` most likely meant.

    A similar name wins when it holds the keys the pod reads (or no keys are named); else the
    only object holding all those keys; else the similar name, flagged as lacking keys.
    """
    similar = closest(name, index.names_in(kind, namespace), cutoff=0.85)
    holders = index.holding(kind, namespace, keys) if keys else []
    listed = ", ".join(keys)
    if similar and (not keys or similar in holders):
        if is_hash_suffixed(similar, name):
            return StandIn(
                similar,
                f"{kind} {similar} does exist in {namespace}: a generated, hash-suffixed name "
                "(Kustomize, Helm) that the reference was not rewritten to.",
            )
        return StandIn(similar, f"{kind} {similar} does exist in {namespace}: a typo?")
    lacking = ""
    if similar:
        absent = [k for k in keys if k not in index.keys_of(kind, namespace, similar)]
        lacking = (
            f" {kind} {similar} has a similar name but lacks key {', '.join(absent)}, so "
            "pointing the reference at it would fail the same way."
        )
    if len(holders) == 1:
        return StandIn(
            holders[0],
            f"{kind} {holders[0]} is the only {kind} in {namespace} that holds every key read "
            f"from {name} ({listed}): probably the intended one, under another name.{lacking}",
        )
    if holders:
        shown = ", ".join(holders[:_LISTED]) + (" and others" if len(holders) > _LISTED else "")
        return StandIn(
            None,
            f"{kind}s {shown} in {namespace} each hold every key read from {name} ({listed}); "
            f"if one of them is the intended one, point the reference at it.{lacking}",
        )
    return StandIn(None, lacking.strip())
