"""kubemedic's settings: one typed object, built once at the edge and passed down.

Each value comes from the first place that sets it: the command line, then a ``KUBEMEDIC_*``
environment variable, then the config file, then the default. The config file is the one named
by ``--config`` / ``KUBEMEDIC_CONFIG_FILE``, else ``$XDG_CONFIG_HOME/kubemedic/config.yaml``
when it exists. Unknown keys and bad values are refused with a ``ConfigError`` that says where
the value came from; nothing here is read at import time. pydantic-settings, which layers the
sources, is imported only when a ``KUBEMEDIC_*`` variable or a config file sets something: the
command line over the defaults needs only the model (and saves a tenth of a second per run);
``plain_settings`` tells which, and gives ``diagnose`` its few settings without even the model.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from kubemedic._internal.timeutils import parse_duration
from kubemedic.errors import ConfigError
from kubemedic.formatters import OutputFormat
from kubemedic.models.notification import EVENTS, Webhook, WebhookFormat
from kubemedic.models.policy import ROLES
from kubemedic.models.severity import RiskTier, Severity
from kubemedic.plain_settings import ENV_PREFIX, default_config_file, set_below

if TYPE_CHECKING:
    from kubemedic.models.policy import Policy
    from kubemedic.models.recommendation_settings import (
        PriceBook,
        RightSizingSettings,
        ScalingSettings,
    )


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


def _known_roles(roles: tuple[str, ...]) -> tuple[str, ...]:
    """``roles`` when each is one kubemedic gives meaning to: a mistyped role would otherwise
    leave its holder silently unable to approve or sign in."""
    for role in roles:
        if role not in ROLES:
            close = difflib.get_close_matches(role, ROLES, n=1)
            guess = f" (did you mean {close[0]}?)" if close else ""
            raise ValueError(f"unknown role {role!r}{guess}; roles: {', '.join(ROLES)}")
    return roles


class PersonSetting(_Section):
    """Someone who may approve: ``{name, email, roles: [architect, security, ...]}``."""

    name: str = Field(min_length=1)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")
    roles: tuple[str, ...] = ()

    _roles = field_validator("roles")(_known_roles)


class TierSetting(_Section):
    """A policy line: operations matching ``action`` in ``namespace`` (globs) get ``tier``."""

    tier: RiskTier
    action: str = "*"
    namespace: str = "*"


def _seconds(value: object) -> float:
    seconds = parse_duration(value)
    if seconds is None:
        raise ValueError(f"not a duration like 30s, 5m, 1h: {value!r}")
    return seconds


class PolicySetting(_Section):
    """Tier overrides and what happens around execution (docs/operations.md)."""

    tiers: tuple[TierSetting, ...] = ()
    expire_after: float = Field(default=24 * 3600.0, description="pending operations expire")
    validation_delays: tuple[float, ...] = (60.0, 300.0, 3600.0)
    validation_timeout: float = Field(
        default=60.0, description="how long one validation stage waits for its checks to pass"
    )
    auto_rollback: bool = False
    sla: dict[str, float] = Field(
        default_factory=dict,
        description="approval SLA per tier (low, medium, critical, emergency) as durations",
    )

    @field_validator("sla", mode="before")
    @classmethod
    def _sla(cls, value: object) -> dict[str, float]:
        if not isinstance(value, dict):
            raise ValueError("expected a mapping like {low: 5m, medium: 30m}")
        unknown = sorted(set(value) - {"low", "medium", "critical", "emergency"})
        if unknown:
            raise ValueError(f"unknown tier {', '.join(map(str, unknown))}")
        return {str(k): _seconds(v) / 60 for k, v in value.items()}

    @field_validator("expire_after", "validation_timeout", mode="before")
    @classmethod
    def _duration(cls, value: object) -> float:
        return _seconds(value)

    @field_validator("validation_delays", mode="before")
    @classmethod
    def _durations(cls, value: object) -> tuple[float, ...]:
        if not isinstance(value, list | tuple):
            raise ValueError("expected a list of durations such as [1m, 5m, 1h]")
        return tuple(sorted(_seconds(item) for item in value))


class WebhookSetting(_Section):
    """A notification receiver: generic JSON or a Slack incoming webhook."""

    url: str = Field(pattern=r"^https?://")
    format: WebhookFormat = WebhookFormat.JSON
    timeout: float = Field(default=5.0, gt=0)
    retries: int = Field(default=3, ge=0, le=10)
    headers: dict[str, str] = Field(default_factory=dict)
    events: tuple[str, ...] = ()

    @field_validator("events")
    @classmethod
    def _known_events(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = sorted(set(value) - EVENTS)
        if unknown:
            raise ValueError(
                f"unknown event {', '.join(unknown)}; known: {', '.join(sorted(EVENTS))}"
            )
        return value


class NotificationSetting(_Section):
    webhooks: tuple[WebhookSetting, ...] = ()


class PrometheusSetting(_Section):
    """Where usage history is read when no ``--prometheus`` is given (docs/recommendations.md).

    The bearer token is never a plain setting: it comes from ``$KUBEMEDIC_PROMETHEUS_TOKEN``
    or the file ``token_file`` names, so settings files can be shared without secrets.
    """

    url: str | None = Field(default=None, pattern=r"^https?://")
    token_file: Path | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    timeout: float = Field(default=60.0, gt=0)
    verify_tls: bool = True
    scrape_interval: float = Field(
        default=60.0, gt=0, description="how often cAdvisor is scraped: CPU rates span 4 of them"
    )

    @field_validator("timeout", "scrape_interval", mode="before")
    @classmethod
    def _timeout(cls, value: object) -> float:
        return _seconds(value)


class PricesSetting(_Section):
    """Dollars per vCPU-hour and per GiB-hour of requests, and hours in a month."""

    cpu_hour: float = Field(default=0.031611, ge=0)
    memory_gib_hour: float = Field(default=0.004237, ge=0)
    hours_per_month: float = Field(default=730.0, gt=0)


class RecommendSetting(_Section):
    """Defaults of ``recommend resources`` and ``recommend scaling`` (docs/recommendations.md)."""

    margin: float = Field(default=0.30, ge=0, description="request = p95 × (1 + margin)")
    memory_limit_ratio: float = Field(default=1.28, ge=1)
    cpu_limit: str = Field(default="none", description="none, keep or ratio:X")
    min_history: float = Field(default=7 * 86400.0, ge=0)
    threshold: float = Field(default=0.70, gt=0, le=1)
    sustained: float = Field(default=300.0, gt=0)
    target_utilization: float = Field(default=0.70, gt=0, le=1)
    headroom: float = Field(default=0.25, ge=0)
    scale_down_stabilization: float = Field(default=300.0, ge=0)

    @field_validator("min_history", "sustained", "scale_down_stabilization", mode="before")
    @classmethod
    def _duration(cls, value: object) -> float:
        return _seconds(value)


class RolloutsSetting(_Section):
    """Defaults of the rollout guard: ``rollout guard``, ``execute --guard`` and ``watch
    --guard-rollouts`` (docs/rollouts.md); an option on the command line wins."""

    first: int = Field(default=3, ge=0)
    window: float = Field(default=120.0, gt=0)
    interval: float = Field(default=5.0, gt=0)
    max_error_rate: float = Field(default=0.05, ge=0, le=1, description="5% or 0.05")
    min_requests: float = Field(default=50, ge=0)
    max_latency_ratio: float = Field(default=2.0, ge=1)
    failures: int = Field(default=1, ge=1)
    on_failure: Literal["pause", "undo"] = "pause"
    helm_rollback: Literal["propose", "run"] = "propose"
    no_data: Literal["halt", "pass"] = "halt"
    requests_metric: str = "http_requests_total"
    status_label: str = "code"
    latency_metric: str = "http_request_duration_seconds"

    @field_validator("window", "interval", mode="before")
    @classmethod
    def _duration(cls, value: object) -> float:
        return _seconds(value)

    @field_validator("max_error_rate", mode="before")
    @classmethod
    def _share(cls, value: object) -> object:
        if isinstance(value, str) and value.strip().endswith("%"):
            return float(value.strip()[:-1]) / 100
        return value


class AuditSetting(_Section):
    """Defaults of ``audit security`` (docs/security.md)."""

    level: str = Field(default="baseline", pattern=r"^(baseline|restricted)$")
    allowed_registries: tuple[str, ...] = Field(
        default=(), description="registry hosts or repository prefixes images may come from"
    )
    tls_expiry_days: int = Field(default=30, ge=0)


class OidcSetting(_Section):
    """Sign-in with an OpenID Connect provider (authorization code, PKCE); its users get roles
    through ``server.user_roles`` / ``server.group_roles`` like Kubernetes users."""

    issuer: str = Field(pattern=r"^https?://", description="discovery at {issuer}/.well-known/...")
    client_id: str = Field(min_length=1)
    client_secret_file: Path | None = Field(
        default=None, description="file holding the client secret (none: a public client)"
    )
    redirect_url: str = Field(
        pattern=r"^https?://.+/login/oidc/callback$",
        description="this server's https://HOST/login/oidc/callback, as registered",
    )
    scopes: tuple[str, ...] = ("openid", "profile", "email", "groups")
    username_claim: str = Field(default="email", min_length=1)
    groups_claim: str = Field(default="groups", min_length=1)
    name: str = Field(default="", description="shown on the sign-in button; default the issuer")


class ServerSetting(_Section):
    """``kubemedic serve``: accounts, sessions and how token users get roles (docs/server.md)."""

    users_file: Path | None = Field(
        default=None, description="local accounts; default $XDG_DATA_HOME/kubemedic/users.yaml"
    )
    secret_file: Path | None = Field(
        default=None,
        description="key signing session cookies, made on first use; default "
        "$XDG_DATA_HOME/kubemedic/session-secret",
    )
    session_lifetime: float = Field(default=8 * 3600.0, gt=0)
    login_attempts: int = Field(default=5, ge=1, description="failed sign-ins per window")
    login_window: float = Field(default=300.0, gt=0)
    user_roles: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="Kubernetes user name -> kubemedic roles"
    )
    group_roles: dict[str, tuple[str, ...]] = Field(
        default_factory=dict, description="Kubernetes group -> kubemedic roles"
    )

    @field_validator("user_roles", "group_roles")
    @classmethod
    def _known(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for roles in value.values():
            _known_roles(roles)
        return value

    access_review: bool = Field(
        default=False,
        description="also ask the cluster (SubjectAccessReview) whether the caller may make "
        "a change themselves before they propose, execute or roll it back",
    )
    account_users: dict[str, str] = Field(
        default_factory=dict,
        description="local account -> the Kubernetes user access_review checks it as",
    )
    oidc: OidcSetting | None = Field(default=None, description="OpenID Connect sign-in")
    leader_election: bool = Field(
        default=False,
        description="run the background loops (due validations, escalation) on the one "
        "replica holding the Lease lease_namespace/lease_name",
    )
    lease_name: str = Field(default="kubemedic-server", min_length=1)
    lease_namespace: str = Field(default="kubemedic", min_length=1)
    lease_duration: float = Field(default=15.0, ge=1, description="handover time after a crash")
    background_interval: float = Field(
        default=30.0, gt=0, description="how often the leader runs its background loops"
    )

    @field_validator(
        "session_lifetime", "login_window", "lease_duration", "background_interval", mode="before"
    )
    @classmethod
    def _duration(cls, value: object) -> float:
        return _seconds(value)

    def users_path(self) -> Path:
        return (self.users_file or _data_dir() / "users.yaml").expanduser()

    def secret_path(self) -> Path:
        return (self.secret_file or _data_dir() / "session-secret").expanduser()


class LlmSetting(_Section):
    """An OpenAI-compatible chat-completions endpoint for ``ask`` and ``diagnose --explain``
    (docs/agents.md). Off unless ``base_url`` and ``model`` are set; the API key is never a
    setting: it is read from the environment variable ``api_key_env`` names."""

    base_url: str | None = Field(default=None, pattern=r"^https?://")
    model: str | None = None
    api_key_env: str = Field(default="KUBEMEDIC_LLM_API_KEY", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    timeout: float = Field(default=60.0, gt=0)
    retries: int = Field(default=2, ge=0, le=10)
    max_tokens: int = Field(default=1024, ge=16, description="token budget of each answer")
    redact_ips: bool = False
    redact_emails: bool = False

    @field_validator("timeout", mode="before")
    @classmethod
    def _timeout(cls, value: object) -> float:
        return _seconds(value)


class Settings(BaseModel):
    """Every setting kubemedic reads; see docs/diagnose.md for each one."""

    model_config = ConfigDict(
        extra="forbid", frozen=True, validate_default=True, allow_inf_nan=False
    )

    config_file: Path | None = Field(default=None, description="YAML file with settings")
    output: OutputFormat = Field(default=OutputFormat.TEXT, description="output format")
    fail_on: Severity | None = Field(
        default=None, description="lowest severity that makes diagnose exit 1 (none: never)"
    )
    context: str | None = Field(default=None, description="kubeconfig context to use")
    kubeconfig: Path | None = Field(default=None, description="kubeconfig file to use")
    request_timeout: float = Field(
        default=10.0, gt=0, le=86400, description="seconds per API request"
    )
    records: Path | None = Field(
        default=None,
        description="records repository (git); default $XDG_DATA_HOME/kubemedic/records",
    )
    records_remote: str | None = Field(default=None, description="git remote to push records to")
    server_url: str | None = Field(
        default=None,
        pattern=r"^https?://",
        description="kubemedic server the governed commands run against (docs/server.md)",
    )
    user: str | None = Field(
        default=None, description="who runs kubemedic: the name or email of a configured person"
    )
    people: tuple[PersonSetting, ...] = Field(default=(), description="people who may approve")
    policy: PolicySetting = Field(default_factory=PolicySetting)
    notifications: NotificationSetting = Field(default_factory=NotificationSetting)
    allowed_signers: Path | None = Field(
        default=None, description="ssh allowed_signers file for verifying signed approvals"
    )
    store: Path | None = Field(
        default=None,
        description="embedded metrics store (DuckDB file); default "
        "$XDG_DATA_HOME/kubemedic/metrics.duckdb",
    )
    store_retention: float = Field(
        default=30 * 86400.0, gt=0, description="how long the metrics store keeps samples"
    )
    prometheus: PrometheusSetting = Field(default_factory=PrometheusSetting)
    prices: PricesSetting = Field(default_factory=PricesSetting)
    recommend: RecommendSetting = Field(default_factory=RecommendSetting)
    rollouts: RolloutsSetting = Field(default_factory=RolloutsSetting)
    server: ServerSetting = Field(default_factory=ServerSetting)
    audit: AuditSetting = Field(default_factory=AuditSetting)
    llm: LlmSetting = Field(default_factory=LlmSetting)

    @field_validator("fail_on", mode="before")
    @classmethod
    def _none_means_never(cls, value: object) -> object:
        return None if isinstance(value, str) and value.lower() == "none" else value

    @field_validator("store_retention", mode="before")
    @classmethod
    def _retention(cls, value: object) -> float:
        return _seconds(value)

    @field_validator("config_file", "kubeconfig", "records", "allowed_signers", "store")
    @classmethod
    def _expand_home(cls, value: Path | None) -> Path | None:
        return value.expanduser() if value is not None else None

    def records_dir(self) -> Path:
        """The records repository: ``records``, else under the user's data directory."""
        return self.records if self.records is not None else _data_dir() / "records"

    def store_path(self) -> Path:
        """The metrics store file: ``store``, else under the user's data directory."""
        return self.store if self.store is not None else _data_dir() / "metrics.duckdb"

    def governance_policy(self) -> Policy:
        """The typed policy the governance code reads."""
        from kubemedic.models.policy import Person, Policy, TierOverride

        return Policy(
            people=tuple(Person(p.name, p.email, frozenset(p.roles)) for p in self.people),
            overrides=tuple(TierOverride(t.tier, t.action, t.namespace) for t in self.policy.tiers),
            expire_after=self.policy.expire_after,
            validation_delays=self.policy.validation_delays,
            validation_timeout=self.policy.validation_timeout,
            auto_rollback=self.policy.auto_rollback,
            sla=dict(self.policy.sla),
        )

    def prometheus_token(self) -> str | None:
        """The bearer token: ``$KUBEMEDIC_PROMETHEUS_TOKEN``, else ``prometheus.token_file``."""
        token = os.environ.get(f"{ENV_PREFIX}PROMETHEUS_TOKEN")
        if token:
            return token.strip()
        path = self.prometheus.token_file
        if path is None:
            return None
        try:
            return path.expanduser().read_text(encoding="utf-8").strip() or None
        except OSError as exc:
            raise ConfigError(f"prometheus.token_file {path}: {exc.strerror}") from None
        except UnicodeDecodeError as exc:
            raise ConfigError(
                f"prometheus.token_file {path} is not UTF-8 text (byte {exc.start})"
            ) from None

    def price_book(self) -> PriceBook:
        from kubemedic.models.recommendation_settings import PriceBook

        return PriceBook(
            self.prices.cpu_hour, self.prices.memory_gib_hour, self.prices.hours_per_month
        )

    def right_sizing(self) -> RightSizingSettings:
        """Right-sizing knobs from ``recommend`` and ``prices``; a bad value is a ConfigError."""
        from kubemedic.models.recommendation_settings import CpuLimitPolicy, RightSizingSettings

        chosen = self.recommend
        try:
            return RightSizingSettings(
                margin=chosen.margin,
                memory_limit_ratio=chosen.memory_limit_ratio,
                cpu_limit=CpuLimitPolicy.parse(chosen.cpu_limit),
                min_history_days=chosen.min_history / 86_400,
                prices=self.price_book(),
            )
        except ValueError as exc:
            raise ConfigError(f"recommend: {exc}") from None

    def scaling(self) -> ScalingSettings:
        from kubemedic.models.recommendation_settings import ScalingSettings

        chosen = self.recommend
        return ScalingSettings(
            threshold=chosen.threshold,
            sustained_seconds=chosen.sustained,
            target_utilization=chosen.target_utilization,
            headroom=chosen.headroom,
            scale_down_stabilization_seconds=round(chosen.scale_down_stabilization),
            prices=self.price_book(),
        )

    def webhooks(self) -> tuple[Webhook, ...]:
        return tuple(
            Webhook(
                url=w.url,
                format=w.format,
                timeout=w.timeout,
                retries=w.retries,
                headers=tuple(w.headers.items()),
                events=frozenset(w.events),
            )
            for w in self.notifications.webhooks
        )


@cache
def _layered() -> type[Settings]:
    """``Settings`` read from every source: the command line, then ``KUBEMEDIC_*`` variables,
    then the config file, then the defaults."""
    from pydantic.fields import FieldInfo
    from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

    class ConfigFileSource(PydanticBaseSettingsSource):
        """Settings from the YAML config file, below the command line and the environment."""

        def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
            return None, field_name, False  # __call__ reads the whole file at once

        def __call__(self) -> dict[str, Any]:
            named = self.current_state.get("config_file")
            path = Path(named).expanduser() if named else default_config_file()
            if path is None:
                return {}
            return _read_config_file(path, required=named is not None)

    class LayeredSettings(Settings, BaseSettings):
        model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", frozen=True)

        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            return init_settings, env_settings, ConfigFileSource(settings_cls)

    return LayeredSettings


def _data_dir() -> Path:
    """``$XDG_DATA_HOME/kubemedic`` (``~/.local/share/kubemedic`` by default)."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "kubemedic"


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
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"config file {path} is not UTF-8 text (byte {exc.start}): not a YAML file"
        ) from None
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
        return _layered()(**cli) if set_below(cli) else Settings(**cli)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, cli)) from None
    except ValueError as exc:  # pydantic-settings: a nested setting's variable is not JSON
        field = re.search(r'field "(\w+)"', str(exc))
        variable = f"{ENV_PREFIX}{field[1].upper()}" if field else "a KUBEMEDIC_* variable"
        raise ConfigError(
            f"{variable} is not valid JSON: {exc.__cause__ or exc}",
            hint=f"a nested setting in a variable is JSON, like {ENV_PREFIX}PEOPLE="
            '\'[{"name": "ada", "email": "ada@example.com", "roles": ["architect"]}]\'',
        ) from None


def _describe(exc: ValidationError, cli: Mapping[str, Any]) -> str:
    problems = []
    for error in exc.errors(include_url=False):
        loc = error["loc"]
        name = str(loc[0]) if loc else "settings"
        where = name + "".join(
            f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc[1:]
        )
        value = "" if error["type"] == "missing" else f"={error.get('input')!r}"
        message = error["msg"].removeprefix("Value error, ")
        problems.append(f"{where}{value} from {_origin(name, cli)}: {message}")
    return "invalid setting " + "; ".join(problems)


def _origin(name: str, cli: Mapping[str, Any]) -> str:
    if name in cli:
        return "the command line"
    env = f"{ENV_PREFIX}{name.upper()}"
    if any(key.upper() == env for key in os.environ):
        return env
    return "the config file"
