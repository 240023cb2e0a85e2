"""``kubemedic propose ACTION ...``: record a change for approval; prints the new id first.

Each action is a sub-command with the options that action needs, plus the options every
proposal shares (namespace, reason, incident, emergency, records, identity, cluster, JSON);
the tier is derived, never chosen. The first line of stdout is the operation id, so scripts can
write ``id=$(kubemedic propose scale deploy/web -n shop --replicas 4 | head -1)``.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from kubemedic.cli.governed import (
    EXIT_CODES,
    AsOption,
    ContextOption,
    JsonOption,
    KubeconfigOption,
    RecordsOption,
    workspace,
)
from kubemedic.cli.session import server_client
from kubemedic.cli.targets import parse_target
from kubemedic.errors import InputError
from kubemedic.models.findings import ObjectRef
from kubemedic.models.operations import ActionRequest, ActionType

app = typer.Typer(
    help="Propose a change to the cluster: it is planned, tiered, dry-run and recorded.",
    epilog=EXIT_CODES,
    no_args_is_help=True,
)

Params = dict[str, Any]
Builder = Callable[..., Params]

_SHARED: tuple[tuple[str, Any, Any], ...] = (
    (
        "namespace",
        Annotated[
            str | None,
            typer.Option("--namespace", "-n", help="Namespace of the target.", show_default=False),
        ],
        None,
    ),
    ("reason", Annotated[str, typer.Option("--reason", help="Why the change is needed.")], ""),
    (
        "incident",
        Annotated[
            str | None,
            typer.Option(
                "--incident", help="Incident record this change fixes.", show_default=False
            ),
        ],
        None,
    ),
    (
        "emergency",
        Annotated[bool, typer.Option("--emergency", help="Critical tier: a 60-minute SLA.")],
        False,
    ),
    ("records", RecordsOption, None),
    ("as_", AsOption, None),
    ("context", ContextOption, None),
    ("kubeconfig", KubeconfigOption, None),
    ("as_json", JsonOption, False),
)
"""Options every proposal takes: (parameter, annotation, default)."""


def proposal(action: ActionType, help_text: str) -> Callable[[Builder], Builder]:
    """Register ``propose <action>``: ``build(target, **own options)`` returns its parameters."""

    def register(build: Builder) -> Builder:
        hints = typing.get_type_hints(build, include_extras=True)
        own = [
            p.replace(annotation=hints[p.name])
            for p in inspect.signature(build).parameters.values()
        ]
        shared = [
            inspect.Parameter(
                name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=hint
            )
            for name, hint, default in _SHARED
        ]
        context = inspect.Parameter(
            "ctx", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context
        )

        def command(ctx: typer.Context, **values: Any) -> None:
            common = {name: values.pop(name) for name, _, _ in _SHARED}
            _propose(ctx, action, values["target"], build(**values), **common)

        command.__signature__ = inspect.Signature([context, *own, *shared])  # type: ignore[attr-defined]
        command.__doc__ = help_text
        app.command(action.value, help=help_text, epilog=EXIT_CODES)(command)
        return build

    return register


def _propose(
    ctx: typer.Context,
    action: ActionType,
    target: str,
    params: Params,
    *,
    namespace: str | None,
    reason: str,
    incident: str | None,
    emergency: bool,
    records: Path | None,
    as_: str | None,
    context: str | None,
    kubeconfig: Path | None,
    as_json: bool,
) -> None:
    from kubemedic.formatters.operations import proposal_text, to_json
    from kubemedic.services.configmaps import earlier_data
    from kubemedic.services.operations import propose

    local_only = {"--records": records, "--as": as_, "--from-record": params.get("from_record")}
    client = server_client(ctx, context=context, kubeconfig=kubeconfig, local_only=local_only)
    if client is not None:
        from kubemedic.services.configmaps import configmap_data_from_file

        with client:
            ref = parse_target(target, namespace or client.namespace)
            if action is ActionType.CONFIGMAP_RESTORE:
                params = {"data": configmap_data_from_file(params["from_file"], ref)}
            request = ActionRequest(action, ref, {k: v for k, v in params.items() if v is not None})
            done = client.propose(request, emergency=emergency, incident=incident, reason=reason)
        typer.echo(to_json(done) if as_json else proposal_text(done))
        return
    with workspace(ctx, records=records, as_=as_, context=context, kubeconfig=kubeconfig) as (
        ws,
        actor,
    ):
        ref = parse_target(target, namespace)
        if not ref.namespace:
            ref = ObjectRef(ref.kind, ref.name, ws.cluster().client.config.namespace)
        if action is ActionType.CONFIGMAP_RESTORE:
            params = {"data": earlier_data(ws, ref, params["from_record"], params["from_file"])}
        request = ActionRequest(action, ref, {k: v for k, v in params.items() if v is not None})
        done = propose(ws, request, actor, emergency=emergency, incident=incident, reason=reason)
    typer.echo(to_json(done) if as_json else proposal_text(done))


Target = Annotated[str, typer.Argument(metavar="KIND/NAME", help="deploy/NAME, sts/NAME, ...")]
Quantity = Annotated[str | None, typer.Option(show_default=False)]


@proposal(ActionType.RESTART, "Restart a pod (deleted so its controller recreates it).")
def _restart(
    target: Annotated[str, typer.Argument(metavar="POD", help="pod/NAME or NAME")],
) -> Params:
    return {}


@proposal(ActionType.SCALE, "Scale a Deployment, StatefulSet or ReplicaSet.")
def _scale(
    target: Target,
    replicas: Annotated[int, typer.Option("--replicas", min=0, help="New replica count.")],
) -> Params:
    return {"replicas": replicas}


@proposal(ActionType.RESOURCES, "Set a container's CPU/memory requests and limits.")
def _resources(
    target: Target,
    container: Annotated[
        str | None, typer.Option("--container", "-c", help="Container name.", show_default=False)
    ] = None,
    cpu_request: Annotated[str | None, typer.Option("--cpu-request", show_default=False)] = None,
    cpu_limit: Annotated[str | None, typer.Option("--cpu-limit", show_default=False)] = None,
    memory_request: Annotated[
        str | None, typer.Option("--memory-request", show_default=False)
    ] = None,
    memory_limit: Annotated[str | None, typer.Option("--memory-limit", show_default=False)] = None,
) -> Params:
    return {
        "container": container,
        "cpu_request": cpu_request,
        "cpu_limit": cpu_limit,
        "memory_request": memory_request,
        "memory_limit": memory_limit,
    }


@proposal(ActionType.HPA, "Create or change the workload's HorizontalPodAutoscaler (CPU target).")
def _hpa(
    target: Target,
    min_replicas: Annotated[int, typer.Option("--min", min=1, help="Minimum replicas.")],
    max_replicas: Annotated[int, typer.Option("--max", min=1, help="Maximum replicas.")],
    cpu_target: Annotated[
        int, typer.Option("--cpu-target", min=1, help="Target average CPU utilization (%).")
    ],
    scale_down_stabilization: Annotated[
        int | None,
        typer.Option(
            "--scale-down-stabilization",
            min=0,
            help="Seconds of lower recommendations before scaling down (default: 300).",
            show_default=False,
        ),
    ] = None,
) -> Params:
    return {
        "min": min_replicas,
        "max": max_replicas,
        "cpu_target": cpu_target,
        "scale_down_stabilization": scale_down_stabilization,
    }


@proposal(
    ActionType.HPA_DELETE, "Delete a HorizontalPodAutoscaler (its spec is kept for rollback)."
)
def _delete_hpa(target: Annotated[str, typer.Argument(metavar="hpa/NAME")]) -> Params:
    return {}


@proposal(ActionType.SET_IMAGE, "Set a container's image: CONTAINER=IMAGE.")
def _set_image(
    target: Target, assignment: Annotated[str, typer.Argument(metavar="CONTAINER=IMAGE")]
) -> Params:
    container, sep, image = assignment.partition("=")
    if not sep or not container or not image:
        raise InputError(f"expected CONTAINER=IMAGE, got {assignment!r}")
    return {"container": container, "image": image}


@proposal(ActionType.PAUSE, "Pause a Deployment's rollout.")
def _pause(target: Annotated[str, typer.Argument(metavar="deploy/NAME")]) -> Params:
    return {}


@proposal(ActionType.RESUME, "Resume a paused Deployment's rollout.")
def _resume(target: Annotated[str, typer.Argument(metavar="deploy/NAME")]) -> Params:
    return {}


@proposal(ActionType.UNDO, "Roll a Deployment back to its previous (or a given) revision.")
def _undo(
    target: Annotated[str, typer.Argument(metavar="deploy/NAME")],
    to_revision: Annotated[
        int | None,
        typer.Option("--to-revision", min=1, help="Revision to return to.", show_default=False),
    ] = None,
) -> Params:
    return {"revision": to_revision}


proposal(
    ActionType.HELM_ROLLBACK,
    "Roll a Deployment's Helm release back to its previous (or a given) revision, with helm.",
)(_undo)


@proposal(
    ActionType.CONFIGMAP_RESTORE,
    "Restore a ConfigMap's earlier data: kept in an operation record, or a saved manifest.",
)
def _restore_configmap(
    target: Annotated[str, typer.Argument(metavar="cm/NAME")],
    from_record: Annotated[
        str | None,
        typer.Option(
            "--from-record",
            help="Operation whose recorded prior state holds the data to restore.",
            show_default=False,
        ),
    ] = None,
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--from-file",
            help="A saved ConfigMap manifest (kubectl get cm NAME -o yaml) with the data.",
            show_default=False,
        ),
    ] = None,
) -> Params:
    if (from_record is None) == (from_file is None):
        raise InputError("give exactly one of --from-record ID or --from-file PATH")
    return {"from_record": from_record, "from_file": from_file}
