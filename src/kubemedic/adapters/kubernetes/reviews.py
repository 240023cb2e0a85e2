"""Ask the cluster who a bearer token belongs to, and what that user may do.

The kubemedic server does not trust a name a client asserts: a token is proven by the API
server's ``TokenReview`` (the same check kubectl's credentials pass), and with
``server.access_review`` a change is allowed only when a ``SubjectAccessReview`` says the
user may make it themselves (the check ``kubectl auth can-i --as`` makes). Reviews are
create-only and store nothing; the server's own credentials need RBAC ``create`` on
``tokenreviews`` and ``subjectaccessreviews``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from kubemedic.adapters.kubernetes.api import BY_KIND, ApiRequest, Resource
from kubemedic.adapters.kubernetes.transport import ApiClient
from kubemedic.errors import InputError
from kubemedic.models.findings import ObjectRef

TOKEN_REVIEW = Resource("TokenReview", "authentication.k8s.io/v1", "tokenreviews", False)
ACCESS_REVIEW = Resource(
    "SubjectAccessReview", "authorization.k8s.io/v1", "subjectaccessreviews", False
)


@dataclass(frozen=True, slots=True)
class ReviewedUser:
    """Who the API server says a token belongs to."""

    name: str
    groups: tuple[str, ...]
    uid: str = ""


def review_token(client: ApiClient, token: str) -> ReviewedUser | None:
    """The user ``token`` authenticates as on the cluster; None when it is not accepted."""
    body = {
        "apiVersion": TOKEN_REVIEW.group_version,
        "kind": TOKEN_REVIEW.kind,
        "spec": {"token": token},
    }
    status = _create(client, TOKEN_REVIEW, body)
    user = status.get("user") or {}
    if not status.get("authenticated") or not user.get("username"):
        return None
    return ReviewedUser(
        str(user["username"]), tuple(str(g) for g in user.get("groups") or ()), user.get("uid", "")
    )


@dataclass(frozen=True, slots=True)
class Access:
    """The cluster's answer to "may this user do that?", and the question in RBAC's words."""

    allowed: bool
    verb: str
    resource: str
    """``deployments.apps``: the spelling of RBAC rules and ``kubectl auth can-i``."""
    namespace: str
    name: str
    reason: str = ""

    @property
    def question(self) -> str:
        """``patch deployments.apps/web in namespace shop``."""
        what = f"{self.resource}/{self.name}" if self.name else self.resource
        return f"{self.verb} {what}" + (f" in namespace {self.namespace}" if self.namespace else "")


def review_access(client: ApiClient, user: ReviewedUser, verb: str, target: ObjectRef) -> Access:
    """Whether ``user`` may ``verb`` the object ``target`` (a create names no object)."""
    resource = BY_KIND.get(target.kind)
    if resource is None:
        raise InputError(f"kubemedic does not know which resource serves kind {target.kind!r}")
    namespace = target.namespace if resource.namespaced else ""
    name = "" if verb == "create" else target.name
    attributes = {"verb": verb, "group": resource.group, "resource": resource.plural}
    attributes |= {"namespace": namespace} if namespace else {}
    attributes |= {"name": name} if name else {}
    spec: dict[str, Any] = {"user": user.name, "groups": list(user.groups)}
    spec |= {"uid": user.uid} if user.uid else {}
    body = {
        "apiVersion": ACCESS_REVIEW.group_version,
        "kind": ACCESS_REVIEW.kind,
        "spec": spec | {"resourceAttributes": attributes},
    }
    status = _create(client, ACCESS_REVIEW, body)
    return Access(
        status.get("allowed") is True,
        verb,
        resource.rbac_name,
        namespace,
        name,
        str(status.get("reason") or ""),
    )


def _create(client: ApiClient, resource: Resource, body: dict[str, Any]) -> dict[str, Any]:
    answer = client.request(ApiRequest.create(resource, None), body=orjson.dumps(body))
    status = answer.get("status")
    return status if isinstance(status, dict) else {}
