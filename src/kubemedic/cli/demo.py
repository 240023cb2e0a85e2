"""The demo behind ``make demo``: break the Todo app, diagnose it, govern one fix, right-size,
halt a bad release, stop.

It drives the same commands a user would type — ``kubemedic sandbox up``, ``sandbox break``,
``kubemedic diagnose -n todo --propose``, ``approve``, ``execute --wait``, ``records`` and
``stats``, then ``collect --import`` and ``recommend`` over a week of recorded history, then
``rollout guard --set-image`` of an image that crash-loops — against a throwaway sandbox cluster
and records repository in a temporary directory, shows progress while the failures emerge, and
always stops the sandbox at the end.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stdout
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

from rich.console import Console
from rich.rule import Rule
from rich.text import Text

from kubemedic.cli.app import run
from kubemedic.errors import EXIT_FINDINGS

TIME_SCALE = "30"
CRASHING_IMAGE = "busybox:1.36"
"""An image whose container exits at once: the backend's new pods crash-loop."""
RELEASES = "  tiers: [{action: set-image, namespace: todo, tier: trivial}]\n"
GUARD_OPTIONS = (
    *("--set-image", f"backend={CRASHING_IMAGE}", "--on-failure", "undo"),
    *("--first", "1", "--interval", "1s"),
)
WAIT_SECONDS = 40.0


@dataclass(frozen=True, slots=True)
class Breakage:
    """One scenario the demo applies, and the finding that shows kubemedic understood it."""

    scenario: str
    target: str
    what: str
    category: str


BREAKAGES = (
    Breakage(
        "crashloop",
        "deployment/backend",
        "remove DATABASE_URL from the backend: the app exits 1 at start",
        "crashloop.app-error",
    ),
    Breakage(
        "bad-image",
        "deployment/frontend",
        "point the frontend at an image tag that does not exist",
        "image.not-found",
    ),
    Breakage(
        "pvc-pending",
        "statefulset/postgres",
        "give postgres a volume claim on a StorageClass that does not exist",
        "pvc.pending",
    ),
)


SETTINGS = """\
people:
  - {name: Ada, email: ada@example.com, roles: [architect]}
  - {name: Sam, email: sam@example.com, roles: [security]}
  - {name: You, email: you@example.com, roles: [operator]}
user: You
policy:
  validation_delays: [2s, 5s]
  validation_timeout: 30s
"""


def main() -> int:
    console = Console()
    with tempfile.TemporaryDirectory(prefix="kubemedic-demo-") as tmp:
        state = Path(tmp) / "sandbox"
        kubeconfig = state / "kubeconfig"
        settings = Path(tmp) / "kubemedic.yaml"
        settings.write_text(SETTINGS, encoding="utf-8")
        with _environment(
            KUBEMEDIC_CONFIG_FILE=str(settings), KUBEMEDIC_RECORDS=str(Path(tmp) / "records")
        ):
            return _run(console, state, kubeconfig, settings)


def _run(console: Console, state: Path, kubeconfig: Path, settings: Path) -> int:
    console.print(Rule(Text("1/7  Start the sandbox cluster (the Todo app on three nodes)")))
    _show("kubemedic sandbox up --time-scale " + TIME_SCALE)
    if run(["sandbox", "up", "--state-dir", str(state), "--time-scale", TIME_SCALE]):
        return 4
    try:
        code = _demo(console, state, kubeconfig)
        return (
            code
            or _recommend(console, state, kubeconfig)
            or _guard_rollout(console, kubeconfig, settings)
        )
    finally:
        console.print(Rule(Text("7/7  Stop the sandbox")))
        run(["sandbox", "down", "--state-dir", str(state)])


@contextmanager
def _environment(**values: str) -> Iterator[None]:
    """The demo's settings and records, for its own commands only (restored after)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _demo(console: Console, state: Path, kubeconfig: Path) -> int:
    diagnose = ["diagnose", "-n", "todo", "--kubeconfig", str(kubeconfig)]
    console.print("Waiting for the Todo app to run ...")
    if not _wait(lambda: not _categories(diagnose), "a healthy app", console):
        console.print("[yellow]the app is not healthy yet; continuing anyway[/yellow]")
    console.print(Rule(Text("2/7  Break it the way a person would (edit the specs)")))
    for breakage in BREAKAGES:
        console.print(Text(f"- {breakage.what}"))
        _show(f"kubemedic sandbox break {breakage.scenario} --target {breakage.target}")
        args = ["sandbox", "break", breakage.scenario, "--target", breakage.target]
        if run([*args, "--state-dir", str(state)]):
            return 4
    expected = {b.category for b in BREAKAGES}
    console.print(f"Waiting for the failures to show (cluster time runs {TIME_SCALE}x) ...")
    _wait(lambda: expected <= _categories(diagnose), "the failures", console)
    console.print(Rule(Text("3/7  Diagnose the namespace, and propose the fixes for approval")))
    _show("kubemedic diagnose -n todo --propose")
    code = run([*diagnose, "--propose"])
    if code not in (0, 1):
        return code
    console.print(
        Text(
            "\nEach finding names the root cause with the evidence it rests on and a fix. "
            "Each problem is now an incident record; each fix kubemedic can apply is an "
            "operation waiting for approval, its risk tier derived from the change.\n"
        )
    )
    return _govern(console, kubeconfig)


def _govern(console: Console, kubeconfig: Path) -> int:
    """Approve, execute and validate the backend's fix; show the trail and the figures."""
    console.print(Rule(Text("4/7  Approve, execute and validate one fix; read the trail")))
    _show("kubemedic approvals")
    run(["approvals"])
    backend = _pending_fix_of("deployment/backend")
    if backend is None:
        console.print("[yellow]no fix for the backend was proposed[/yellow]")
        return 1
    console.print(Text("\nYou proposed it, so you cannot approve it; Ada (architect) can:"))
    _show(f"kubemedic approve {backend} --as Ada --reason 'the rollout removed DATABASE_URL'")
    if run(["approve", backend, "--as", "Ada", "--reason", "the rollout removed DATABASE_URL"]):
        return 6
    _show(f"kubemedic execute {backend} --wait")
    code = run(["execute", backend, "--wait", "--kubeconfig", str(kubeconfig)])
    for command in (["records", "list"], ["records", "verify"], ["stats", "--since", "1h"]):
        _show("kubemedic " + " ".join(command))
        run(command)
    return code


def _recommend(console: Console, state: Path, kubeconfig: Path) -> int:
    """A week of the sandbox's history into the store, then right-sizing and scaling advice."""
    console.print(Rule(Text("5/7  Right-size and autoscale from a week of usage history")))
    history, store = state / "history.om", state / "metrics.duckdb"
    where = ["--state-dir", str(state)]
    steps = (
        ["sandbox", "load", "deployment/frontend", "--cpu", "90", "-n", "todo"],
        ["sandbox", "history", "--days", "8", "--out", str(history)],
        ["collect", "--import", str(history), "--store", str(store)],
    )
    for step in steps:
        _show("kubemedic " + " ".join(step).replace(str(state) + "/", ""))
        if run([*step, *where] if step[0] == "sandbox" else step):
            return 4 if step[0] == "sandbox" else 7
    for kind in ("resources", "scaling"):
        _show(f"kubemedic recommend {kind} -n todo")
        code = run(
            [
                "recommend",
                kind,
                "-n",
                "todo",
                "--store",
                str(store),
                "--kubeconfig",
                str(kubeconfig),
            ]
        )
        if code:
            return code
    return 0


def _guard_rollout(console: Console, kubeconfig: Path, settings: Path) -> int:
    """Roll out an image that crash-loops under the guard: halted at its first new replica
    on pod signals alone (no Prometheus), undone, and recorded."""
    console.print(Rule(Text("6/7  Guard a release: halt and undo a bad rollout at its first pod")))
    console.print(Text(f"The team lets image changes in todo run without approval:\n{RELEASES}"))
    text = settings.read_text(encoding="utf-8")
    settings.write_text(text.replace("policy:\n", "policy:\n" + RELEASES), encoding="utf-8")
    guard = ["rollout", "guard", "deploy/backend", "-n", "todo", *GUARD_OPTIONS]
    _show("kubemedic " + " ".join(guard))
    code = run([*guard, "--kubeconfig", str(kubeconfig)])
    if code != EXIT_FINDINGS:
        console.print("[yellow]the guard did not halt the rollout[/yellow]")
        return code or 1
    _show("kubemedic records list --kind operation")
    return run(["records", "list", "--kind", "operation"])


def _pending_fix_of(target: str) -> str | None:
    buffer = StringIO()
    with redirect_stdout(buffer):
        run(["approvals", "--json"])
    for pending in json.loads(buffer.getvalue() or "[]"):
        if target in pending["summary"]:
            return str(pending["id"])
    return None


def _categories(diagnose: list[str]) -> set[str]:
    buffer = StringIO()
    with redirect_stdout(buffer):
        code = run([*diagnose, "-o", "json"])
    if code not in (0, 1):
        return set()
    report = json.loads(buffer.getvalue())
    return {f["category"] for f in report["findings"] if f["severity"] in ("critical", "high")}


def _wait(done: Callable[[], bool], what: str, console: Console) -> bool:
    deadline = time.monotonic() + WAIT_SECONDS
    with console.status(f"waiting for {what}"):
        while time.monotonic() < deadline:
            if done():
                return True
            time.sleep(1.0)
    return False


def _show(command: str) -> None:
    Console().print(Text(f"$ {command}", style="bold"))


if __name__ == "__main__":
    sys.exit(main())
