"""The review endpoints: who a token is, and what a user may do.

``TokenReview`` and ``SelfSubjectReview`` (``kubectl auth whoami``) answer from
``authentication.k8s.io/v1``; ``SubjectAccessReview``, ``LocalSubjectAccessReview``,
``SelfSubjectAccessReview`` (``kubectl auth can-i``) and ``SelfSubjectRulesReview``
(``kubectl auth can-i --list``) from ``authorization.k8s.io/v1``. Like a real API server they are
create-only and nothing is stored; the caller needs RBAC ``create`` on the review itself.
``serviceaccounts/token`` (``kubectl create token``) issues the tokens pods' ServiceAccounts
authenticate with.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import orjson

from kubemedic._internal.timeutils import format_time
from kubemedic.sandbox.apierrors import BadRequestError, MethodNotAllowedError
from kubemedic.sandbox.auth import Tokens
from kubemedic.sandbox.negotiation import Reply, parse_body
from kubemedic.sandbox.rbac import Attributes, Authorizer, UserInfo
from kubemedic.sandbox.routing import Route
from kubemedic.sandbox.store import Store

Obj = dict[str, Any]
AUTHENTICATION = "authentication.k8s.io"
AUTHORIZATION = "authorization.k8s.io"


class Reviews:
    """Answers POSTs to the review resources; ``None`` for any other path."""

    def __init__(
        self,
        tokens: Tokens,
        store: Store,
        authorizer: Authorizer,
        now: Callable[[], datetime],
    ) -> None:
        self.tokens = tokens
        self.store = store
        self.authorizer = authorizer
        self.now = now

    def token_request(self, route: Route, body: bytes, content_type: str) -> Reply:
        """A ``TokenRequest`` for the ServiceAccount ``route`` names (already authorized)."""
        account = self.store.get("ServiceAccount", route.namespace or "", str(route.name))
        request = parse_body(body, content_type) if body.strip() else {}
        if not isinstance(request, dict):
            raise BadRequestError("the object provided is unrecognized (must be a JSON object)")
        spec = request.get("spec") or {}
        seconds = int(spec.get("expirationSeconds") or 3600)
        meta = account["metadata"]
        request.update(
            kind="TokenRequest",
            apiVersion=f"{AUTHENTICATION}/v1",
            metadata={"name": meta["name"], "namespace": meta["namespace"]},
            spec={**spec, "expirationSeconds": seconds},
            status={
                "token": self.tokens.service_account_token(
                    meta["namespace"], meta["name"], meta["uid"]
                ),
                "expirationTimestamp": format_time(self.now() + timedelta(seconds=seconds)),
            },
        )
        return Reply(201, orjson.dumps(request))

    def handle(
        self, method: str, path: str, body: bytes, content_type: str, user: UserInfo
    ) -> Reply | None:
        parts = [p for p in path.split("/") if p]
        if len(parts) < 4 or parts[0] != "apis" or parts[1] not in (AUTHENTICATION, AUTHORIZATION):
            return None
        group, version, rest = parts[1], parts[2], parts[3:]
        namespace = ""
        if len(rest) == 3 and rest[0] == "namespaces":
            namespace, rest = rest[1], rest[2:]
        handlers: dict[tuple[str, str], Callable[[Obj, UserInfo, str], Obj]] = {
            (AUTHENTICATION, "tokenreviews"): self._token_review,
            (AUTHENTICATION, "selfsubjectreviews"): self._self_subject_review,
            (AUTHORIZATION, "subjectaccessreviews"): self._subject_access_review,
            (AUTHORIZATION, "localsubjectaccessreviews"): self._subject_access_review,
            (AUTHORIZATION, "selfsubjectaccessreviews"): self._self_access_review,
            (AUTHORIZATION, "selfsubjectrulesreviews"): self._rules_review,
        }
        handler = handlers.get((group, rest[0])) if len(rest) == 1 and version == "v1" else None
        if handler is None:
            return None
        if method != "POST":
            raise MethodNotAllowedError(
                "the server does not allow this method on the requested resource"
            )
        self.authorizer.authorize(
            user, Attributes("create", group, rest[0], namespace=namespace), None
        )
        review = parse_body(body, content_type)
        if not isinstance(review, dict):
            raise BadRequestError("the object provided is unrecognized (must be a JSON object)")
        review["status"] = handler(review, user, namespace)
        review.setdefault("metadata", {})
        review.setdefault("apiVersion", f"{group}/{version}")
        return Reply(201, orjson.dumps(review))

    def _token_review(self, review: Obj, user: UserInfo, namespace: str) -> Obj:
        token = str((review.get("spec") or {}).get("token") or "")
        reviewed = self.tokens.user_for(token, self.store)
        if reviewed is None:
            return {"authenticated": False, "user": {}, "error": "invalid bearer token"}
        return {"authenticated": True, "user": _user_info(reviewed), "audiences": []}

    def _self_subject_review(self, review: Obj, user: UserInfo, namespace: str) -> Obj:
        return {"userInfo": _user_info(user)}

    def _subject_access_review(self, review: Obj, user: UserInfo, namespace: str) -> Obj:
        spec = review.get("spec") or {}
        subject = UserInfo(
            str(spec.get("user") or ""),
            tuple(str(g) for g in spec.get("groups") or []),
            str(spec.get("uid") or ""),
        )
        return self._decide(subject, spec, namespace)

    def _self_access_review(self, review: Obj, user: UserInfo, namespace: str) -> Obj:
        return self._decide(user, review.get("spec") or {}, namespace)

    def _decide(self, subject: UserInfo, spec: Obj, namespace: str) -> Obj:
        resource = spec.get("resourceAttributes")
        if isinstance(resource, dict):
            attributes = Attributes(
                verb=str(resource.get("verb") or ""),
                group=str(resource.get("group") or ""),
                resource=str(resource.get("resource") or ""),
                subresource=str(resource.get("subresource") or ""),
                namespace=namespace or str(resource.get("namespace") or ""),
                name=str(resource.get("name") or ""),
            )
        else:
            other = spec.get("nonResourceAttributes") or {}
            attributes = Attributes(
                verb=str(other.get("verb") or ""), path=str(other.get("path") or "/")
            )
        decision = self.authorizer.decide(subject, attributes)
        status: Obj = {"allowed": decision.allowed}
        if decision.reason:
            status["reason"] = decision.reason
        return status

    def _rules_review(self, review: Obj, user: UserInfo, namespace: str) -> Obj:
        wanted = str((review.get("spec") or {}).get("namespace") or namespace)
        resource_rules, non_resource_rules = [], []
        for rule in self.authorizer.rules_for(user, wanted):
            if rule.get("nonResourceURLs"):
                non_resource_rules.append(
                    {"verbs": rule.get("verbs") or [], "nonResourceURLs": rule["nonResourceURLs"]}
                )
            else:
                resource_rules.append(
                    {
                        key: rule[key]
                        for key in ("verbs", "apiGroups", "resources", "resourceNames")
                        if key in rule
                    }
                )
        return {
            "resourceRules": resource_rules,
            "nonResourceRules": non_resource_rules,
            "incomplete": False,
        }


def _user_info(user: UserInfo) -> Obj:
    info: Obj = {"username": user.name, "groups": list(user.groups)}
    if user.uid:
        info["uid"] = user.uid
    return info
