"""Run a planned ``helm-rollback`` change: the ``helm`` executable, then the unpause it needs.

Proposal and execution dry-run it first (``helm rollback ... --dry-run``) and keep what Helm
printed in the record. Helm applies the revision's manifest with a three-way merge that keeps
fields only the cluster set, such as the ``spec.paused`` of a halted rollout; so when the plan
says to, the Deployment is unpaused once Helm has put the old template back. Without ``helm``
on PATH nothing runs: the proposal records the command to run by hand, an execution refuses.
``helm history`` tells an execution whether the release is still at the revision the change
starts from, and a resumed one whether its rollback already ran.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubemedic.actions.helm import helm_rollback_command
from kubemedic.adapters.helm import Helm, HelmRun
from kubemedic.adapters.kubernetes.writer import ClusterWriter
from kubemedic.errors import ConfigError, Refused
from kubemedic.models.operations import Change, ChangeVerb
from kubemedic.services.apply import apply_unchanged
from kubemedic.services.targets import read_or_none
from kubemedic.services.workspace import Workspace


def installed(ws: Workspace) -> Helm | None:
    """The ``helm`` on PATH, connected as the workspace is; None when it is not installed."""
    return Helm.find(kubeconfig=ws.kubeconfig, context=ws.context)


def by_hand(change: Change) -> str:
    """The ``helm rollback`` a person runs for ``change``."""
    body = change.body or {}
    return helm_rollback_command(str(body["release"]), int(body["revision"]), body["namespace"])


def require(ws: Workspace, change: Change) -> Helm:
    """The installed ``helm``, or a ConfigError that says what to run by hand."""
    helm = installed(ws)
    if helm is None:
        raise ConfigError(
            "helm is not installed here (no helm on PATH): kubemedic cannot run the rollback",
            hint=f"install helm, or run it by hand: {by_hand(change)}",
        )
    return helm


def dry_run_note(ws: Workspace, change: Change) -> str:
    """What the proposal records as its dry run (HelmFailed when Helm refuses it)."""
    helm = installed(ws)
    if helm is None:
        return f"not run: helm is not installed here; run by hand: {by_hand(change)}"
    run = rollback(helm, None, change, dry_run=True)
    said = run.stdout.strip().splitlines()
    return f"passed: {run.command}" + (f" ({said[-1]})" if said else "")


def check_unchanged(helm: Helm, change: Change, record_id: str) -> None:
    """Refuse a release that moved on from the revision the change was planned from."""
    body = change.body or {}
    at, _ = _newest(helm, change)
    if at != int(body["from"]):
        raise Refused(
            f"Helm release {body['release']} is at revision {at}, not {body['from']} as when "
            f"{record_id} was proposed; what was approved no longer describes it",
            hint=f"cancel it and propose again: kubemedic propose helm-rollback "
            f"{change.target.kubectl_ref}",
        )


def landed(helm: Helm, change: Change) -> bool | None:
    """Whether the rollback ran (the newest revision is its ``Rollback to N``), did not (the
    release is still where it started), or None: someone else moved the release meanwhile."""
    body = change.body or {}
    at, description = _newest(helm, change)
    start = int(body["from"])
    if at == start + 1 and description == f"Rollback to {body['revision']}":
        return True
    return False if at == start else None


def _newest(helm: Helm, change: Change) -> tuple[int, str]:
    body = change.body or {}
    rows = helm.history(str(body["release"]), str(body["namespace"]))
    top = max(rows, key=lambda row: int(row.get("revision") or 0), default={})
    return int(top.get("revision") or 0), str(top.get("description") or "")


def rollback(helm: Helm, writer: ClusterWriter | None, change: Change, *, dry_run: bool) -> HelmRun:
    """``helm rollback`` as ``change`` says, then (for real, when asked) unpause the Deployment."""
    assert change.verb is ChangeVerb.HELM_ROLLBACK
    body: Mapping[str, Any] = change.body or {}
    run = helm.rollback(
        str(body["release"]), int(body["revision"]), str(body["namespace"]), dry_run=dry_run
    )
    if not dry_run and writer is not None:
        finish(writer, change)
    return run


def finish(writer: ClusterWriter, change: Change) -> None:
    """Unpause the Deployment when the change says to (and it is paused)."""
    if not (change.body or {}).get("resume"):
        return
    current = read_or_none(writer, change.target)
    if current is None or not (current.get("spec") or {}).get("paused"):
        return
    resume = Change(ChangeVerb.PATCH, change.target, {"spec": {"paused": False}}, "merge")
    apply_unchanged(writer, resume, current, dry_run=False)
