"""The ServiceAccount admission plugin: a pod may only run as an account that exists.

``default`` is the exception: the service account controller creates it in every namespace,
and the plugin waits for it, so a pod never fails for want of it.
"""

from __future__ import annotations

from kubemedic.sandbox.admission.objects import Obj, Objects
from kubemedic.sandbox.apierrors import ForbiddenError
from kubemedic.sandbox.resources import KINDS

DEFAULT = "default"


def admit(objects: Objects, pod: Obj, requested_name: str) -> None:
    spec = pod.get("spec") or {}
    namespace = str(pod["metadata"].get("namespace") or "")
    name = str(spec.get("serviceAccountName") or DEFAULT)
    if name == DEFAULT or objects.try_get("ServiceAccount", namespace, name) is not None:
        return
    raise ForbiddenError(
        KINDS["Pod"],
        requested_name,
        f'error looking up service account {namespace}/{name}: serviceaccount "{name}" not found',
    )
