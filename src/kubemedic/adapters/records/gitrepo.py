"""The records repository: Markdown records in git, one commit per state change, by its actor.

``RecordsRepo.update`` is the only way to write: under a lock every kubemedic process honours it
catches up with ``origin``, reads the record, lets the caller compute the new text, writes it
atomically and commits it as the acting person, then pushes (never forcing) or, without a remote,
notes the commit in a witness file kept outside history. Reads take the same lock shared, so they
never see a rebase half-way. What a killed kubemedic leaves behind (a written but uncommitted
record, a rebase) is undone on the next write; anything else in the way is reported, not discarded.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from kubemedic.adapters.records.gitcmd import Git, identity_env
from kubemedic.adapters.records.history import LOG_ARGS, CommitInfo, parse_log
from kubemedic.adapters.records.locks import hold
from kubemedic.adapters.records.refs import RefsUnreadable, head_commit
from kubemedic.adapters.records.signing import SignatureCheck, check_signature, signing_configured
from kubemedic.adapters.records.sync import (
    NETWORK_TIMEOUT,
    Remote,
    SyncFailed,
    recover,
    redacted,
    witness,
    witnessed,
)
from kubemedic.adapters.records.worktree import (
    checked_path,
    checked_rev,
    decoded,
    locate,
    read_record,
    write_atomically,
)
from kubemedic.errors import InputError, RecordsError
from kubemedic.models.identity import SYSTEM, Author

REPO_LOCK_TIMEOUT = 120.0
SIGNING_HINT = "kubemedic signs with SSH when git config has gpg.format=ssh and user.signingkey"
CLONE_TIMEOUT = 300.0
README = """\
# kubemedic records

This repository is kubemedic's audit trail of governed changes: one Markdown file per record, and
one commit per change of a record's state, authored by the person who acted.

Never edit these files by hand: kubemedic writes them. `kubemedic records verify` checks that every
record and its history are intact.
"""


@dataclass(frozen=True, slots=True)
class CommitResult:
    """The commit an update made, and whether it reached the remote."""

    sha: str
    pushed: bool | None
    """None: no remote configured"""
    push_error: str | None
    """why the push did not go through (the commit is kept locally)"""


class RecordsRepo:
    """A records repository on disk; get one with :meth:`open`."""

    root: Path

    def __init__(self, root: Path, git_dir: Path) -> None:
        self.root = root
        self._git = Git(root)
        self._git_dir = git_dir
        self._state = git_dir / "kubemedic"
        self._remote: Remote | None = None

    @classmethod
    def open(cls, root: Path, *, remote: str | None = None, create: bool = True) -> RecordsRepo:
        """Open the records at ``root``; create them (from ``remote`` if it has a main) if asked.

        ``remote`` sets ``origin`` or checks that it is already that URL; without it the
        repository's own ``origin``, if any, is used. Only repository-local config is written.
        """
        root = Path(root).expanduser().resolve()
        remote = _normalized(remote)
        if not (root / ".git").exists():
            _create(root, remote, create=create)
        repo = cls(root, _git_dir_of(root))
        repo._settle(remote, create=create)
        return repo

    def read_text(self, path: str) -> str | None:
        """The record's text, None when there is no such file."""
        path = checked_path(path)
        with self._lock(shared=True):
            return read_record(self.root, path)

    def files(self, under: str = "", suffix: str = ".md") -> tuple[str, ...]:
        """Tracked files in folder ``under`` (all when empty) whose names end in ``suffix``."""
        pathspec = (checked_path(under.removesuffix("/")),) if under else ()
        with self._lock(shared=True):
            listed = self._git.out("ls-files", "-z", "--", *pathspec)
        return tuple(sorted(p for p in listed.split("\0") if p and p.endswith(suffix)))

    def update(
        self,
        path: str,
        change: Callable[[str | None], str],
        *,
        author: Author,
        message: str,
        sign: bool = False,
    ) -> CommitResult:
        """Commit ``change(current text)`` to ``path`` as ``author``: the one way to write.

        If ``change`` raises, nothing is written and the exception propagates. A text equal to the
        current one is refused (RecordsError): every commit is a change. A failing commit restores
        the file. Push failures never raise; they come back in ``push_error``.
        """
        path = checked_path(path)
        if not message.strip():
            raise InputError("a commit message is required", path=path)
        env = identity_env(author)
        with self._lock(shared=False):
            self._prepare()
            blocked = None
            if self._remote is not None:
                try:
                    self._remote.catch_up(env, sign=sign)
                except SyncFailed as exc:
                    blocked = str(exc)
            current = read_record(self.root, path)
            text = change(current)
            if text == current:
                raise RecordsError(
                    f"{path}: the change leaves the record as it was; no commit made"
                )
            self._commit_file(path, text, env=env, message=message, sign=sign)
            return self._after_commit(env, sign=sign, blocked=blocked)

    def lock(self, name: str, *, timeout: float = 30.0) -> contextlib.AbstractContextManager[None]:
        """An exclusive lock for a step that must not run twice at once, across processes.

        Waits up to ``timeout`` seconds, then raises LockBusy naming the holder; released when the
        context ends or the holding process dies.
        """
        file_name = quote(name, safe="") + ".lock"
        if not name or len(file_name) > 240:
            raise InputError(f"lock name {name!r} is empty or too long for a file name")
        return hold(
            self._state / "locks" / file_name,
            what=f'the lock "{name}" of {self.root}',
            timeout=timeout,
        )

    def history(self) -> tuple[CommitInfo, ...]:
        """Every commit reachable from HEAD, oldest first (topological)."""
        with self._lock(shared=True):
            if self._git.commit_of("HEAD") is None:
                return ()
            return parse_log(self._git.out(*LOG_ARGS, "HEAD", "--"))

    def show(self, sha: str, path: str) -> str | None:
        """The text of ``path`` at commit ``sha``, None when it had no such file."""
        rev, path = checked_rev(sha), checked_path(path)
        with self._lock(shared=True):
            blob = self._git.run("cat-file", "blob", f"{rev}:{path}")
            if not blob.ok:
                if self._git.commit_of(rev) is None:
                    raise RecordsError(f"no commit {sha} in {self.root}")
                return None
        return decoded(blob.stdout, f"{path} at {sha}")

    def blob_texts(self, objects: Iterable[str]) -> dict[str, str | None]:
        """The text of each blob named by its id (``blobs``, a change's ``before``/``after``)
        with one git process; None for an id that is not a blob here.

        Cheaper than naming (commit, path) pairs for a whole history: git finds each content
        by its id instead of walking a commit's tree for every path.
        """
        ids = list(dict.fromkeys(checked_rev(object_id) for object_id in objects))
        return dict(zip(ids, self._cat([(i, f"blob {i}") for i in ids]), strict=True))

    def _cat(self, wanted: list[tuple[str, str]]) -> list[str | None]:
        """The blobs ``git cat-file --batch`` gives for (object name, what to call it) pairs."""
        if not wanted:
            return []
        request = "".join(f"{name}\n" for name, _ in wanted).encode("utf-8")
        with self._lock(shared=True):
            output = self._git.run("cat-file", "--batch", stdin=request)
        if not output.ok:
            raise RecordsError(f"git cat-file failed in {self.root}: {output.message}")
        found: list[str | None] = []
        data, at = output.stdout, 0
        for _, where in wanted:
            end = data.index(b"\n", at)
            header = data[at:end].split()
            at = end + 1
            if len(header) < 3:
                found.append(None)  # "missing" (or "ambiguous"): no content follows
                continue
            size = int(header[2])
            is_file = header[1] == b"blob"  # not a folder or a submodule's commit
            found.append(decoded(data[at : at + size], where) if is_file else None)
            at += size + 1
        return found

    def head(self) -> str | None:
        """The sha of HEAD, None before the first commit (read from the ref files if it can)."""
        with self._lock(shared=True):
            try:
                return head_commit(self._git_dir)
            except RefsUnreadable:
                return self._git.commit_of("HEAD")

    def blobs(self, commit: str, *under: str) -> dict[str, str]:
        """The files in the folders ``under`` at ``commit`` (path order) and their blob ids."""
        rev = checked_rev(commit)
        folders = [checked_path(folder.removesuffix("/")) for folder in under]
        with self._lock(shared=True):
            listed = self._git.out("ls-tree", "-r", "-z", "--full-tree", rev, "--", *folders)
        found = {}
        for entry in listed.split("\0"):
            info, _, path = entry.partition("\t")
            fields = info.split(" ")
            if len(fields) == 3 and fields[1] == "blob":
                found[path] = fields[2]
        return dict(sorted(found.items()))

    def is_ancestor(self, sha: str, of: str = "HEAD") -> bool:
        """True when ``sha`` is in the history of ``of`` (a commit is its own); False if unknown."""
        ancestor, descendant = checked_rev(sha), checked_rev(of)
        with self._lock(shared=True):
            return self._git.is_ancestor(ancestor, descendant)

    def witnessed(self) -> tuple[str, ...]:
        """Heads this repository saw committed (no remote) or pushed, oldest first."""
        with self._lock(shared=True):
            return witnessed(self._state)

    def remote_head(self) -> str | None:
        """origin's main after a fetch; None without a remote or while origin has no main."""
        if self._remote is None:
            return None
        with self._lock(shared=False):
            try:
                return self._remote.fetch()
            except SyncFailed as exc:
                raise RecordsError(str(exc)) from None

    def signing_configured(self) -> bool:
        """True when commits made with ``sign=True`` are signed with an SSH key."""
        return signing_configured(self._git)

    def verify_signature(self, sha: str, allowed_signers: Path) -> SignatureCheck:
        """What the signature of ``sha`` proves, judged by an ``allowed_signers`` file."""
        return check_signature(self._git, checked_rev(sha), allowed_signers)

    def _lock(self, *, shared: bool) -> contextlib.AbstractContextManager[None]:
        return hold(
            self._state / "repo.lock",
            what=f"the records repository {self.root}",
            timeout=REPO_LOCK_TIMEOUT,
            shared=shared,
        )

    def _settle(self, remote: str | None, *, create: bool) -> None:
        """Recover, set up origin, and start an empty repository.

        A tree edited by hand or off main is refused by the next write, not here, so that
        reading and verifying it still work.
        """
        with self._lock(shared=False):
            unborn = self._git.commit_of("HEAD") is None
            if unborn:
                self._git.out("symbolic-ref", "HEAD", "refs/heads/main")
            self._recover()
            self._remote = self._configure_remote(remote)
            if unborn and create:
                env = identity_env(SYSTEM.author)
                message = "Start the kubemedic records\n"
                self._commit_file("README.md", README, env=env, message=message, sign=False)
                self._after_commit(env, sign=False, blocked=None)

    def _configure_remote(self, url: str | None) -> Remote | None:
        configured = self._git.run("config", "--get", "remote.origin.url")
        current = configured.text.strip() if configured.ok else None
        if url is not None and current is None:
            self._git.out("remote", "add", "--", "origin", url)
            current = url
        elif url is not None and current != url:
            raise RecordsError(
                f"the records repository {self.root} has origin {redacted(current or '')}, "
                f"not {redacted(url)}",
                hint=f"if the records moved: git -C {self.root} remote set-url origin <new URL>",
            )
        return None if current is None else Remote(self._git, self._git_dir, self._state, current)

    def _recover(self) -> None:
        """Undo what a killed kubemedic left (a rebase it started, a write it never committed)."""
        recover(self._git, self._git_dir, self._state)
        journal = self._state / "pending-write"
        if journal.exists():
            self._restore(checked_path(journal.read_text(encoding="utf-8")))

    def _prepare(self) -> None:
        """Recover, then refuse to write on a tree that is not on main or not clean."""
        self._recover()
        branch, changed = self._status()
        if branch != "main":
            raise RecordsError(
                f"the records repository {self.root} is not on branch main (HEAD: {branch})",
                hint=f"records live on main: git -C {self.root} switch main "
                f"(or rename the branch: git -C {self.root} branch -m main)",
            )
        if changed:
            listed = ", ".join(changed[:5]) + (", ..." if len(changed) > 5 else "")
            raise RecordsError(
                f"the records repository {self.root} has changes never committed: {listed}",
                hint=f"records change only through kubemedic; look at them (git -C {self.root} "
                f"diff HEAD) and, once sure they are not needed, discard them "
                f"(git -C {self.root} reset --hard)",
            )

    def _status(self) -> tuple[str, list[str]]:
        """The checked-out branch (or "(detached)") and the tracked paths that differ from HEAD."""
        tokens = iter(
            self._git.out(
                "status", "--porcelain=v2", "--branch", "-z", "--untracked-files=no"
            ).split("\0")
        )
        branch, changed = "(detached)", []
        for token in tokens:
            if token.startswith("# branch.head "):
                branch = token.removeprefix("# branch.head ")
            elif token.startswith(("1 ", "2 ", "u ")):
                fields_before_path = {"1": 8, "2": 9, "u": 10}[token[0]]
                changed.append(token.split(" ", fields_before_path)[-1])
                if token[0] == "2":
                    next(tokens, None)  # a rename's original path
        return branch, changed

    def _commit_file(
        self, path: str, text: str, *, env: dict[str, str], message: str, sign: bool
    ) -> None:
        """Write ``text`` to ``path`` and commit it; on any failure the file is as it was."""
        target = locate(self.root, path)
        journal = self._state / "pending-write"
        journal.write_text(path, encoding="utf-8")
        try:
            write_atomically(target, text)
            self._git.out("add", "--", path)
            committed = self._git.run(
                "commit",
                "--quiet",
                "--cleanup=verbatim",
                "--file=-",
                "--gpg-sign" if sign else "--no-gpg-sign",
                "--",
                path,
                stdin=message.encode("utf-8"),
                env=env,
            )
            if not committed.ok:
                raise RecordsError(
                    f"could not commit {path} in {self.root}: {committed.message}",
                    hint=SIGNING_HINT if sign else None,
                )
        except BaseException:
            with contextlib.suppress(RecordsError, OSError):  # if not now, on the next write
                self._restore(path)
            raise
        journal.unlink()

    def _restore(self, path: str) -> None:
        """Put ``path`` back as HEAD has it (removing it if HEAD has none), index included."""
        if self._git.run("cat-file", "-e", f"HEAD:{path}").ok:
            self._git.out("checkout", "--quiet", "HEAD", "--", path)
        else:
            self._git.out("rm", "--quiet", "--cached", "--ignore-unmatch", "--", path)
            (self.root / path).unlink(missing_ok=True)
        (self._state / "pending-write").unlink(missing_ok=True)

    def _after_commit(
        self, env: dict[str, str], *, sign: bool, blocked: str | None
    ) -> CommitResult:
        """Push (or, without a remote, witness) the new commit."""
        if self._remote is None:
            sha = self._head_sha()
            witness(self._state, sha)
            return CommitResult(sha, None, None)
        error = blocked if blocked is not None else self._remote.publish(env, sign=sign)
        sha = self._head_sha()
        if error is None:
            witness(self._state, sha)
            return CommitResult(sha, True, None)
        return CommitResult(sha, False, f"{error}; the commit is kept here for the next push")

    def _head_sha(self) -> str:
        sha = self._git.commit_of("HEAD")
        if sha is None:
            raise RecordsError(f"HEAD of {self.root} names no commit right after a commit")
        return sha


def _create(root: Path, remote: str | None, *, create: bool) -> None:
    """Make ``root`` a git repository on main: a clone of ``remote`` if it has a main."""
    if root.exists() and (not root.is_dir() or any(root.iterdir())):
        raise RecordsError(
            f"{root} is not a git repository and not empty, so it cannot hold the records",
            hint="point kubemedic at a new or empty directory for its records",
        )
    if not create:
        raise RecordsError(
            f"there is no records repository at {root}",
            hint="check the records path in the settings; kubemedic creates it on first use",
        )
    root.mkdir(parents=True, exist_ok=True)
    git = Git(root)
    if remote is not None:
        listed = git.run(
            "ls-remote", "--heads", "--", remote, "refs/heads/main", timeout=NETWORK_TIMEOUT
        )
        if not listed.ok:
            raise RecordsError(
                f"cannot start the records at {root} from {redacted(remote)}: {listed.message}",
                hint="check the remote URL and that this machine can reach it",
            )
        if listed.text.strip():
            cloned = git.run(
                "clone", "--quiet", "--branch", "main", "--", remote, ".", timeout=CLONE_TIMEOUT
            )
            if not cloned.ok and not (root / ".git").exists():
                raise RecordsError(
                    f"could not clone {redacted(remote)} into {root}: {cloned.message}"
                )
            return
    git.out("init", "--quiet", "--initial-branch=main")


def _normalized(remote: str | None) -> str | None:
    """A remote that is a directory here becomes its absolute path, as git clone would store it."""
    if remote is None or "://" in remote or not Path(remote).expanduser().is_dir():
        return remote
    return str(Path(remote).expanduser().resolve())


def _git_dir_of(root: Path) -> Path:
    result = Git(root).run("rev-parse", "--show-toplevel", "--absolute-git-dir")
    lines = result.text.splitlines()
    if not result.ok or len(lines) != 2 or Path(lines[0]).resolve() != root:
        raise RecordsError(f"git cannot use {root} as a repository: {result.message}")
    return Path(lines[1])
