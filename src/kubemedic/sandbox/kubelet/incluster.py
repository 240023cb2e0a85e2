"""``kubectl`` inside a container: the API server as the pod's ServiceAccount sees it.

Images that ship kubectl (bitnami/kubectl) use the in-cluster configuration: the pod's
ServiceAccount token, its namespace as the default, and the ``kubernetes`` Service at
10.96.0.1:443. Every request is decided by the same RBAC authorizer as the API server's, so a
ServiceAccount without a binding gets the real ``Error from server (Forbidden): pods is
forbidden: User "system:serviceaccount:ns:sa" cannot list resource "pods" ...``. Without a
mounted token kubectl falls back to ``localhost:8080``; an egress policy that drops the API
server makes it time out. Reads (``get``), ``auth can-i`` and ``auth whoami`` answer; writes
are authorized but not carried out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from kubemedic.sandbox.auth import READONLY_USER
from kubemedic.sandbox.kubelet.network import API_SERVER_IP, ClusterNetwork
from kubemedic.sandbox.kubelet.process import Step
from kubemedic.sandbox.kubelet.programs import RunContext
from kubemedic.sandbox.rbac import Attributes, Authorizer, UserInfo, forbidden_message
from kubemedic.sandbox.rbac_roles import AUTHENTICATED_GROUP
from kubemedic.sandbox.resources import RESOURCES, ResourceType
from kubemedic.sandbox.tables import TableOptions, to_table

Obj = dict[str, Any]
_API_TIMEOUT = 30.0  # kubectl's dial timeout
_WRITE_VERBS = {
    "create": "create",
    "apply": "create",
    "delete": "delete",
    "edit": "update",
    "replace": "update",
    "patch": "patch",
    "label": "patch",
    "annotate": "patch",
    "scale": "patch",
}


def _resource(name: str) -> ResourceType | None:
    plural, _, group = name.lower().partition(".")
    for resource in RESOURCES:
        if resource.converted:
            continue
        names = {resource.plural, resource.singular, *resource.short_names}
        if plural in names and (not group or resource.group.startswith(group)):
            return resource
    return None


def _identity(pod: Obj) -> UserInfo | None:
    """The pod's ServiceAccount user, or None when no token is mounted."""
    spec = pod.get("spec") or {}
    if spec.get("automountServiceAccountToken") is False:
        return None
    namespace = str(pod["metadata"].get("namespace") or "default")
    account = str(spec.get("serviceAccountName") or "default")
    return UserInfo(
        f"system:serviceaccount:{namespace}:{account}",
        ("system:serviceaccounts", f"system:serviceaccounts:{namespace}", AUTHENTICATED_GROUP),
    )


def _split(argv: Sequence[str]) -> tuple[dict[str, str], list[str]]:
    options: dict[str, str] = {}
    operands: list[str] = []
    args = list(argv[1:])
    with_value = {"-n", "--namespace", "-o", "--output", "-l", "--selector"}
    while args:
        arg = args.pop(0)
        name, eq, value = arg.partition("=")
        if name in with_value:
            options[name] = value if eq else (args.pop(0) if args else "")
        elif arg.startswith("-"):
            options[name] = value
        else:
            operands.append(arg)
    return options, operands


def _forbidden(user: UserInfo, attributes: Attributes, resource: ResourceType) -> Step:
    what = resource.group_resource
    subject = f'{what} "{attributes.name}"' if attributes.name else what
    return Step.say(
        f"Error from server (Forbidden): {subject} is forbidden: "
        f"{forbidden_message(user, attributes)}",
        status=1,
    )


def _print_table(table: Obj) -> list[str]:
    columns = [
        (index, str(column["name"]).upper())
        for index, column in enumerate(table.get("columnDefinitions") or [])
        if not column.get("priority")
    ]
    rows = [[str(row["cells"][i]) for i, _ in columns] for row in table.get("rows") or []]
    header = [name for _, name in columns]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    return [
        "   ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [header, *rows]
    ]


def _get(
    network: ClusterNetwork,
    authorizer: Authorizer,
    user: UserInfo,
    options: dict[str, str],
    operands: list[str],
    now: datetime,
) -> Step:
    if not operands:
        return Step.say(
            'You must specify the type of resource to get. Use "kubectl api-resources" for a '
            "complete list of supported resources.",
            status=1,
        )
    resource = _resource(operands[0])
    if resource is None:
        return Step.say(
            f'error: the server doesn\'t have a resource type "{operands[0]}"', status=1
        )
    everywhere = "-A" in options or "--all-namespaces" in options
    namespace = options.get("-n") or options.get("--namespace") or network.namespace
    scope = "" if everywhere or not resource.namespaced else namespace
    name = operands[1] if len(operands) > 1 else ""
    attributes = Attributes(
        "get" if name else "list", resource.group, resource.plural, namespace=scope, name=name
    )
    if not authorizer.decide(user, attributes).allowed:
        return _forbidden(user, attributes, resource)
    items, _ = network.store.list(
        resource.kind,
        scope or None,
        label_selector=options.get("-l") or options.get("--selector"),
    )
    if name:
        items = [item for item in items if item["metadata"]["name"] == name]
        if not items:
            return Step.say(
                f'Error from server (NotFound): {resource.group_resource} "{name}" not found',
                status=1,
            )
    if not items:
        where = f" in {scope} namespace" if scope else ""
        return Step.say(f"No resources found{where}.")
    if (options.get("-o") or options.get("--output")) == "name":
        prefix = f"{resource.singular}.{resource.group}" if resource.group else resource.singular
        return Step.say(*(f"{prefix}/{item['metadata']['name']}" for item in items))
    return Step.say(*_print_table(to_table(resource.kind, items, now, TableOptions())))


def _can_i(
    network: ClusterNetwork,
    authorizer: Authorizer,
    user: UserInfo,
    options: dict[str, str],
    operands: list[str],
) -> Step:
    if len(operands) < 2:
        return Step.say("error: you must specify two arguments: verb resource", status=1)
    verb, target = operands[0], operands[1]
    kind, _, name = target.partition("/")
    resource = _resource(kind)
    namespace = options.get("-n") or options.get("--namespace") or network.namespace
    everywhere = "-A" in options or "--all-namespaces" in options
    attributes = Attributes(
        verb,
        resource.group if resource else "",
        resource.plural if resource else kind,
        namespace="" if everywhere or (resource and not resource.namespaced) else namespace,
        name=name,
    )
    allowed = authorizer.decide(user, attributes).allowed
    return Step.say("yes" if allowed else "no", status=0 if allowed else 1)


def kubectl(argv: Sequence[str], ctx: RunContext) -> Step:
    network = ctx.network
    options, operands = _split(argv)
    if not operands:
        return Step.say("kubectl controls the Kubernetes cluster manager.")
    if operands[0] == "version" and "--client" in options:
        return Step.say("Client Version: v1.32.0", "Kustomize Version: v5.5.0")
    user = _identity(network.source) if network is not None else None
    if network is None or user is None:
        return Step.say(
            "The connection to the server localhost:8080 was refused - did you specify the "
            "right host or port?",
            status=1,
        )
    if not network.reaches_api_server():
        return Step.say(
            f"Unable to connect to the server: dial tcp {API_SERVER_IP}:443: i/o timeout",
            status=1,
            duration=_API_TIMEOUT,
        )
    authorizer = Authorizer(network.store, READONLY_USER)
    command, rest = operands[0], operands[1:]
    if command == "get":
        return _get(network, authorizer, user, options, rest, ctx.started_at)
    if command == "auth" and rest[:1] == ["can-i"]:
        return _can_i(network, authorizer, user, options, rest[1:])
    if command == "auth" and rest[:1] == ["whoami"]:
        return Step.say(
            "ATTRIBUTE   VALUE",
            f"Username    {user.name}",
            f"Groups      [{' '.join(user.groups)}]",
        )
    verb = _WRITE_VERBS.get(command)
    resource = _resource(rest[0].partition("/")[0]) if rest else None
    if verb is None or resource is None:
        return Step.say(f'error: unknown command "{command}" for "kubectl"', status=1)
    name = rest[0].partition("/")[2] or (rest[1] if len(rest) > 1 else "")
    namespace = options.get("-n") or options.get("--namespace") or network.namespace
    attributes = Attributes(
        verb,
        resource.group,
        resource.plural,
        namespace=namespace if resource.namespaced else "",
        name=name,
    )
    if not authorizer.decide(user, attributes).allowed:
        return _forbidden(user, attributes, resource)
    return Step.say(f"error: the sandbox's in-pod kubectl does not carry out '{command}'", status=1)
