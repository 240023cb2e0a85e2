"""``POD`` or ``KIND/NAME`` as kubectl users type them, resolved to one object of the view.

kubectl accepts short names, singulars, plurals and ``resource.group`` forms
(``deploy``, ``deployments``, ``deployments.apps``); so does kubemedic, mapping each to the
object's kind.
"""

from __future__ import annotations

from kubemedic._internal.kubectl_names import NAMES, kind_named
from kubemedic.errors import InputError, NotFound
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import ObjectRef

TARGET_KINDS = frozenset(
    {
        "Pod",
        "Deployment",
        "ReplicaSet",
        "StatefulSet",
        "DaemonSet",
        "Job",
        "CronJob",
        "Service",
        "PersistentVolumeClaim",
        "HorizontalPodAutoscaler",
        "Node",
        "ConfigMap",
    }
)
"""The kinds a command can be aimed at."""
CLUSTER_SCOPED = frozenset({"Node"})


def parse_target(text: str, namespace: str | None) -> ObjectRef:
    """``web-7d9f`` → Pod, ``deploy/web`` → Deployment; namespace left empty when not given."""
    kind_text, _, name = text.rpartition("/")
    kind = "Pod"
    if kind_text:
        kind = kind_named(kind_text)
        if kind not in TARGET_KINDS:
            names = (name for kind in TARGET_KINDS for name in NAMES[kind])
            raise InputError(
                f"unknown kind {kind_text!r} in {text!r}",
                hint="use one of " + ", ".join(sorted(names)),
            )
    if not name:
        raise InputError(f"no object name in {text!r}", hint="write POD or KIND/NAME")
    return ObjectRef(kind, name, "" if kind in CLUSTER_SCOPED else namespace or "")


def resolve_target(view: ClusterView, target: ObjectRef, *, offline: bool) -> ObjectRef:
    """The target as found in the view, its namespace filled in when it was not given.

    A workload that was not collected itself but owns collected pods (files holding only
    pods) is found through its pods. A name found in several namespaces must be narrowed with
    ``-n``. A target missing from files is a usage error; from a live cluster, ``NotFound``.
    """
    scope = target.namespace or None
    candidates = sorted(
        {obj.ref for obj in view.objects(target.kind, scope) if obj.name == target.name}
    )
    if not candidates and target.kind != "Pod":
        owners = {view.workload_of(pod) for pod in view.pods}
        candidates = sorted(
            ref
            for ref in owners
            if (ref.kind, ref.name) == (target.kind, target.name)
            and (scope is None or ref.namespace == scope)
        )
    if len(candidates) == 1:
        return candidates[0]
    if len(candidates) > 1:
        namespaces = ", ".join(sorted(ref.namespace for ref in candidates))
        raise InputError(
            f"{target.kind} {target.name!r} exists in several namespaces: {namespaces}",
            hint="choose one with -n NAMESPACE",
        )
    where = f" in namespace {target.namespace}" if target.namespace else ""
    message = f"{target.kind} {target.name!r} not found{where}"
    if offline:
        raise InputError(f"{message} in the given files")
    raise NotFound(message)
