"""Output formats for a diagnosis report, looked up by name.

Each format is a module exposing ``write(report, out)``. Modules are imported only when their
format is used, so listing the formats (for ``--help`` and settings validation) never pays for
rich or orjson. Adding a format is a module plus one member of ``OutputFormat``.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from importlib import import_module
from typing import TYPE_CHECKING, TextIO, cast

if TYPE_CHECKING:  # the report's model: only for what writes one (records commands need none)
    from kubemedic.formatters.report import Report


class OutputFormat(StrEnum):
    """A format ``-o`` accepts; its value is the name of the module that writes it."""

    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"


Write = Callable[["Report", TextIO], None]


def writer(output: OutputFormat) -> Write:
    """The function that writes ``report`` in this format to a text stream."""
    module = import_module(f"{__name__}.{output.value}")
    return cast(Write, module.write)


__all__ = ["OutputFormat", "Write", "writer"]
