"""The scheduler's memory of a pod bound to a node: what it requests and who it is.

Requests feed the resource filter; namespace, labels and affinity feed the inter-pod affinity
and topology spread filters, which judge a new pod against the pods already placed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kubemedic.sandbox.selectors import SelectorError, selector_from_object

Obj = dict[str, Any]


@dataclass(frozen=True, slots=True)
class PlacedPod:
    """A pod bound to ``node`` and not finished."""

    node: str
    namespace: str
    labels: Mapping[str, str]
    requests: Mapping[str, float]
    owner: str = ""
    affinity: Mapping[str, Any] = field(default_factory=dict)
    terminating: bool = False

    @classmethod
    def of(cls, pod: Obj, node: str, requests: Mapping[str, float]) -> PlacedPod:
        meta = pod["metadata"]
        owner = ((meta.get("ownerReferences") or [{}])[0]).get("uid", "")
        return cls(
            node=node,
            namespace=str(meta.get("namespace") or ""),
            labels=dict(meta.get("labels") or {}),
            requests=dict(requests),
            owner=str(owner),
            affinity=dict((pod.get("spec") or {}).get("affinity") or {}),
            terminating=bool(meta.get("deletionTimestamp")),
        )


def selects(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """A term's label selector: absent selects nothing, ``{}`` everything, bad ones nothing."""
    if selector is None:
        return False
    try:
        return selector_from_object(selector).matches(labels)
    except SelectorError:
        return False
