"""Option values converted without pydantic, so that ``kubemedic diagnose`` need not import it.

typer (0.2x) converts every parameter through a pydantic ``TypeAdapter`` built on first use,
even an option left out: building the adapters, and importing pydantic for them, cost 0.15 s
of a diagnosis's start-up. ``convert_plainly`` gives parameters (``PlainCommand``: all of a
command's) a converter that leaves absent options absent and converts the plain values
kubemedic's options take (text, paths, choices, lists of them) with typer's own helpers; any
other value, and any value these refuse, goes through typer's pydantic conversion, so results
and error messages stay typer's. Those helpers are typer's internals: with a typer that lays
them out otherwise, every parameter keeps typer's own conversion, as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from typer.core import TyperCommand

try:
    from kubemedic.cli import _typer_conversion
except ImportError:  # another typer: its own conversion throughout
    _typer_conversion = None  # type: ignore[assignment]


def convert_plainly(params: Iterable[Any]) -> None:
    """Give typer's ``params`` plain converters (when this typer allows it)."""
    if _typer_conversion is not None:
        _typer_conversion.convert_plainly(params)


class PlainCommand(TyperCommand):
    """A typer command whose parameters, ``--help`` included, convert plainly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        convert_plainly(self.params)

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)
        convert_plainly([option])
        return option
