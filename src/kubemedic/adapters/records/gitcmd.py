"""Runs the git binary for the records repository: list arguments, no shell, a clean environment.

The environment drops every variable that would point git at another repository (kubemedic may run
inside a git hook), never prompts for credentials, reads pathspecs literally, and a network command
that hangs is killed with its whole process group (ssh included) after a timeout.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from kubemedic.errors import RecordsError
from kubemedic.models.identity import Author

_REPOSITORY_VARIABLES = frozenset(
    {  # what `git rev-parse --local-env-vars` lists: they would redirect git elsewhere
        "GIT_ALTERNATE_OBJECT_DIRECTORIES",
        "GIT_COMMON_DIR",
        "GIT_CONFIG",
        "GIT_CONFIG_COUNT",
        "GIT_CONFIG_PARAMETERS",
        "GIT_DIR",
        "GIT_GRAFT_FILE",
        "GIT_IMPLICIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_NO_REPLACE_OBJECTS",
        "GIT_OBJECT_DIRECTORY",
        "GIT_PREFIX",
        "GIT_REPLACE_REF_BASE",
        "GIT_SHALLOW_FILE",
        "GIT_WORK_TREE",
    }
)
_TIMED_OUT = -1
_FIXED = {"GIT_TERMINAL_PROMPT": "0", "GIT_LITERAL_PATHSPECS": "1", "GIT_OPTIONAL_LOCKS": "0"}


@dataclass(frozen=True, slots=True)
class GitResult:
    """What one git command did: its exit status and output."""

    returncode: int
    stdout: bytes
    stderr: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def timed_out(self) -> bool:
        return self.returncode == _TIMED_OUT

    @property
    def text(self) -> str:
        return self.stdout.decode("utf-8", errors="replace")

    @property
    def message(self) -> str:
        """git's own explanation, for a person: stderr, else stdout, else the exit status."""
        return (
            self.stderr.strip() or self.text.strip() or f"git exited with status {self.returncode}"
        )


def identity_env(author: Author) -> dict[str, str]:
    """Author and committer for commits and rebases, so no git identity needs to be configured."""
    return {
        "GIT_AUTHOR_NAME": author.name,
        "GIT_AUTHOR_EMAIL": author.email,
        "GIT_COMMITTER_NAME": author.name,
        "GIT_COMMITTER_EMAIL": author.email,
    }


class Git:
    """The git binary, run in one directory."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd

    def run(
        self,
        *args: str,
        stdin: bytes | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> GitResult:
        """Run ``git <args>``; a non-zero exit is returned, not raised (see :meth:`out`)."""
        environment = {k: v for k, v in os.environ.items() if k not in _REPOSITORY_VARIABLES}
        environment.update(_FIXED)
        environment.update(env or {})
        try:
            process = subprocess.Popen(
                ["git", *args],
                cwd=self.cwd,
                env=environment,
                stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=timeout is not None,  # so a timeout can end ssh with git
            )
        except FileNotFoundError as exc:
            raise RecordsError(
                "git is not installed; the records repository needs it",
                hint="install git (2.31 or later) and try again",
            ) from exc
        with process:
            try:
                out, err = process.communicate(stdin, timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill(process, group=True)
                process.communicate()
                return GitResult(
                    _TIMED_OUT, b"", f"git {args[0]} gave no answer within {timeout:g}s"
                )
            except BaseException:  # Ctrl-C: git must not outlive the step it was part of
                _kill(process, group=timeout is not None)
                raise
        return GitResult(process.returncode, out, err.decode("utf-8", errors="replace"))

    def out(
        self,
        *args: str,
        stdin: bytes | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> str:
        """Return its output; a failure is a RecordsError with git's words."""
        result = self.run(*args, stdin=stdin, env=env, timeout=timeout)
        if not result.ok:
            raise RecordsError(f"git {args[0]} failed in {self.cwd}: {result.message}")
        return result.text

    def commit_of(self, rev: str) -> str | None:
        """The full sha ``rev`` names, None when it names no commit (or HEAD has none yet)."""
        result = self.run("rev-parse", "-q", "--verify", "--end-of-options", f"{rev}^{{commit}}")
        sha = result.text.strip()
        return sha if result.ok and sha else None

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        """True when ``ancestor`` is in the history of ``descendant`` (a commit is its own)."""
        return self.run("merge-base", "--is-ancestor", "--end-of-options", ancestor, descendant).ok


def _kill(process: subprocess.Popen[bytes], *, group: bool) -> None:
    with contextlib.suppress(ProcessLookupError):
        if group:
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
