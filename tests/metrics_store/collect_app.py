"""``collect`` on a command of its own, registered as cli/app.py registers its commands, so the
tests run it the way a user does: in-process through ``run``, or as a separate process
(``python -m tests.metrics_store.collect_app collect ...``) where signals must reach it."""

from __future__ import annotations

import sys

import typer

from kubemedic.cli.app import run
from kubemedic.cli.collect import EPILOG, collect_command

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
app.command("collect", epilog=EPILOG)(collect_command)


@app.callback()
def kubemedic() -> None:
    """kubemedic with its collect command alone."""


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:], cli=app))
