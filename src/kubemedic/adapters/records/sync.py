"""Records in step with ``origin``: fetch, rebase local commits on top, push; never force.

Every head pushed (or, without a remote, committed) is noted in a witness file that lives in
``.git/kubemedic``, outside history; a fetched main that no longer contains the last one, or the
head fetched before, was rewritten, and is not followed.

A remote that cannot be reached, a conflict, or a remote whose history was rewritten never loses a
local commit: the step stops, the commits stay on the local ``main`` for the next push, and the
reason is returned for the caller to report. A rebase is marked in ``.git/kubemedic`` while it
runs, so one interrupted by a dead process is recognised as kubemedic's and aborted next time.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from kubemedic.adapters.records.gitcmd import Git
from kubemedic.errors import RecordsError

MAX_PUSHES = 3
NETWORK_TIMEOUT = 30.0
TRACKING_REF = "refs/remotes/origin/main"
_REBASE_MARKER = "rebasing"
_WITNESS = "witness"


class SyncFailed(Exception):
    """The local branch could not be brought in step with origin; the message says why."""


class Remote:
    """``origin``'s ``main`` as seen from one local repository."""

    def __init__(self, git: Git, git_dir: Path, state: Path, url: str) -> None:
        self.git = git
        self.git_dir = git_dir
        self.state = state
        self.url = url
        self.shown = redacted(url)

    def fetch(self) -> str | None:
        """origin's main after a fetch, None when origin has no main yet.

        Raises SyncFailed when origin cannot be reached, or when its main no longer contains a
        head fetched or pushed before (history rewritten there): kubemedic never follows a rewrite.
        """
        seen = (self.git.commit_of(TRACKING_REF), *witnessed(self.state)[-1:])
        fetched = self.git.run(
            *("fetch", "--quiet", "--no-tags", "--refmap=", "origin", "refs/heads/main"),
            timeout=NETWORK_TIMEOUT,
        )
        if not fetched.ok:
            if not fetched.timed_out and self._has_no_main():
                return None
            raise SyncFailed(f"could not reach origin ({self.shown}): {fetched.message}")
        new = self.git.out("rev-parse", "FETCH_HEAD^{commit}").strip()
        for old in filter(None, seen):
            if not self.git.is_ancestor(old, new):
                raise SyncFailed(
                    f"origin/main ({self.shown}) was rewritten: {old[:12]}, seen there before, is "
                    "no longer in its history; kubemedic does not follow rewritten history"
                )
        self.git.out("update-ref", TRACKING_REF, new)
        return new

    def _has_no_main(self) -> bool:
        listed = self.git.run(
            "ls-remote", "--heads", "origin", "refs/heads/main", timeout=NETWORK_TIMEOUT
        )
        return listed.ok and not listed.text.strip()

    def catch_up(self, env: Mapping[str, str], *, sign: bool) -> None:
        """Rebase the local commits that origin does not have onto origin's main.

        With ``sign`` the replayed commits are signed again, with this user's key (a rebase drops
        signatures); they are this machine's own commits that never reached origin.
        """
        remote_head = self.fetch()
        if remote_head is None or self.git.is_ancestor(remote_head, "HEAD"):
            return
        if not self.git.run("merge-base", "HEAD", remote_head).ok:
            raise SyncFailed(
                f"the local records and origin/main ({self.shown}) have unrelated histories; "
                "nothing is pushed until a person joins them"
            )
        marker = self.state / _REBASE_MARKER
        marker.write_text(remote_head + "\n", encoding="utf-8")
        signing = "--gpg-sign" if sign else "--no-gpg-sign"
        rebased = self.git.run("rebase", "--quiet", "--no-autostash", signing, remote_head, env=env)
        if not rebased.ok and rebase_in_progress(self.git_dir):
            self.git.out("rebase", "--abort")
        marker.unlink()
        if not rebased.ok:
            lines = f"{rebased.text}\n{rebased.stderr}".splitlines()
            conflicts = [line for line in lines if line.startswith("CONFLICT")]
            why = "; ".join(conflicts) or rebased.message.splitlines()[0]
            raise SyncFailed(
                f"local commits could not be replayed onto origin/main ({self.shown}): {why}; "
                f"join them by hand: git -C {self.git.cwd} pull --rebase origin main"
            )

    def publish(self, env: Mapping[str, str], *, sign: bool) -> str | None:
        """Push HEAD to origin's main, rebasing when origin moved on; why it failed, or None."""
        for _ in range(MAX_PUSHES):
            pushed = self.git.run(
                "push",
                "--quiet",
                "origin",
                "HEAD:refs/heads/main",
                env=env,
                timeout=NETWORK_TIMEOUT,
            )
            if pushed.ok:
                self.git.out("update-ref", TRACKING_REF, "HEAD")
                return None
            before = self.git.commit_of("HEAD")
            try:
                self.catch_up(env, sign=sign)
            except (SyncFailed, RecordsError) as exc:  # the commit is made: report, never raise
                return str(exc)
            if self.git.commit_of("HEAD") == before:  # origin did not move: not a race to retry
                return f"origin ({self.shown}) refused the push: {pushed.message}"
        return f"origin/main ({self.shown}) kept moving; gave up after {MAX_PUSHES} pushes"


def rebase_in_progress(git_dir: Path) -> bool:
    return any((git_dir / name).exists() for name in ("rebase-merge", "rebase-apply"))


def recover(git: Git, git_dir: Path, state: Path) -> None:
    """Abort a rebase kubemedic started and did not finish; refuse to touch anyone else's."""
    marker = state / _REBASE_MARKER
    if marker.exists():
        if rebase_in_progress(git_dir):
            git.out("rebase", "--abort")
        marker.unlink()
    elif rebase_in_progress(git_dir):
        raise RecordsError(
            f"a rebase is in progress in {git.cwd} that kubemedic did not start",
            hint=f"finish it, or run: git -C {git.cwd} rebase --abort",
        )


def witness(state: Path, sha: str) -> None:
    """Note ``sha`` as a head seen committed or pushed: a later history must still contain it."""
    with (state / _WITNESS).open("a", encoding="utf-8") as file:
        file.write(sha + "\n")
        file.flush()
        os.fsync(file.fileno())


def witnessed(state: Path) -> tuple[str, ...]:
    try:
        return tuple((state / _WITNESS).read_text(encoding="utf-8").split())
    except FileNotFoundError:
        return ()


def redacted(url: str) -> str:
    """``url`` fit for a message: a user name or token in it is replaced by ``***``."""
    scheme, separator, rest = url.partition("://")
    authority, slash, path = rest.partition("/")
    if not separator or "@" not in authority:
        return url
    return f"{scheme}://***@{authority.rpartition('@')[2]}{slash}{path}"
