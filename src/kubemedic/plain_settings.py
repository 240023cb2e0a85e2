"""The settings of a run that sets them on the command line alone, read without pydantic.

Importing pydantic and building the ``Settings`` model (``config.py``) costs 0.13 s, a third of
``kubemedic diagnose``'s start-up; most runs set nothing below the command line. Here is where
settings may come from besides the command line (the ``KUBEMEDIC_*`` variables, the config
file), and the few settings ``diagnose`` reads when nothing there sets a value; anything else,
and any value the model would refuse, is ``config.load_settings``'s.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from kubemedic.formatters import OutputFormat
from kubemedic.models.severity import Severity

ENV_PREFIX = "KUBEMEDIC_"

SETTING_NAMES = frozenset(
    {
        "config_file",
        "output",
        "fail_on",
        "context",
        "kubeconfig",
        "request_timeout",
        "records",
        "records_remote",
        "server_url",
        "user",
        "people",
        "policy",
        "notifications",
        "allowed_signers",
        "store",
        "store_retention",
        "prometheus",
        "prices",
        "recommend",
        "rollouts",
        "server",
        "audit",
        "llm",
    }
)
"""Every top-level setting (the fields of ``config.Settings``), each a ``KUBEMEDIC_*`` variable."""


@dataclass(frozen=True, slots=True)
class DiagnoseSettings:
    """What ``kubemedic diagnose`` reads of the settings, with the defaults of ``Settings``."""

    output: OutputFormat = OutputFormat.TEXT
    fail_on: Severity | None = None
    context: str | None = None
    kubeconfig: Path | None = None
    request_timeout: float = 10.0


def diagnose_settings(
    *,
    config_file: Path | None,
    output: OutputFormat | None,
    fail_on: StrEnum | None,
    context: str | None,
    kubeconfig: Path | None,
    request_timeout: float | None,
) -> DiagnoseSettings | None:
    """The command line's settings, or None when a lower source sets something or a value
    needs the model's checks (``config.load_settings`` then reads them all)."""
    if (
        config_file is not None
        or set_below({})
        or (request_timeout is not None and not request_timeout > 0)
    ):
        return None
    return DiagnoseSettings(
        output=output or OutputFormat.TEXT,
        fail_on=None if fail_on is None or fail_on.lower() == "none" else Severity(fail_on),
        context=context,
        kubeconfig=kubeconfig.expanduser() if kubeconfig is not None else None,
        request_timeout=10.0 if request_timeout is None else request_timeout,
    )


def set_below(cli: Mapping[str, Any]) -> bool:
    """Whether anything below the command line sets a value: a ``KUBEMEDIC_<SETTING>``
    variable (in any case, as pydantic-settings reads them) or a config file."""
    if "config_file" in cli:
        return True
    variables = {f"{ENV_PREFIX}{name}".lower() for name in SETTING_NAMES}
    if any(key.lower() in variables for key in os.environ):
        return True
    return default_config_file() is not None


def default_config_file() -> Path | None:
    """``$XDG_CONFIG_HOME/kubemedic/config.yaml`` (``~/.config`` by default), if it exists."""
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    path = Path(base) / "kubemedic" / "config.yaml"
    return path if path.is_file() else None
