"""The demo behind ``make demo-web``: the dashboard on the sandbox with an approval to decide.

It drives the commands a user would type — ``kubemedic sandbox up``, ``sandbox break oom``,
``kubemedic diagnose -n todo --propose`` and ``kubemedic serve`` — against a throwaway sandbox
cluster, records repository and accounts file in a temporary directory. An architect's local
account gets a generated password, printed once, to sign in with; Ctrl-C stops the server and
then the sandbox (so does SIGTERM).
"""

from __future__ import annotations

import secrets
import signal
import socket
import sys
import tempfile
from pathlib import Path
from types import FrameType

from rich.console import Console
from rich.rule import Rule
from rich.text import Text

from kubemedic.cli.app import run
from kubemedic.cli.demo import SETTINGS, TIME_SCALE, _categories, _environment, _show, _wait
from kubemedic.services.accounts import add_account

HOST = "127.0.0.1"
ARCHITECT = "ada"
ROLES = ("architect", "operator")
"""Ada approves; as an operator she can also execute and validate what she approved."""
EXIT_INTERRUPTED = 130


def main() -> int:
    console = Console()
    signal.signal(signal.SIGTERM, _interrupt)
    with tempfile.TemporaryDirectory(prefix="kubemedic-demo-web-") as tmp:
        root = Path(tmp)
        settings = root / "kubemedic.yaml"
        settings.write_text(SETTINGS, encoding="utf-8")
        with _environment(
            KUBEMEDIC_CONFIG_FILE=str(settings),
            KUBEMEDIC_RECORDS=str(root / "records"),
            XDG_DATA_HOME=str(root / "data"),
        ):
            try:
                return _run(console, root / "sandbox")
            except KeyboardInterrupt:
                return EXIT_INTERRUPTED


def _interrupt(signum: int, frame: FrameType | None) -> None:
    """SIGTERM stops the demo like Ctrl-C: the sandbox is still stopped on the way out."""
    raise KeyboardInterrupt


def _run(console: Console, state: Path) -> int:
    console.print(Rule(Text("1/4  Start the sandbox cluster (the Todo app on three nodes)")))
    _show("kubemedic sandbox up --time-scale " + TIME_SCALE)
    if run(["sandbox", "up", "--state-dir", str(state), "--time-scale", TIME_SCALE]):
        return 4
    try:
        return _propose(console, state) or _serve(console, state / "kubeconfig")
    finally:
        console.print(Rule(Text("Stop the sandbox")))
        run(["sandbox", "down", "--state-dir", str(state)])


def _propose(console: Console, state: Path) -> int:
    """Give the backend too little memory, and propose the fix the diagnosis finds."""
    console.print(Rule(Text("2/4  Break it: a memory limit below what the backend uses")))
    _show("kubemedic sandbox break oom --target deployment/backend")
    if run(
        ["sandbox", "break", "oom", "--target", "deployment/backend", "--state-dir", str(state)]
    ):
        return 4
    diagnose = ["diagnose", "-n", "todo", "--kubeconfig", str(state / "kubeconfig")]
    console.print(f"Waiting for the OOM kills to show (cluster time runs {TIME_SCALE}x) ...")
    if not _wait(lambda: "oomkilled" in _categories(diagnose), "OOMKilled containers", console):
        console.print("[yellow]no OOM kill seen yet; proposing what the diagnosis finds[/yellow]")
    console.print(Rule(Text("3/4  Diagnose, and propose the fix for approval")))
    _show("kubemedic diagnose -n todo --propose")
    code = run([*diagnose, "--propose"])
    return code if code not in (0, 1) else 0


def _serve(console: Console, kubeconfig: Path) -> int:
    console.print(Rule(Text("4/4  Decide it in the browser")))
    password = secrets.token_urlsafe(12)
    add_account(_users_file(), ARCHITECT, password, ROLES, "ada@example.com")
    port = _free_port()
    console.print(
        Text.assemble(
            "Open ",
            (f"http://{HOST}:{port}/", "bold underline"),
            f" and sign in as {ARCHITECT} (architect) with password ",
            (password, "bold"),
            "\nThe operation waiting for approval was proposed by You (operator), so Ada may "
            "approve it, then execute and validate it. Press Ctrl-C to stop.",
        )
    )
    _show(f"kubemedic serve --host {HOST} --port {port}")
    return run(["serve", "--host", HOST, "--port", str(port), "--kubeconfig", str(kubeconfig)])


def _users_file() -> Path:
    """The demo's accounts file: the default under its own ``XDG_DATA_HOME``."""
    from kubemedic.config import load_settings

    return load_settings().server.users_path()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


if __name__ == "__main__":
    sys.exit(main())
