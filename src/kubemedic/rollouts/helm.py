"""Helm-managed Deployments: which release owns one, and the ``helm rollback`` that undoes it.

Helm labels what it installs ``app.kubernetes.io/managed-by: Helm`` and annotates it with
``meta.helm.sh/release-name`` / ``-namespace``; each revision of a release is a Secret labelled
``owner=helm, name=RELEASE, version=N, status=...``. Undoing a Helm release with a
kubectl-level patch leaves Helm believing its newest revision is deployed, so the guard names
the release and offers ``helm rollback`` as the inverse.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from kubemedic.models.k8s import KObject

MANAGED_BY = "app.kubernetes.io/managed-by"
RELEASE_NAME = "meta.helm.sh/release-name"
RELEASE_NAMESPACE = "meta.helm.sh/release-namespace"
RELEASE_SELECTOR = "owner=helm,name={name}"
"""The label selector of a release's revision Secrets."""
_RESTORABLE = frozenset({"deployed", "superseded"})


@dataclass(frozen=True, slots=True)
class HelmRelease:
    name: str
    namespace: str
    revision: int | None = None
    """The release's newest revision: the one whose rollout is guarded."""
    previous: int | None = None
    """The revision before it that was once deployed: what ``helm rollback`` returns to."""

    @property
    def rollback_command(self) -> str:
        """``helm rollback`` without a revision returns to the previous one, as Helm documents."""
        to = f" {self.previous}" if self.previous else ""
        return f"helm rollback {self.name}{to} -n {self.namespace}"

    @property
    def warning(self) -> str:
        at = f" revision {self.revision}" if self.revision else " its newest revision"
        return (
            f"deployment is managed by Helm release {self.name}: a kubectl-level undo leaves "
            f"Helm's history out of step (Helm still records{at} as deployed, and the next "
            f"helm upgrade starts from it); to undo through Helm: {self.rollback_command}"
        )

    def to_data(self) -> dict[str, Any]:
        return {
            "release": self.name,
            "namespace": self.namespace,
            "revision": self.revision,
            "previous": self.previous,
            "rollback": self.rollback_command,
        }


def helm_release(deployment: Mapping[str, Any]) -> HelmRelease | None:
    """The release that manages this Deployment, if Helm does."""
    obj = KObject(deployment)
    name = obj.annotations.get(RELEASE_NAME)
    if obj.labels.get(MANAGED_BY) != "Helm" or not name:
        return None
    return HelmRelease(str(name), str(obj.annotations.get(RELEASE_NAMESPACE) or obj.namespace))


def with_history(release: HelmRelease, secrets: Sequence[Mapping[str, Any]]) -> HelmRelease:
    """The release with its newest revision and the one to roll back to, read from the labels
    of its revision Secrets (their contents are never read)."""
    revisions: dict[int, str] = {}
    for secret in secrets:
        labels = KObject(secret).labels
        version = str(labels.get("version", ""))
        if labels.get("name") == release.name and version.isdigit():
            revisions[int(version)] = str(labels.get("status", ""))
    if not revisions:
        return release
    newest = max(revisions)
    earlier = [n for n, status in revisions.items() if n < newest and status in _RESTORABLE]
    return replace(release, revision=newest, previous=max(earlier, default=None))
