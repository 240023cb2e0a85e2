"""The demo behind ``make demo``: start the sandbox, break the Todo app, diagnose it, stop.

It drives the same commands a user would type — ``kubemedic sandbox up``, ``sandbox break``,
``kubemedic diagnose -n todo`` — against a throwaway sandbox cluster in a temporary state
directory, shows progress while the failures emerge, and always stops the sandbox at the end.
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import redirect_stdout
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

from rich.console import Console
from rich.rule import Rule
from rich.text import Text

from kubemedic.cli.app import run

TIME_SCALE = "30"
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


def main() -> int:
    console = Console()
    with tempfile.TemporaryDirectory(prefix="kubemedic-demo-") as tmp:
        state = Path(tmp) / "sandbox"
        kubeconfig = state / "kubeconfig"
        console.print(Rule(Text("1/4  Start the sandbox cluster (the Todo app on three nodes)")))
        _show("kubemedic sandbox up --time-scale " + TIME_SCALE)
        if run(["sandbox", "up", "--state-dir", str(state), "--time-scale", TIME_SCALE]):
            return 4
        try:
            return _demo(console, state, kubeconfig)
        finally:
            console.print(Rule(Text("4/4  Stop the sandbox")))
            run(["sandbox", "down", "--state-dir", str(state)])


def _demo(console: Console, state: Path, kubeconfig: Path) -> int:
    diagnose = ["diagnose", "-n", "todo", "--kubeconfig", str(kubeconfig)]
    console.print("Waiting for the Todo app to run ...")
    if not _wait(lambda: not _categories(diagnose), "a healthy app", console):
        console.print("[yellow]the app is not healthy yet; continuing anyway[/yellow]")
    console.print(Rule(Text("2/4  Break it the way a person would (edit the specs)")))
    for breakage in BREAKAGES:
        console.print(Text(f"- {breakage.what}"))
        _show(f"kubemedic sandbox break {breakage.scenario} --target {breakage.target}")
        args = ["sandbox", "break", breakage.scenario, "--target", breakage.target]
        if run([*args, "--state-dir", str(state)]):
            return 4
    expected = {b.category for b in BREAKAGES}
    console.print(f"Waiting for the failures to show (cluster time runs {TIME_SCALE}x) ...")
    _wait(lambda: expected <= _categories(diagnose), "the failures", console)
    console.print(Rule(Text("3/4  Diagnose the namespace")))
    _show("kubemedic diagnose -n todo")
    code = run(diagnose)
    console.print(
        Text(
            "\nEach finding names the root cause with the evidence it rests on (status fields, "
            "events, the previous instance's log, the rollout that changed the template) and a "
            "fix with its risk. Try -o markdown or -o json, and kubectl against the sandbox:\n"
            "  kubemedic sandbox up && export KUBECONFIG=~/.kubemedic/sandbox/kubeconfig\n"
        )
    )
    return code


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
