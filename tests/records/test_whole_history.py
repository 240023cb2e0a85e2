"""Reading a whole history stays a handful of git processes: ``records verify`` on a longer trail
starts no more of them, and the object ids ``history`` gives read the same texts as commit and
path do."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kubemedic.adapters.records import RecordsRepo
from kubemedic.models.policy import Policy
from kubemedic.services.records import RecordStore
from kubemedic.services.trail import verify_trail
from kubemedic.services.workspace import Workspace
from tests.records.conftest import ALICE, close_incident, git, open_incident


@pytest.fixture
def git_processes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A log with one line per git process started from now on (a ``git`` first on PATH)."""
    real = shutil.which("git")
    assert real is not None
    shims, log = tmp_path / "shims", tmp_path / "git-processes.log"
    shims.mkdir()
    shim = shims / "git"
    shim.write_text(f'#!/bin/sh\necho "$1" >> "{log}"\nexec "{real}" "$@"\n')
    shim.chmod(0o755)
    monkeypatch.setenv("PATH", f"{shims}:{Path(real).parent}")
    log.touch()
    return log


def _started_by_verify(store: RecordStore, log: Path) -> list[str]:
    log.write_text("")
    check = verify_trail(Workspace(store=store, policy=Policy()))
    assert check.problems == ()
    return log.read_text().splitlines()


def test_verify_starts_as_many_git_processes_for_a_long_history_as_for_a_short_one(
    tmp_path: Path, git_processes: Path
) -> None:
    store = RecordStore.open(tmp_path / "records")
    close_incident(store, open_incident(store, 1))
    short = _started_by_verify(store, git_processes)
    for number in range(2, 6):
        close_incident(store, open_incident(store, number))
    assert _started_by_verify(store, git_processes) == short
    assert len(short) < 10


def test_the_objects_a_change_names_hold_the_texts_at_its_commit_and_its_parent(
    repo: RecordsRepo,
) -> None:
    repo.update("ops/a.md", lambda _: "one\n", author=ALICE, message="a")
    repo.update("ops/a.md", lambda text: f"{text}two\n", author=ALICE, message="b")
    git(repo.root, "rm", "--quiet", "ops/a.md")
    git(repo.root, "commit", "--quiet", "-m", "gone")
    *_, added, modified, deleted = repo.history()
    [add], [change], [delete] = added.changes, modified.changes, deleted.changes
    assert add.before is None
    assert delete.after is None
    assert change.before == add.after
    assert delete.before == change.after
    assert change.before is not None
    assert change.after is not None
    texts = repo.blob_texts([change.before, change.after])
    assert texts[change.before] == repo.show(added.sha, "ops/a.md") == "one\n"
    assert texts[change.after] == repo.show(modified.sha, "ops/a.md") == "one\ntwo\n"


def test_a_folder_among_the_texts_asked_for_reads_as_no_text(repo: RecordsRepo) -> None:
    sha = repo.update("ops/a.md", lambda _: "one\n", author=ALICE, message="a").sha
    folder = git(repo.root, "rev-parse", f"{sha}:ops").strip()
    text = repo.blobs(sha, "ops")["ops/a.md"]
    assert repo.blob_texts([folder, text]) == {folder: None, text: "one\n"}
