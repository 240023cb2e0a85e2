"""Ask the cluster who a bearer token belongs to.

The kubemedic server does not trust a name a client asserts: a token is proven by the API
server's ``TokenReview`` (the same check kubectl's credentials pass). The review is create-only
and stores nothing; the server's own credentials need RBAC ``create`` on ``tokenreviews``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from kubemedic.adapters.kubernetes.api import ApiRequest, Resource
from kubemedic.adapters.kubernetes.transport import ApiClient

TOKEN_REVIEW = Resource("TokenReview", "authentication.k8s.io/v1", "tokenreviews", False)


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


def _create(client: ApiClient, resource: Resource, body: dict[str, Any]) -> dict[str, Any]:
    answer = client.request(ApiRequest.create(resource, None), body=orjson.dumps(body))
    status = answer.get("status")
    return status if isinstance(status, dict) else {}
