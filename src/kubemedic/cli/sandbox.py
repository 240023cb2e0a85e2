"""``kubemedic sandbox``: start, inspect, break and stop the built-in simulated cluster.

Each command maps its options onto ``kubemedic.services.sandbox`` and prints the outcome; the
services are imported inside the commands so ``kubemedic --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from kubemedic.errors import InputError

app = typer.Typer(
    help="Run the built-in sandbox cluster: a simulated Kubernetes that speaks the real API.",
    no_args_is_help=True,
)
registry_app = typer.Typer(help="Images the sandbox's registry knows.", no_args_is_help=True)
app.add_typer(registry_app, name="registry")

StateDirOption = Annotated[
    Path | None,
    typer.Option(
        "--state-dir",
        help="Where this sandbox keeps its kubeconfig, pid and log "
        "(default ~/.kubemedic/sandbox); one directory per sandbox.",
        show_default=False,
    ),
]


@app.command("up")
def up_command(
    state_dir: StateDirOption = None,
    port: Annotated[int, typer.Option(help="HTTPS API port (0: any free port).")] = 0,
    metrics_port: Annotated[
        int, typer.Option("--metrics-port", help="Prometheus endpoint port (0: any free port).")
    ] = 0,
    seed: Annotated[str, typer.Option(help="What to run: todo-chatbot or empty.")] = "todo-chatbot",
    time_scale: Annotated[
        float,
        typer.Option("--time-scale", help="Run cluster time this many times faster than real."),
    ] = 1.0,
) -> None:
    """Start a sandbox in the background and wait until its API answers."""
    from kubemedic.services import sandbox

    started = sandbox.up(
        sandbox.UpRequest(
            state_dir=state_dir,
            port=port,
            metrics_port=metrics_port,
            seed=seed,
            time_scale=time_scale,
        )
    )
    typer.echo(f"sandbox running (pid {started.pid}) at {started.api_url}")
    typer.echo(f"metrics:    {started.metrics_url}")
    typer.echo(f"kubeconfig: {started.kubeconfig}")
    typer.echo(f"export KUBECONFIG={started.kubeconfig}")


@app.command("down")
def down_command(state_dir: StateDirOption = None) -> None:
    """Stop the sandbox."""
    from kubemedic.services import sandbox

    stopped = sandbox.down(state_dir)
    typer.echo("sandbox stopped" if stopped else "no sandbox was running")


@app.command("status")
def status_command(
    state_dir: StateDirOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the status as JSON.")] = False,
) -> None:
    """Show where the sandbox answers and what it holds (exit 4 when none is running)."""
    from kubemedic.services import sandbox

    status = sandbox.status(state_dir)
    if as_json:
        import orjson

        typer.echo(orjson.dumps(status, option=orjson.OPT_INDENT_2).decode())
        return
    typer.echo(_status_text(status))


def _status_text(status: dict[str, Any]) -> str:
    objects = status.get("objects") or {}
    counted = ", ".join(
        f"{objects[k]} {k}" for k in ("Node", "Namespace", "Deployment", "Pod") if k in objects
    )
    lines = [
        f"running:      pid {status.get('pid')}, since {status.get('startedAt')}",
        f"API server:   {status.get('apiServer')}",
        f"kubeconfig:   {status.get('kubeconfig')}",
        f"metrics:      {status.get('metricsUrl')}",
        f"seed:         {status.get('seed')} (time scale x{status.get('timeScale')})",
        f"cluster time: {status.get('clusterTime')}",
        f"objects:      {counted or 'none'}",
    ]
    if not status.get("simulated"):
        lines.append("simulation:   off (API over a bare store)")
    return "\n".join(lines)


@app.command("reset")
def reset_command(
    state_dir: StateDirOption = None,
    seed: Annotated[
        str | None, typer.Option(help="Seed again with this (default: the current seed).")
    ] = None,
) -> None:
    """Drop every object and seed the sandbox again."""
    from kubemedic.services import sandbox

    typer.echo(sandbox.reset(state_dir, seed))


@app.command("scenarios")
def scenarios_command(state_dir: StateDirOption = None) -> None:
    """List the failures `sandbox break` can cause."""
    from kubemedic.services import sandbox

    listed = sandbox.scenarios(state_dir)
    width = max((len(s["name"]) for s in listed), default=0)
    for scenario in listed:
        typer.echo(f"{scenario['name']:<{width}}  {scenario['description']}")


@app.command("break")
def break_command(
    scenario: Annotated[str, typer.Argument(help="A scenario from `sandbox scenarios`.")],
    state_dir: StateDirOption = None,
    target: Annotated[
        str | None, typer.Option("--target", help="KIND/NAME to break (default: the scenario's).")
    ] = None,
    namespace: Annotated[
        str | None, typer.Option("--namespace", "-n", help="Namespace of the target.")
    ] = None,
) -> None:
    """Break the cluster the way a person would, by changing a spec."""
    from kubemedic.services import sandbox

    typer.echo(sandbox.break_scenario(state_dir, scenario, target=target, namespace=namespace))


@app.command("load")
def load_command(
    target: Annotated[str, typer.Argument(metavar="KIND/NAME", help="e.g. deploy/backend")],
    cpu: Annotated[float, typer.Option("--cpu", help="CPU use, in percent of the request.")],
    state_dir: StateDirOption = None,
    namespace: Annotated[str, typer.Option("--namespace", "-n")] = "todo",
) -> None:
    """Drive the CPU load of a workload's pods."""
    from kubemedic.services import sandbox

    typer.echo(sandbox.load(state_dir, target, namespace, cpu))


@app.command("history")
def history_command(
    out: Annotated[Path, typer.Option("--out", help="OpenMetrics file to write.")],
    state_dir: StateDirOption = None,
    days: Annotated[int, typer.Option(help="How many days of history.")] = 7,
) -> None:
    """Write metrics history (OpenMetrics) for `promtool tsdb create-blocks-from openmetrics`."""
    from kubemedic.services import sandbox

    written = sandbox.history(state_dir, days, out)
    typer.echo(f"wrote {days} days of history to {out} ({written} bytes)")


@registry_app.command("add")
def registry_add_command(
    image: Annotated[
        str | None, typer.Argument(help="Repository, e.g. ghcr.io/acme/api (tags with --tag).")
    ] = None,
    state_dir: StateDirOption = None,
    tags: Annotated[
        list[str] | None,
        typer.Option(
            "--tag", help="A tag that exists (repeat; default latest for a new repository)."
        ),
    ] = None,
    shell: Annotated[
        str | None,
        typer.Option(
            "--base", help="What the image is built on: debian, alpine, busybox, rhel, distroless."
        ),
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Serve HTTP on this port (200 on every path).")
    ] = None,
    exit_code: Annotated[
        int | None, typer.Option("--exit-code", help="Exit with this code instead of serving.")
    ] = None,
    private: Annotated[bool, typer.Option(help="Pulls need an imagePullSecret.")] = False,
    file: Annotated[
        Path | None,
        typer.Option(
            "--file", "-f", help="YAML or JSON image specs, one or a list (docs/sandbox.md)."
        ),
    ] = None,
) -> None:
    """Teach the sandbox's registry an image (or more tags of one it knows, keeping the rest)."""
    from kubemedic.services import sandbox

    if file is not None:
        if image is not None:
            raise InputError("give either an IMAGE or --file FILE, not both")
        specs = _image_specs_from(file)
    elif image is not None:
        behaviour: dict[str, Any] = {}
        if port is not None:
            behaviour["ports"] = {str(port): {"*": 200}}
        if exit_code is not None:
            behaviour["exitCode"] = exit_code
        spec: dict[str, Any] = {"image": image, "behaviour": behaviour}
        spec.update({"tags": tags} if tags else {})
        spec.update({"private": True} if private else {})
        spec.update({"base": shell} if shell else {})
        specs = [spec]
    else:
        raise InputError("give an IMAGE or --file FILE")
    for message in sandbox.add_images(state_dir, specs):
        typer.echo(message)


@registry_app.command("remove")
def registry_remove_command(
    image: Annotated[str, typer.Argument(help="Repository, e.g. nginx or ghcr.io/acme/api.")],
    state_dir: StateDirOption = None,
    tags: Annotated[
        list[str] | None,
        typer.Option("--tag", help="Delete only this tag (repeat); default the whole repository."),
    ] = None,
) -> None:
    """Delete tags, or a whole repository, from the sandbox's registry (pulls then fail)."""
    from kubemedic.services import sandbox

    typer.echo(sandbox.remove_image(state_dir, image, list(tags or [])))


def _image_specs_from(file: Path) -> list[dict[str, Any]]:
    import yaml

    try:
        loaded = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"cannot read image specs: {exc}", path=str(file)) from exc
    specs = loaded if isinstance(loaded, list) else [loaded]
    if not all(isinstance(s, dict) and s.get("image") for s in specs):
        raise InputError("each image spec must be a mapping with an 'image'", path=str(file))
    return specs
