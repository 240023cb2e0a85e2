"""The files a running sandbox leaves in its state directory, and the kubeconfig among them.

``kubemedic sandbox up`` writes them and every other ``sandbox`` command reads them, which is
how several sandboxes run side by side: one directory each, chosen with ``--state-dir``.

    kubeconfig     contexts kubemedic-sandbox (admin) and kubemedic-sandbox-readonly
    ca.crt         the CA that signed the API server's certificate
    pid            the server process
    port           the HTTPS API port
    metrics-port   the Prometheus endpoint's port
    server.log     what the server process logged
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

CONTEXT = "kubemedic-sandbox"
READONLY_CONTEXT = "kubemedic-sandbox-readonly"
DEFAULT_STATE_DIR = Path("~/.kubemedic/sandbox")


@dataclass(frozen=True, slots=True)
class StateDir:
    """Paths of one sandbox's state files."""

    root: Path

    @classmethod
    def at(cls, root: Path | None) -> StateDir:
        return cls((root or DEFAULT_STATE_DIR).expanduser().resolve())

    @property
    def kubeconfig(self) -> Path:
        return self.root / "kubeconfig"

    @property
    def ca(self) -> Path:
        return self.root / "ca.crt"

    @property
    def pid(self) -> Path:
        return self.root / "pid"

    @property
    def port(self) -> Path:
        return self.root / "port"

    @property
    def metrics_port(self) -> Path:
        return self.root / "metrics-port"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    def prepare(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)

    def read_int(self, path: Path) -> int | None:
        try:
            return int(path.read_text(encoding="utf-8").strip())
        except (OSError, ValueError):
            return None

    def write_private(self, path: Path, text: str) -> None:
        """Write ``text`` readable by the owner only (the kubeconfig holds tokens)."""
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)

    def clear_runtime_files(self) -> None:
        for path in (self.pid, self.port, self.metrics_port):
            path.unlink(missing_ok=True)


def kubeconfig_text(server_url: str, ca_pem: bytes, admin_token: str, readonly_token: str) -> str:
    """A kubeconfig with an admin and a read-only context for the sandbox at ``server_url``."""
    ca_data = base64.b64encode(ca_pem).decode()
    config: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [
            {
                "name": CONTEXT,
                "cluster": {"server": server_url, "certificate-authority-data": ca_data},
            }
        ],
        "users": [
            {"name": f"{CONTEXT}-admin", "user": {"token": admin_token}},
            {"name": f"{CONTEXT}-readonly", "user": {"token": readonly_token}},
        ],
        "contexts": [
            {
                "name": CONTEXT,
                "context": {"cluster": CONTEXT, "user": f"{CONTEXT}-admin", "namespace": "default"},
            },
            {
                "name": READONLY_CONTEXT,
                "context": {
                    "cluster": CONTEXT,
                    "user": f"{CONTEXT}-readonly",
                    "namespace": "default",
                },
            },
        ],
        "current-context": CONTEXT,
    }
    return yaml.safe_dump(config, sort_keys=False)


@dataclass(frozen=True, slots=True)
class Connection:
    """How to reach a sandbox, read back from its kubeconfig."""

    server_url: str
    ca_pem: bytes
    token: str


def read_connection(kubeconfig: Path, *, readonly: bool = False) -> Connection:
    """The server, CA and token of the admin (or read-only) context of a sandbox kubeconfig."""
    config = yaml.safe_load(kubeconfig.read_text(encoding="utf-8")) or {}
    cluster = next(c["cluster"] for c in config["clusters"] if c["name"] == CONTEXT)
    user_name = f"{CONTEXT}-readonly" if readonly else f"{CONTEXT}-admin"
    user = next(u["user"] for u in config["users"] if u["name"] == user_name)
    return Connection(
        server_url=str(cluster["server"]),
        ca_pem=base64.b64decode(cluster["certificate-authority-data"]),
        token=str(user["token"]),
    )
