"""The ``helm`` executable, run as a child process: the only way kubemedic talks to Helm.

Helm keeps a release's history in Secrets and applies a revision's manifest with its own
three-way merge; reproducing that would be a second Helm. kubemedic instead runs the ``helm``
found on PATH with the cluster connection it was given (``--kubeconfig``, ``--kube-context``),
captures what it prints, and turns a missing executable, a non-zero exit or a run past its
timeout into errors that say so (with Helm's stderr).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kubemedic.errors import ClusterError, ConfigError

TIMEOUT = 120.0
"""Seconds one helm command may run (``--wait=false``: Helm only writes, it does not wait)."""
_SHOWN = 4000
"""Characters of helm's output kept in a message or a record."""


@dataclass(frozen=True, slots=True)
class HelmRun:
    """One helm command that ran: what was run, and what it printed."""

    argv: tuple[str, ...]
    exit_code: int
    stdout: str
    stderr: str

    @property
    def command(self) -> str:
        """The command as a person would type it (``helm`` for the executable's path)."""
        return " ".join(("helm", *self.argv[1:]))

    def to_data(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "exit_code": self.exit_code,
            "stdout": self.stdout[-_SHOWN:],
            "stderr": self.stderr[-_SHOWN:],
        }


class HelmFailed(ClusterError):
    """helm ran and exited non-zero, or ran past its timeout; ``run`` holds what it printed."""

    def __init__(self, message: str, run: HelmRun) -> None:
        super().__init__(message)
        self.run = run


@dataclass(frozen=True, slots=True)
class Helm:
    """The helm executable and the cluster connection to give it."""

    executable: str
    kubeconfig: Path | None = None
    context: str | None = None
    timeout: float = TIMEOUT

    @classmethod
    def find(
        cls, *, kubeconfig: Path | None = None, context: str | None = None, timeout: float = TIMEOUT
    ) -> Helm | None:
        """The ``helm`` on PATH, or None when it is not installed."""
        found = shutil.which("helm")
        return cls(found, kubeconfig, context, timeout) if found else None

    def rollback(
        self, release: str, revision: int, namespace: str, *, dry_run: bool = False
    ) -> HelmRun:
        """``helm rollback RELEASE REVISION`` without waiting for the rollout it starts."""
        args = ["rollback", release, str(revision), "--namespace", namespace, "--wait=false"]
        return self.run([*args, "--dry-run"] if dry_run else args)

    def history(self, release: str, namespace: str) -> list[dict[str, Any]]:
        """``helm history RELEASE -o json``: each revision with its status and description."""
        run = self.run(["history", release, "--namespace", namespace, "-o", "json"])
        try:
            entries = json.loads(run.stdout)
        except ValueError:
            raise HelmFailed(f"helm history {release} printed no JSON", run) from None
        if not isinstance(entries, list):
            raise HelmFailed(f"helm history {release} printed no list of revisions", run)
        return [e for e in entries if isinstance(e, dict)]

    def run(self, args: Sequence[str]) -> HelmRun:
        """Run ``helm ARGS`` with the connection flags; HelmFailed unless it exits 0."""
        argv = (self.executable, *args, *self._connection())
        try:
            done = subprocess.run(
                argv, capture_output=True, text=True, timeout=self.timeout, check=False
            )
        except subprocess.TimeoutExpired as exc:
            run = HelmRun(argv, -1, _text(exc.stdout), _text(exc.stderr))
            raise HelmFailed(
                f"{_shown(args)} did not finish within {self.timeout:g}s", run
            ) from None
        except OSError as exc:
            raise ConfigError(f"cannot run {self.executable}: {exc.strerror or exc}") from None
        run = HelmRun(argv, done.returncode, done.stdout, done.stderr)
        if done.returncode != 0:
            said = done.stderr.strip() or done.stdout.strip() or "no output"
            raise HelmFailed(f"{_shown(args)} exited with {done.returncode}: {said[-_SHOWN:]}", run)
        return run

    def _connection(self) -> list[str]:
        flags = ["--kubeconfig", str(self.kubeconfig)] if self.kubeconfig else []
        return flags + (["--kube-context", self.context] if self.context else [])


def _shown(args: Sequence[str]) -> str:
    return "helm " + " ".join(args[:3])


def _text(output: str | bytes | None) -> str:
    if isinstance(output, bytes):
        return output.decode(errors="replace")
    return output or ""
