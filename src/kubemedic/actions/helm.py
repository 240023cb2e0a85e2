"""Roll a Helm release back to an earlier revision: a change Helm makes, planned like the others.

A Deployment that Helm installed is undone through Helm, or Helm's history no longer says what
runs. The plan names the release, the revision to return to (the last one deployed before the
newest, unless one is asked for) and, as the inverse, a rollback to the revision current now;
``helm rollback`` itself writes a new revision with the old one's manifest. Each change names the
revision it starts ``from``: an execution refuses a release that moved on since. When the Deployment
is paused (the rollout guard halted it) the change also unpauses it once Helm has put the old
template back, or the controller would never roll back. The release's history comes from the
labels of its revision Secrets, read by the caller into ``context.extra["helm"]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kubemedic.actions._common import require_kind
from kubemedic.actions.context import PlanContext
from kubemedic.errors import InputError
from kubemedic.models.findings import ObjectRef
from kubemedic.models.k8s import dig
from kubemedic.models.operations import ActionRequest, Change, ChangeVerb, Plan, TierFacts

HELM_CHECKS = ("rollout-complete", "no-crashloop")
"""What proves the rollback worked on the Deployment: the old template's pods are back."""


def plan_helm_rollback(
    request: ActionRequest, current: Mapping[str, Any], context: PlanContext
) -> Plan:
    require_kind(request, ("Deployment",))
    target = request.target
    release = context.extra.get("helm")
    if not isinstance(release, Mapping):
        raise InputError(
            f"{target} is not managed by Helm",
            hint="Helm labels what it installs app.kubernetes.io/managed-by: Helm and annotates "
            "it meta.helm.sh/release-name",
        )
    name, namespace = str(release["release"]), str(release["namespace"])
    newest = release.get("revision")
    if not isinstance(newest, int):
        raise InputError(
            f"the history of Helm release {name} -n {namespace} cannot be read",
            hint=f"its revisions are the Secrets labelled owner=helm,name={name}",
        )
    wanted = request.params.get("revision", release.get("previous"))
    if wanted is None:
        raise InputError(f"Helm release {name} has no earlier deployed revision to return to")
    revision = int(str(wanted))
    if not 0 < revision < newest:
        raise InputError(
            f"Helm release {name} can be rolled back to a revision from 1 to {newest - 1}, "
            f"not {revision}"
        )
    paused = bool(dig(current, "spec", "paused"))
    command = helm_rollback_command(name, revision, namespace)
    return Plan(
        request=request,
        summary=f"Roll Helm release {name} -n {namespace} back to revision {revision} "
        f"(from {newest})" + (f", then unpause {target.kubectl_ref}" if paused else ""),
        change=_rollback(target, name, namespace, revision, newest, resume=paused),
        inverse=_rollback(target, name, namespace, newest, newest + 1, resume=False),
        facts=TierFacts(request.type, target.kind, target.namespace),
        prior={"helm revision": newest, "paused": paused},
        after={"helm revision": f"{newest + 1} (revision {revision} again)", "command": command}
        | ({"paused": False} if paused else {}),
        checks=HELM_CHECKS,
    )


def helm_rollback_command(release: str, revision: int, namespace: str) -> str:
    """The command a person runs by hand for the same rollback."""
    return f"helm rollback {release} {revision} --namespace {namespace}"


def _rollback(
    target: ObjectRef, release: str, namespace: str, revision: int, start: int, *, resume: bool
) -> Change:
    body = {
        "release": release,
        "namespace": namespace,
        "revision": revision,
        "from": start,
        "resume": resume,
    }
    return Change(ChangeVerb.HELM_ROLLBACK, target, body)
