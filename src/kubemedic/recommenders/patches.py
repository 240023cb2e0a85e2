"""The ready-to-apply change of a right-sizing: one strategic-merge patch per workload.

Containers in a pod template merge by name, so the patch lists only the containers that change,
each with its complete resources (a value the recommendation drops, such as a CPU limit, is sent
as null, which deletes it). The same body is shown three ways: as data, as the ``kubectl patch``
command and as YAML for review.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Sequence
from typing import Any

import yaml

from kubemedic.models.findings import ObjectRef
from kubemedic.models.recommendations import ContainerRecommendation, ResourcePatch, ResourceValues

_TEMPLATE_PATHS: dict[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
}


def resource_patch(
    workload: ObjectRef, containers: Sequence[ContainerRecommendation]
) -> tuple[ResourcePatch | None, tuple[str, ...]]:
    """The patch for the containers that change, or None (with a note when it cannot exist)."""
    entries = [
        {"name": c.container, "resources": resources_body(c.current, c.recommended)}
        for c in containers
        if c.changes and c.recommended is not None
    ]
    if not entries:
        return None, ()
    path = _TEMPLATE_PATHS.get(workload.kind)
    if path is None:
        return None, (
            f"a {workload.kind}'s pod template cannot be changed in place: set these values "
            "where it is defined",
        )
    body: dict[str, Any] = {"spec": {"containers": entries}}
    for key in reversed(path):
        body = {key: body}
    text = json.dumps(body, separators=(",", ":"))
    command = f"kubectl patch {workload.kubectl_ref} --type strategic -p {shlex.quote(text)}"
    return ResourcePatch(body=body, command=command, yaml=yaml.safe_dump(body, sort_keys=False)), ()


def resources_body(current: ResourceValues, recommended: ResourceValues) -> dict[str, Any]:
    """``resources`` as the patch sets them: every proposed value, null for dropped ones."""
    body: dict[str, dict[str, Any]] = dict(recommended.to_data())
    dropped = (
        ("requests", "cpu", current.cpu_request, recommended.cpu_request),
        ("requests", "memory", current.memory_request, recommended.memory_request),
        ("limits", "cpu", current.cpu_limit, recommended.cpu_limit),
        ("limits", "memory", current.memory_limit, recommended.memory_limit),
    )
    for section, name, before, after in dropped:
        if before is not None and after is None:
            body[section][name] = None
    return {section: values for section, values in body.items() if values}
