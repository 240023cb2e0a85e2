"""What a pod asks for, counted the way the scheduler and the quota system count it.

A pod's request of a resource is the larger of what its app containers (and sidecars) need
together and what its largest ordinary init container needs alone, plus its ``overhead``
(``resourcehelper.PodRequests``). CPU, memory and extended resources such as
``nvidia.com/gpu`` are all counted alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubemedic.sandbox.quantity import Quantity, resource_list, total

Obj = dict[str, Any]


def pod_resources(spec: Mapping[str, Any], field: str = "requests") -> dict[str, Quantity]:
    """The pod's ``requests`` (or ``limits``) per resource name."""
    running: list[Mapping[str, Quantity]] = [_of(c, field) for c in spec.get("containers") or []]
    initial: list[Mapping[str, Quantity]] = []
    for container in spec.get("initContainers") or []:
        if container.get("restartPolicy") == "Always":  # a sidecar runs beside the app
            running.append(_of(container, field))
        else:
            initial.append(_of(container, field))
    names = {name for amounts in (*running, *initial) for name in amounts}
    result: dict[str, Quantity] = {}
    for name in sorted(names):
        together = total(amounts[name] for amounts in running if name in amounts)
        alone = max(
            (amounts[name] for amounts in initial if name in amounts),
            key=lambda q: q.amount,
            default=together,
        )
        result[name] = alone if alone.amount > together.amount else together
    for name, extra in resource_list(spec.get("overhead")).items():
        result[name] = result[name] + extra if name in result else extra
    return result


def _of(container: Mapping[str, Any], field: str) -> dict[str, Quantity]:
    return resource_list((container.get("resources") or {}).get(field))
