"""Send one planned change to the API server, with optimistic concurrency, dry-run or for real.

Patches carry the resourceVersion the change was checked against (JSON patches set it too), so
a write that races another change fails with a conflict instead of applying on top of
something nobody approved. Deletes carry the uid precondition.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubemedic.actions._common import change_fingerprint
from kubemedic.adapters.kubernetes.writer import ClusterWriter, PatchType
from kubemedic.errors import Conflict
from kubemedic.models.k8s import dig
from kubemedic.models.operations import Change, ChangeVerb

STATUS_RACES = 5
"""Conflicts caused only by status updates (the spec unchanged) are retried this many times."""


def apply_unchanged(
    writer: ClusterWriter,
    change: Change,
    current: Mapping[str, Any] | None,
    *,
    dry_run: bool,
) -> dict[str, Any] | None:
    """``apply_change``, retried when a conflict came from a status update alone.

    Controllers update an object's status all the time, which moves its resourceVersion; a
    write checked against the spec that was approved is still the right write. A conflict
    after the spec (or data) itself changed is raised: that change was never approved.
    """
    for _ in range(STATUS_RACES):
        try:
            return apply_change(writer, change, current, dry_run=dry_run)
        except Conflict:
            if current is None:
                raise
            fresh = writer.get(change.target)
            if change_fingerprint(fresh, change) != change_fingerprint(current, change):
                raise
            current = fresh
    return apply_change(writer, change, current, dry_run=dry_run)


def apply_change(
    writer: ClusterWriter,
    change: Change,
    current: Mapping[str, Any] | None,
    *,
    dry_run: bool,
) -> dict[str, Any] | None:
    """Apply ``change`` (checked against ``current``, the object as last read)."""
    version = str(dig(current, "metadata", "resourceVersion") or "") if current else ""
    target = change.target
    body: Any = change.body or {}
    if change.verb is ChangeVerb.CREATE:
        return writer.create(target.kind, target.namespace, body, dry_run=dry_run)
    if change.verb is ChangeVerb.DELETE:
        preconditions = body.get("preconditions") or {}
        return writer.delete(
            target,
            dry_run=dry_run,
            uid=preconditions.get("uid") or (dig(current, "metadata", "uid") if current else None),
        )
    patch_type = PatchType(change.patch_type)
    if patch_type is PatchType.JSON:
        ops = list(body.get("ops") or [])
        if version:
            ops.append({"op": "replace", "path": "/metadata/resourceVersion", "value": version})
        return writer.patch(target, ops, patch_type=patch_type, dry_run=dry_run)
    patch = dict(body)
    if version:
        patch["metadata"] = {**dict(patch.get("metadata") or {}), "resourceVersion": version}
    return writer.patch(target, patch, patch_type=patch_type, dry_run=dry_run)
