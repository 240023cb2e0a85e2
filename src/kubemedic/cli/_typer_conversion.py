"""Plain converters built on typer's own conversion internals (typer 0.29).

Imported only through ``kubemedic.cli.conversions``, which does without them when the installed
typer lays its internals out otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, get_args, get_origin

from typer._click import Context, Parameter
from typer._click.exceptions import BadParameter
from typer._coercion import RuntimeParam, build_runtime_param
from typer._param_types import coerce_cli_choice, coerce_cli_path
from typer.core import _TyperParameter
from typer.models import ParameterInfo


def convert_plainly(params: Iterable[Parameter | None]) -> None:
    """Give typer's ``params`` plain converters."""
    for param in params:
        if isinstance(param, _TyperParameter) and param.type_descriptor.file_annotation is None:
            descriptor = param.type_descriptor
            param._runtime_param = _Plain(
                parameter_info=descriptor.parameter_info, annotation=descriptor.annotation
            )


@dataclass(frozen=True)
class _Plain(RuntimeParam):
    """typer's conversion contract (``None`` stays absent), pydantic only where needed."""

    def _coerce_value(self, value: Any, param: _TyperParameter, ctx: Context) -> Any:
        try:
            converted = _plain(self.annotation, self.parameter_info, value, param, ctx)
        except (_NotPlain, ValueError, BadParameter):  # typer refuses it in its own words
            return build_runtime_param(param.type_descriptor)._coerce_value(value, param, ctx)
        return converted


class _NotPlain(Exception):
    """A value or annotation typer's own conversion is left to handle."""


def _plain(
    annotation: Any, info: ParameterInfo, value: Any, param: _TyperParameter, ctx: Context
) -> Any:
    if info.parser is not None:
        raise _NotPlain
    if get_origin(annotation) is list:
        (item,) = get_args(annotation)
        values = value if isinstance(value, list | tuple) else [value]
        return [_plain(item, info, one, param, ctx) for one in values]
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return coerce_cli_choice(
            value, choices=tuple(annotation), case_sensitive=info.case_sensitive, ctx=ctx
        )
    if type(value) is not str:
        raise _NotPlain
    if annotation is str:
        return value
    if annotation is Path and info.path_type is None:
        return coerce_cli_path(Path(value), info, path_type=Path, param=param, ctx=ctx)
    raise _NotPlain
