"""Helm releases: who manages a Deployment, and the ``helm rollback`` that undoes a rollout."""

from __future__ import annotations

from kubemedic.rollouts.helm import helm_release, with_history
from tests.unit.rollouts.objects import deployment

HELM_LABELS = {"app": "web", "app.kubernetes.io/managed-by": "Helm"}
HELM_ANNOTATIONS = {
    "meta.helm.sh/release-name": "shop-web",
    "meta.helm.sh/release-namespace": "shop",
}


def _revision(version: int, status: str, release: str = "shop-web") -> dict[str, object]:
    return {
        "kind": "Secret",
        "metadata": {
            "name": f"sh.helm.release.v1.{release}.v{version}",
            "labels": {"owner": "helm", "name": release, "version": str(version), "status": status},
        },
    }


def test_a_deployment_without_helm_labels_is_not_helm_managed() -> None:
    assert helm_release(deployment()) is None
    assert helm_release(deployment(labels=HELM_LABELS)) is None  # no release named


def test_the_release_and_the_revision_to_return_to_come_from_its_secrets() -> None:
    release = helm_release(deployment(labels=HELM_LABELS, annotations=HELM_ANNOTATIONS))
    assert release is not None
    history = [
        _revision(3, "superseded"),
        _revision(4, "failed"),
        _revision(5, "pending-upgrade"),
        _revision(9, "deployed", release="other"),
    ]
    found = with_history(release, history)
    assert (found.revision, found.previous) == (5, 3)
    assert found.rollback_command == "helm rollback shop-web 3 -n shop"
    assert "Helm still records revision 5 as deployed" in found.warning


def test_without_readable_history_helm_rolls_back_to_the_previous_release() -> None:
    release = helm_release(deployment(labels=HELM_LABELS, annotations=HELM_ANNOTATIONS))
    assert release is not None
    assert with_history(release, []).rollback_command == "helm rollback shop-web -n shop"
