"""Where the API server is and who kubemedic is there: a kubeconfig context or the pod's account.

The official client reads the kubeconfig (merged ``KUBECONFIG`` paths, exec and OIDC plugins,
client certificates, proxies, ``tls-server-name``); this module only chooses file and context the
way kubectl does, falls back to the in-cluster service account, and turns every configuration
failure into a ConfigError a person can act on.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kubemedic.errors import ConfigError

if TYPE_CHECKING:
    import urllib3

DEFAULT_KUBECONFIG = "~/.kube/config"
SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")


@dataclass(frozen=True)
class ClusterConfig:
    """A resolved connection: server URL, default namespace, identity and TLS material."""

    host: str
    namespace: str
    context: str | None
    """None when running with the in-cluster service account."""
    user: str
    configuration: Any = field(repr=False)
    """The client's ``Configuration``: certificates, proxy, and the token with its refresh hook."""
    _auth_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def identity(self) -> str:
        """``context "prod"`` or ``the in-cluster service account``, for messages."""
        return f'context "{self.context}"' if self.context else "the in-cluster service account"

    def authorization(self) -> str | None:
        """The Authorization header value, refreshed first when an exec/OIDC token expired."""
        with self._auth_lock:  # one refresh at a time, however many requests run in parallel
            value = self.configuration.get_api_key_with_prefix("BearerToken", alias="authorization")
        return value if isinstance(value, str) and value else None

    def pool_manager(self) -> urllib3.PoolManager:
        """A connection pool set up with this configuration's TLS, client cert and proxy."""
        from kubernetes.client.rest import RESTClientObject

        pool: urllib3.PoolManager = RESTClientObject(self.configuration).pool_manager
        return pool


def resolve(
    *,
    context: str | None,
    kubeconfig: Path | None,
    environ: Mapping[str, str],
    service_account: Path = SERVICE_ACCOUNT_DIR,
) -> ClusterConfig:
    """Pick the kubeconfig like kubectl (flag, then KUBECONFIG, then ~/.kube/config).

    With no kubeconfig at all, a process running in a pod uses its service account (token,
    CA and namespace mounted in ``service_account``).
    """
    if kubeconfig is not None:
        if kubeconfig.expanduser().is_dir():
            raise ConfigError(f"kubeconfig {kubeconfig} is a directory, not a kubeconfig file")
        if not kubeconfig.expanduser().is_file():
            raise ConfigError(f"kubeconfig {kubeconfig} does not exist")
        candidates = [str(kubeconfig.expanduser())]
    else:
        listed = environ.get("KUBECONFIG") or DEFAULT_KUBECONFIG
        candidates = [os.path.expanduser(p) for p in listed.split(os.pathsep) if p]
    existing = [p for p in candidates if os.path.isfile(p)]
    if existing:
        return _from_kubeconfig(existing, context)
    if kubeconfig is None and context is None and environ.get("KUBERNETES_SERVICE_HOST"):
        return _in_cluster(environ, service_account)
    raise ConfigError(
        f"no kubeconfig found (looked at {', '.join(candidates)})",
        hint="pass --kubeconfig or set KUBECONFIG, or read offline files with --from-file",
    )


def _from_kubeconfig(paths: list[str], context: str | None) -> ClusterConfig:
    import yaml
    from kubernetes.client import Configuration
    from kubernetes.config.config_exception import ConfigException
    from kubernetes.config.kube_config import KubeConfigLoader, KubeConfigMerger

    shown = os.pathsep.join(paths)
    try:
        merged = KubeConfigMerger(shown).config  # type: ignore[no-untyped-call]
        if merged is None:
            raise ConfigError(f"kubeconfig {shown} is empty")
        chosen = _context_name(merged.value, context, shown)
        loader = KubeConfigLoader(  # type: ignore[no-untyped-call]
            config_dict=merged, active_context=chosen, config_base_path=None
        )
        configuration = Configuration()
        with _client_log_captured() as problems:
            loader.load_and_set(configuration)  # type: ignore[no-untyped-call]
        details: Mapping[str, Any] = loader.current_context.get("context") or {}
        user = str(details.get("user") or "")
        plugin = _exec_plugin(merged, user)
    except (ConfigException, OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"cannot use kubeconfig {shown}: {exc}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"kubeconfig {shown} is not valid YAML: {exc}") from exc
    if plugin and not (configuration.api_key or configuration.cert_file):
        # the client logs a failed exec plugin and carries on without credentials
        reason = "; ".join(problems) or "it printed no token or client certificate"
        raise ConfigError(
            f'the credential plugin "{plugin}" of context "{chosen}" failed: {reason}',
            hint="run the plugin yourself to see its output, or log in again",
        )
    return ClusterConfig(
        host=configuration.host,
        namespace=str(details.get("namespace") or "default"),
        context=chosen,
        user=user,
        configuration=configuration,
    )


def _context_name(config: Mapping[str, Any], wanted: str | None, shown: str) -> str:
    names = [str(entry["name"]) for entry in config.get("contexts") or []]
    chosen = wanted or config.get("current-context")
    if not chosen:
        raise ConfigError(
            f"kubeconfig {shown} has no current context",
            hint=f"choose one with --context ({_choices(names)})",
        )
    if chosen not in names:
        raise ConfigError(
            f'context "{chosen}" is not in kubeconfig {shown}',
            hint=f"available contexts: {_choices(names)}",
        )
    return str(chosen)


def _exec_plugin(merged: Any, user: str) -> str:
    """The command of the user's exec credential plugin, or "" when it has none."""
    entry = merged["users"].get_with_name(user, safe=True) if user else None
    settings = entry.safe_get("user") if entry is not None else None
    plugin = settings.get("exec") if isinstance(settings, Mapping) else None
    return str(plugin.get("command") or "?") if isinstance(plugin, Mapping) else ""


def _in_cluster(environ: Mapping[str, str], mounted: Path) -> ClusterConfig:
    from kubernetes.client import Configuration
    from kubernetes.config.config_exception import ConfigException
    from kubernetes.config.incluster_config import InClusterConfigLoader

    configuration = Configuration()
    try:
        InClusterConfigLoader(  # type: ignore[no-untyped-call]
            token_filename=str(mounted / "token"),
            cert_filename=str(mounted / "ca.crt"),
            environ=environ,
        ).load_and_set(configuration)
    except (ConfigException, OSError) as exc:
        raise ConfigError(f"cannot use the in-cluster service account: {exc}") from exc
    try:
        namespace = (mounted / "namespace").read_text().strip()
    except OSError:
        namespace = ""
    return ClusterConfig(
        host=configuration.host,
        namespace=namespace or "default",
        context=None,
        user="",
        configuration=configuration,
    )


@contextmanager
def _client_log_captured() -> Iterator[list[str]]:
    """Collect what the client logs while loading credentials instead of letting it print."""
    problems: list[str] = []

    class _Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            problems.append(record.getMessage())

    root = logging.getLogger()
    handler = _Collect(logging.ERROR)
    root.addHandler(handler)
    try:
        yield problems
    finally:
        root.removeHandler(handler)


def _choices(names: list[str]) -> str:
    return ", ".join(names) if names else "the kubeconfig defines none"
