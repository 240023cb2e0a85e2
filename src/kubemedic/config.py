"""kubemedic's settings: one typed object, built once at the edge and passed down.

Each value comes from the first place that sets it: the command line, then a ``KUBEMEDIC_*``
environment variable, then the config file, then the default. The config file is the one named
by ``--config`` / ``KUBEMEDIC_CONFIG_FILE``, else ``$XDG_CONFIG_HOME/kubemedic/config.yaml``
when it exists. Unknown keys and bad values are refused with a ``ConfigError`` that says where
the value came from; nothing here is read at import time.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from kubemedic.errors import ConfigError
from kubemedic.formatters import OutputFormat
from kubemedic.models.severity import Severity

ENV_PREFIX = "KUBEMEDIC_"


class Settings(BaseSettings):
    """Every setting kubemedic reads; see docs/diagnose.md for each one."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", frozen=True)

    config_file: Path | None = Field(default=None, description="YAML file with settings")
    output: OutputFormat = Field(default=OutputFormat.TEXT, description="output format")
    fail_on: Severity | None = Field(
        default=None, description="lowest severity that makes diagnose exit 1 (none: never)"
    )
    context: str | None = Field(default=None, description="kubeconfig context to use")
    kubeconfig: Path | None = Field(default=None, description="kubeconfig file to use")
    request_timeout: float = Field(default=10.0, gt=0, description="seconds per API request")

    @field_validator("fail_on", mode="before")
    @classmethod
    def _none_means_never(cls, value: object) -> object:
        return None if isinstance(value, str) and value.lower() == "none" else value

    @field_validator("config_file", "kubeconfig")
    @classmethod
    def _expand_home(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, _ConfigFileSource(settings_cls)


class _ConfigFileSource(PydanticBaseSettingsSource):
    """Settings from the YAML config file, below the command line and the environment."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False  # __call__ reads the whole file at once

    def __call__(self) -> dict[str, Any]:
        named = self.current_state.get("config_file")
        path = Path(named).expanduser() if named else _default_config_file()
        if path is None:
            return {}
        return _read_config_file(path, required=named is not None)


def _default_config_file() -> Path | None:
    """``$XDG_CONFIG_HOME/kubemedic/config.yaml`` (``~/.config`` by default), if it exists."""
    base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    path = Path(base) / "kubemedic" / "config.yaml"
    return path if path.is_file() else None


def _read_config_file(path: Path, *, required: bool) -> dict[str, Any]:
    """The settings a config file sets, refusing unreadable YAML and unknown keys."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if required:
            raise ConfigError(f"config file {path} does not exist") from None
        return {}
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror}") from None
    import yaml  # only when a config file exists: most runs have none

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or "malformed YAML"
        raise ConfigError(f"{where}: not valid YAML: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path}: expected a mapping of settings, got {type(data).__name__}")
    known = set(Settings.model_fields) - {"config_file"}
    unknown = sorted(str(key) for key in data if key not in known)
    if unknown:
        raise ConfigError(
            f"{path}: unknown setting {', '.join(unknown)}",
            hint="known settings: " + ", ".join(sorted(known)),
        )
    return dict(data)


def load_settings(**given: Any) -> Settings:
    """Settings from the command line values ``given`` (None = not given) and lower sources."""
    cli = {name: value for name, value in given.items() if value is not None}
    try:
        return Settings(**cli)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, cli)) from None


def _describe(exc: ValidationError, cli: Mapping[str, Any]) -> str:
    problems = []
    for error in exc.errors(include_url=False):
        name = str(error["loc"][0]) if error["loc"] else "settings"
        value = error.get("input")
        problems.append(f"{name}={value!r} from {_origin(name, cli)}: {error['msg']}")
    return "invalid setting " + "; ".join(problems)


def _origin(name: str, cli: Mapping[str, Any]) -> str:
    if name in cli:
        return "the command line"
    env = f"{ENV_PREFIX}{name.upper()}"
    if any(key.upper() == env for key in os.environ):
        return env
    return "the config file"
