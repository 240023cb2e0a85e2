"""Real git in temp directories, with a HOME of its own: the user's git config plays no part."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kubemedic.adapters.records import RecordsRepo
from kubemedic.models.identity import SYSTEM, Author
from kubemedic.models.records import RecordKind
from kubemedic.services.records import RecordStore, Step

ALICE = Author("Alice Example", "alice@example.com")
BOB = Author("Bob Example", "bob@example.com")


@pytest.fixture(autouse=True)
def _git_without_user_config(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No global or system git config and no git identity: like a fresh machine or a pod."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in (
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "GIT_COMMITTER_NAME",
        "GIT_COMMITTER_EMAIL",
        "EMAIL",
        "GIT_DIR",
        "GIT_WORK_TREE",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def repo(tmp_path: Path) -> RecordsRepo:
    return RecordsRepo.open(tmp_path / "records")


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    """A bare repository that, like a protected branch, refuses any push but a fast-forward."""
    bare = tmp_path / "origin.git"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(bare))
    git(bare, "config", "receive.denyNonFastForwards", "true")
    git(bare, "config", "receive.denyDeletes", "true")
    return bare


def git(cwd: Path, *args: str) -> str:
    """Run git as a person would, with an identity of its own."""
    identity = ["-c", "user.name=Tester", "-c", "user.email=tester@example.com"]
    done = subprocess.run(
        ["git", *identity, *args], cwd=cwd, capture_output=True, text=True, check=True
    )
    return done.stdout


def append(line: str) -> Callable[[str | None], str]:
    """A change that appends one line to the record (creating it when absent)."""
    return lambda current: (current or "") + line + "\n"


AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def open_incident(store: RecordStore, number: int) -> str:
    """Open incident ``number``, created ``number`` minutes after ``AT``; its id."""
    record_id = f"INC-20261207-{number:06x}"
    store.create(
        RecordKind.INCIDENT,
        record_id,
        {"created_at": (AT + timedelta(minutes=number)).isoformat(), "title": f"number {number}"},
        title=f"Incident {number}",
        intro="A crash loop.",
        first=Step("opened", "open", {}, "Opened."),
        actor=SYSTEM,
        at=AT,
        message=f"{record_id}: opened",
    )
    return record_id


def close_incident(store: RecordStore, record_id: str) -> None:
    step = Step("closed", "closed", {}, "Closed.")
    store.append(record_id, step, actor=SYSTEM, at=AT, message=f"{record_id}: closed")
