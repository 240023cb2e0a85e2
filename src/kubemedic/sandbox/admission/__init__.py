"""The API server's admission plugins that decide whether a pod may exist at all.

``mutate`` runs before validation, like the mutating plugins (ServiceAccount, LimitRanger's
defaults); ``validate`` after it, like the validating ones (LimitRanger's min/max, then
ResourceQuota). A refusal is a ``403 Forbidden`` whose message is the real plugin's, so a
controller turns it into the ``FailedCreate`` event people search for. Errors of mutating
plugins name the pod as requested (a ``generateName`` prefix such as ``web-5d8f7c-``), those of
validating plugins by its generated name, as on a real cluster.
"""

from __future__ import annotations

from kubemedic.sandbox.admission import limitranger, resourcequota, serviceaccount
from kubemedic.sandbox.admission.objects import Obj, Objects

__all__ = ["mutate", "validate"]


def mutate(objects: Objects, obj: Obj, requested_name: str) -> None:
    """The mutating plugins, on create: raise ForbiddenError or fill in defaults."""
    if obj.get("kind") == "Pod":
        serviceaccount.admit(objects, obj, requested_name)
        limitranger.apply_defaults(objects, obj)


def validate(objects: Objects, obj: Obj) -> None:
    """The validating plugins, on create: raise ForbiddenError when the object may not exist."""
    limitranger.validate(objects, obj)
    resourcequota.admit(objects, obj)
