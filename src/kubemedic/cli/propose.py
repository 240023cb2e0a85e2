"""``kubemedic propose ACTION ...``: record a change for approval; prints the new id first.

Each action is a sub-command with the options that action needs; the tier is derived, never
chosen. The first line of stdout is the operation id, so scripts can write
``id=$(kubemedic propose scale deploy/web -n shop --replicas 4 | head -1)``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

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
from kubemedic.cli.targets import parse_target
from kubemedic.errors import InputError
from kubemedic.models.operations import ActionRequest, ActionType

Command = TypeVar("Command", bound=Callable[..., None])

app = typer.Typer(
    help="Propose a change to the cluster: it is planned, tiered, dry-run and recorded.",
    epilog=EXIT_CODES,
    no_args_is_help=True,
)

NamespaceOption = Annotated[
    str | None,
    typer.Option("--namespace", "-n", help="Namespace of the target.", show_default=False),
]
EmergencyOption = Annotated[
    bool, typer.Option("--emergency", help="Critical tier only: a 60-minute approval SLA.")
]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why the change is needed.")]
IncidentOption = Annotated[
    str | None,
    typer.Option("--incident", help="Incident record this change fixes.", show_default=False),
]


def _propose(
    ctx: typer.Context,
    action: ActionType,
    target: str,
    namespace: str | None,
    params: dict[str, Any],
    *,
    records: Path | None,
    as_: str | None,
    context: str | None,
    kubeconfig: Path | None,
    emergency: bool,
    reason: str,
    incident: str | None,
    as_json: bool,
) -> None:
    from kubemedic.formatters.operations import proposal_text, to_json
    from kubemedic.services.operations import propose

    with workspace(ctx, records=records, as_=as_, context=context, kubeconfig=kubeconfig) as (
        ws,
        actor,
    ):
        ref = parse_target(target, namespace)
        if not ref.namespace and ref.kind != "Node":
            ref = type(ref)(ref.kind, ref.name, ws.cluster().client.config.namespace)
        request = ActionRequest(action, ref, {k: v for k, v in params.items() if v is not None})
        proposal = propose(
            ws, request, actor, emergency=emergency, incident=incident, reason=reason
        )
    typer.echo(to_json(proposal) if as_json else proposal_text(proposal))


def _command(name: str, help_text: str) -> Callable[[Command], Command]:
    return app.command(name, help=help_text, epilog=EXIT_CODES)


@_command("restart", "Restart a pod (deleted so its controller recreates it).")
def restart(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(metavar="POD", help="pod/NAME or NAME")],
    namespace: NamespaceOption = None,
    reason: ReasonOption = "",
    incident: IncidentOption = None,
    emergency: EmergencyOption = False,
    records: RecordsOption = None,
    as_: AsOption = None,
    context: ContextOption = None,
    kubeconfig: KubeconfigOption = None,
    as_json: JsonOption = False,
) -> None:
    _propose(
        ctx,
        ActionType.RESTART,
        target,
        namespace,
        {},
        records=records,
        as_=as_,
        context=context,
        kubeconfig=kubeconfig,
        emergency=emergency,
        reason=reason,
        incident=incident,
        as_json=as_json,
    )


@_command("scale", "Scale a Deployment, StatefulSet or ReplicaSet.")
def scale(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(metavar="KIND/NAME")],
    replicas: Annotated[int, typer.Option("--replicas", min=0, help="New replica count.")],
    namespace: NamespaceOption = None,
    reason: ReasonOption = "",
    incident: IncidentOption = None,
    emergency: EmergencyOption = False,
    records: RecordsOption = None,
    as_: AsOption = None,
    context: ContextOption = None,
    kubeconfig: KubeconfigOption = None,
    as_json: JsonOption = False,
) -> None:
    _propose(
        ctx,
        ActionType.SCALE,
        target,
        namespace,
        {"replicas": replicas},
        records=records,
        as_=as_,
        context=context,
        kubeconfig=kubeconfig,
        emergency=emergency,
        reason=reason,
        incident=incident,
        as_json=as_json,
    )


@_command("resources", "Set a container's CPU/memory requests and limits.")
def resources(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(metavar="KIND/NAME")],
    container: Annotated[
        str | None, typer.Option("--container", "-c", help="Container name.", show_default=False)
    ] = None,
    cpu_request: Annotated[str | None, typer.Option("--cpu-request", show_default=False)] = None,
    cpu_limit: Annotated[str | None, typer.Option("--cpu-limit", show_default=False)] = None,
    memory_request: Annotated[
        str | None, typer.Option("--memory-request", show_default=False)
    ] = None,
    memory_limit: Annotated[str | None, typer.Option("--memory-limit", show_default=False)] = None,
    namespace: NamespaceOption = None,
    reason: ReasonOption = "",
    incident: IncidentOption = None,
    emergency: EmergencyOption = False,
    records: RecordsOption = None,
    as_: AsOption = None,
    context: ContextOption = None,
    kubeconfig: KubeconfigOption = None,
    as_json: JsonOption = False,
) -> None:
    params = {
        "container": container,
        "cpu_request": cpu_request,
        "cpu_limit": cpu_limit,
        "memory_request": memory_request,
        "memory_limit": memory_limit,
    }
    _propose(
        ctx,
        ActionType.RESOURCES,
        target,
        namespace,
        params,
        records=records,
        as_=as_,
        context=context,
        kubeconfig=kubeconfig,
        emergency=emergency,
        reason=reason,
        incident=incident,
        as_json=as_json,
    )


@_command("hpa", "Create or change the workload's HorizontalPodAutoscaler (CPU target).")
def hpa(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(metavar="KIND/NAME")],
    min_replicas: Annotated[int, typer.Option("--min", min=1, help="Minimum replicas.")],
    max_replicas: Annotated[int, typer.Option("--max", min=1, help="Maximum replicas.")],
    cpu_target: Annotated[
        int, typer.Option("--cpu-target", min=1, help="Target average CPU utilization (%).")
    ],
    namespace: NamespaceOption = None,
    reason: ReasonOption = "",
    incident: IncidentOption = None,
    emergency: EmergencyOption = False,
    records: RecordsOption = None,
    as_: AsOption = None,
    context: ContextOption = None,
    kubeconfig: KubeconfigOption = None,
    as_json: JsonOption = False,
) -> None:
    params = {"min": min_replicas, "max": max_replicas, "cpu_target": cpu_target}
    _propose(
        ctx,
        ActionType.HPA,
        target,
        namespace,
        params,
        records=records,
        as_=as_,
        context=context,
        kubeconfig=kubeconfig,
        emergency=emergency,
        reason=reason,
        incident=incident,
        as_json=as_json,
    )


@_command("delete-hpa", "Delete a HorizontalPodAutoscaler (its spec is kept for rollback).")
def delete_hpa(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(metavar="hpa/NAME")],
    namespace: NamespaceOption = None,
    reason: ReasonOption = "",
    incident: IncidentOption = None,
    emergency: EmergencyOption = False,
    records: RecordsOption = None,
    as_: AsOption = None,
    context: ContextOption = None,
    kubeconfig: KubeconfigOption = None,
    as_json: JsonOption = False,
) -> None:
    _propose(
        ctx,
        ActionType.HPA_DELETE,
        target,
        namespace,
        {},
        records=records,
        as_=as_,
        context=context,
        kubeconfig=kubeconfig,
        emergency=emergency,
        reason=reason,
        incident=incident,
        as_json=as_json,
    )


@_command("set-image", "Set a container's image: CONTAINER=IMAGE.")
def set_image(
    ctx: typer.Context,
    target: Annotated[str, typer.Argument(metavar="KIND/NAME")],
    assignment: Annotated[str, typer.Argument(metavar="CONTAINER=IMAGE")],
    namespace: NamespaceOption = None,
    reason: ReasonOption = "",
    incident: IncidentOption = None,
    emergency: EmergencyOption = False,
    records: RecordsOption = None,
    as_: AsOption = None,
    context: ContextOption = None,
    kubeconfig: KubeconfigOption = None,
    as_json: JsonOption = False,
) -> None:
    container, sep, image = assignment.partition("=")
    if not sep or not container or not image:
        raise InputError(f"expected CONTAINER=IMAGE, got {assignment!r}")
    _propose(
        ctx,
        ActionType.SET_IMAGE,
        target,
        namespace,
        {"container": container, "image": image},
        records=records,
        as_=as_,
        context=context,
        kubeconfig=kubeconfig,
        emergency=emergency,
        reason=reason,
        incident=incident,
        as_json=as_json,
    )


def _rollout(action: ActionType, help_text: str) -> None:
    @_command(action.value, help_text)
    def command(
        ctx: typer.Context,
        target: Annotated[str, typer.Argument(metavar="deploy/NAME")],
        namespace: NamespaceOption = None,
        reason: ReasonOption = "",
        incident: IncidentOption = None,
        emergency: EmergencyOption = False,
        records: RecordsOption = None,
        as_: AsOption = None,
        context: ContextOption = None,
        kubeconfig: KubeconfigOption = None,
        as_json: JsonOption = False,
    ) -> None:
        _propose(
            ctx,
            action,
            target,
            namespace,
            {},
            records=records,
            as_=as_,
            context=context,
            kubeconfig=kubeconfig,
            emergency=emergency,
            reason=reason,
            incident=incident,
            as_json=as_json,
        )


_rollout(ActionType.PAUSE, "Pause a Deployment's rollout.")
_rollout(ActionType.RESUME, "Resume a paused Deployment's rollout.")
_rollout(ActionType.UNDO, "Roll a Deployment back to its previous revision.")


@_command(
    "restore-configmap",
    "Restore a ConfigMap's earlier data: kept in an operation record, or a saved manifest.",
)
def restore_configmap(
    ctx: typer.Context,
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
    namespace: NamespaceOption = None,
    reason: ReasonOption = "",
    incident: IncidentOption = None,
    emergency: EmergencyOption = False,
    records: RecordsOption = None,
    as_: AsOption = None,
    context: ContextOption = None,
    kubeconfig: KubeconfigOption = None,
    as_json: JsonOption = False,
) -> None:
    from kubemedic.services.configmaps import configmap_data_from_file, recorded_configmap_data

    if (from_record is None) == (from_file is None):
        raise InputError("give exactly one of --from-record ID or --from-file PATH")
    ref = parse_target(target, namespace)
    if from_file is not None:
        data = configmap_data_from_file(from_file, ref)
        source = str(from_file)
    else:
        with workspace(ctx, records=records) as (ws, _):
            data = recorded_configmap_data(ws, str(from_record), ref)
        source = str(from_record)
    _propose(
        ctx,
        ActionType.CONFIGMAP_RESTORE,
        target,
        namespace,
        {"data": data},
        records=records,
        as_=as_,
        context=context,
        kubeconfig=kubeconfig,
        emergency=emergency,
        reason=reason or f"restore the data kept in {source}",
        incident=incident,
        as_json=as_json,
    )
