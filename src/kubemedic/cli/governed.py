"""Options every governed command shares, and the one way they open a workspace.

``--records``, ``--as``, ``--context`` and ``--kubeconfig`` mean the same on every command;
settings come from the command line, then ``KUBEMEDIC_*`` variables, then the settings file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kubemedic.cli.session import session_of

if TYPE_CHECKING:
    from kubemedic.models.identity import Actor
    from kubemedic.services.workspace import Workspace

RecordsOption = Annotated[
    Path | None,
    typer.Option(
        "--records",
        help="Records repository (git). Default: $KUBEMEDIC_RECORDS, the settings file's "
        "'records', else $XDG_DATA_HOME/kubemedic/records.",
        show_default=False,
    ),
]
AsOption = Annotated[
    str | None,
    typer.Option(
        "--as",
        help="Act as this configured person (name or email from the settings' 'people').",
        show_default=False,
    ),
]
ContextOption = Annotated[
    str | None, typer.Option("--context", help="kubeconfig context to use.", show_default=False)
]
KubeconfigOption = Annotated[
    Path | None, typer.Option("--kubeconfig", help="kubeconfig file to use.", show_default=False)
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print the result as JSON instead of text.")
]

EXIT_CODES = """\
Exit codes:
  0   done
  1   a check failed (validation, verify, audit) or execution failed
  2   bad usage, settings or input
  3   cluster unreachable, unauthorized, forbidden, or object not found
  5   records repository error (or its lock is held by another kubemedic)
  6   refused by governance (not approved, illegal step, unmet condition, changed target)
"""


@contextmanager
def workspace(
    ctx: typer.Context,
    *,
    records: Path | None,
    as_: str | None = None,
    context: str | None = None,
    kubeconfig: Path | None = None,
) -> Iterator[tuple[Workspace, Actor]]:
    """The workspace and acting person for one governed command."""
    from kubemedic.config import load_settings
    from kubemedic.services.identity import local_actor
    from kubemedic.services.workspace import open_workspace

    settings = load_settings(
        config_file=session_of(ctx).config_file,
        records=records,
        context=context,
        kubeconfig=kubeconfig,
    )
    ws = open_workspace(settings)
    actor = local_actor(ws.policy, as_ or settings.user)
    try:
        yield ws, actor
    finally:
        ws.close()
