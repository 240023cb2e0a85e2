"""What every simulated controller shares: ownership, pod readiness, template hashing.

The helpers mirror kube-controller-manager's own (``metav1.NewControllerRef``,
``podutil.IsPodReady``, ``controller.ComputeHash``) so the objects the controllers write carry
the same owner references, labels and names a real cluster's do.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import orjson

from kubemedic._internal.timeutils import parse_time
from kubemedic.sandbox.store import Store

Obj = dict[str, Any]
_SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def owner_ref(owner: Obj) -> Obj:
    """A controller owner reference to ``owner`` (blocking deletion, like real controllers)."""
    return {
        "apiVersion": owner.get("apiVersion"),
        "kind": owner.get("kind"),
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def controlled_by(obj: Obj, owner: Obj) -> bool:
    uid = owner["metadata"]["uid"]
    return any(
        ref.get("uid") == uid and ref.get("controller")
        for ref in obj["metadata"].get("ownerReferences") or []
    )


def owned(store: Store, kind: str, owner: Obj) -> list[Obj]:
    """Objects of ``kind`` in the owner's namespace that the owner controls."""
    items, _rv = store.list(kind, owner["metadata"].get("namespace"))
    return [item for item in items if controlled_by(item, owner)]


def selector_text(selector: Mapping[str, Any] | None) -> str:
    """A ``matchLabels`` / ``matchExpressions`` selector in the query-string form lists take."""
    if not selector:
        return ""
    parts = [f"{k}={v}" for k, v in (selector.get("matchLabels") or {}).items()]
    for expression in selector.get("matchExpressions") or []:
        key, operator = expression.get("key"), str(expression.get("operator"))
        values = ",".join(str(v) for v in expression.get("values") or [])
        forms = {
            "In": f"{key} in ({values})",
            "NotIn": f"{key} notin ({values})",
            "Exists": f"{key}",
        }
        parts.append(forms.get(operator, f"!{key}"))
    return ",".join(parts)


def pods_matching(store: Store, namespace: str, selector: Mapping[str, Any] | None) -> list[Obj]:
    """Pods in ``namespace`` that ``selector`` selects (the store filters before copying)."""
    items, _rv = store.list("Pod", namespace, label_selector=selector_text(selector) or None)
    return items


def owned_pods(store: Store, owner: Obj) -> list[Obj]:
    selector = (owner.get("spec") or {}).get("selector")
    items = pods_matching(store, owner["metadata"]["namespace"], selector)
    return [p for p in items if controlled_by(p, owner)]


def is_active(pod: Obj) -> bool:
    """Counted by its controller: not finished and not being deleted."""
    phase = (pod.get("status") or {}).get("phase")
    return phase not in ("Succeeded", "Failed") and not pod["metadata"].get("deletionTimestamp")


def ready_since(pod: Obj) -> datetime | None:
    for condition in (pod.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "Ready" and condition.get("status") == "True":
            return parse_time(condition.get("lastTransitionTime")) or datetime.min
    return None


def is_ready(pod: Obj) -> bool:
    return ready_since(pod) is not None


def is_available(pod: Obj, min_ready_seconds: int, now: datetime) -> bool:
    since = ready_since(pod)
    if since is None:
        return False
    return min_ready_seconds <= 0 or (now - since).total_seconds() >= min_ready_seconds


def template_hash(template: Mapping[str, Any], collisions: int = 0) -> str:
    """The ``pod-template-hash``: FNV-1a of the template, spelled with the safe alphabet."""
    data = orjson.dumps(template, option=orjson.OPT_SORT_KEYS) + (
        str(collisions).encode() if collisions else b""
    )
    value = 0x811C9DC5
    for byte in data:
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return "".join(_SAFE_ALPHABET[ord(c) % len(_SAFE_ALPHABET)] for c in str(value))


def pod_from_template(
    owner: Obj,
    template: Mapping[str, Any],
    *,
    name: str | None = None,
    generate: str | None = None,
    labels: Mapping[str, str] | None = None,
) -> Obj:
    """A new pod object stamped from a workload's template."""
    meta_template = template.get("metadata") or {}
    metadata: Obj = {
        "namespace": owner["metadata"]["namespace"],
        "labels": {**(meta_template.get("labels") or {}), **(labels or {})},
        "ownerReferences": [owner_ref(owner)],
    }
    if meta_template.get("annotations"):
        metadata["annotations"] = dict(meta_template["annotations"])
    if name:
        metadata["name"] = name
    else:
        metadata["generateName"] = generate or f"{owner['metadata']['name']}-"
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": orjson.loads(orjson.dumps(template.get("spec") or {})),
    }


def int_or_percent(value: object, total: int, *, round_up: bool) -> int:
    """maxSurge / maxUnavailable: an int, or a percentage of ``total``."""
    if isinstance(value, int):
        return value
    text = str(value or "0")
    if text.endswith("%"):
        amount = total * int(text[:-1]) / 100
        return int(-(-amount // 1)) if round_up else int(amount)
    return int(text) if text.isdigit() else 0


def set_condition(
    status: Obj,
    type_: str,
    value: str,
    reason: str,
    message: str,
    now: str,
    *,
    touch: bool = False,
) -> None:
    """Set a workload condition; ``lastTransitionTime`` moves only when the status flips.

    ``lastUpdateTime`` moves when the reason or message change, or when ``touch`` says progress
    was made (what the progress deadline is measured from).
    """
    conditions = status.setdefault("conditions", [])
    current = next((c for c in conditions if c.get("type") == type_), None)
    entry: Obj = {
        "type": type_,
        "status": value,
        "lastUpdateTime": now,
        "lastTransitionTime": now,
        "reason": reason,
        "message": message,
    }
    if current is not None:
        if current.get("status") == value:
            entry["lastTransitionTime"] = current.get("lastTransitionTime", now)
            if not touch and current.get("reason") == reason and current.get("message") == message:
                entry["lastUpdateTime"] = current.get("lastUpdateTime", now)
        conditions[conditions.index(current)] = entry
    else:
        conditions.append(entry)


def condition(obj: Obj, type_: str) -> Obj | None:
    for entry in (obj.get("status") or {}).get("conditions") or []:
        if entry.get("type") == type_:
            return dict(entry)
    return None
