"""Serialised writes and named locks across processes and threads, freed when the holder dies."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from kubemedic.adapters.records import RecordsRepo
from kubemedic.errors import LockBusy
from tests.records.conftest import ALICE, append

WRITER = """
import sys
from pathlib import Path
from kubemedic.adapters.records import RecordsRepo
from kubemedic.models.identity import Author
root, name, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
repo = RecordsRepo.open(root)
for i in range(count):
    line = f"{name} {i}"
    repo.update("shared.md", lambda current: (current or "") + line + "\\n",
                author=Author(name, f"{name}@example.com"), message=line)
"""
HOLDER = """
import sys
from pathlib import Path
from kubemedic.adapters.records import RecordsRepo
with RecordsRepo.open(Path(sys.argv[1])).lock(sys.argv[2]):
    print("held", flush=True)
    sys.stdin.read()
"""


@contextmanager
def held_elsewhere(repo: RecordsRepo, name: str) -> Iterator[subprocess.Popen[str]]:
    """Another process holding lock ``name`` until its stdin closes (or it is killed)."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(repo.root), name],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == "held\n"
        yield process
    finally:
        process.kill()
        process.communicate()


def test_two_processes_writing_one_record_lose_nothing(repo: RecordsRepo) -> None:
    count = 15
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(repo.root), name, str(count)])
        for name in ("ann", "ben")
    ]
    assert [writer.wait(timeout=100) for writer in writers] == [0, 0]

    commits = [c for c in repo.history() if c.changes and c.changes[0].path == "shared.md"]
    assert len(commits) == 2 * count
    assert repo.read_text("shared.md") == "".join(c.message + "\n" for c in commits)
    for name in ("ann", "ben"):
        mine = [c.message for c in commits if c.author.name == name]
        assert mine == [f"{name} {i}" for i in range(count)]
    for commit in commits:  # each commit added exactly its own line to what was there
        before = repo.show(commit.parents[0], "shared.md") or ""
        assert repo.show(commit.sha, "shared.md") == before + commit.message + "\n"


def test_threads_sharing_one_repository_are_serialised(repo: RecordsRepo) -> None:
    def write(name: str) -> None:
        for i in range(8):
            repo.update("shared.md", append(f"{name} {i}"), author=ALICE, message=name)

    threads = [threading.Thread(target=write, args=(name,)) for name in ("t1", "t2")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    lines = (repo.read_text("shared.md") or "").splitlines()
    assert sorted(lines) == sorted(f"{name} {i}" for name in ("t1", "t2") for i in range(8))
    assert len(repo.history()) == 1 + 16


def test_a_second_holder_gives_up_naming_the_process_that_holds_it(repo: RecordsRepo) -> None:
    with held_elsewhere(repo, "op-7") as holder:
        with pytest.raises(LockBusy) as raised, repo.lock("op-7", timeout=0.2):
            pass

        assert f"process {holder.pid}" in str(raised.value)
        assert '"op-7"' in str(raised.value)
        with repo.lock("op-8", timeout=0.2):  # other names are free
            pass

        holder.communicate("")  # the holder finishes its step and exits
        with repo.lock("op-7", timeout=10):
            pass


def test_a_killed_holder_releases_its_lock(repo: RecordsRepo) -> None:
    with held_elsewhere(repo, "op-7") as holder:
        holder.kill()
        holder.wait()

        with repo.lock("op-7", timeout=10):
            pass


def test_a_waiter_gets_the_lock_when_the_holder_thread_lets_go(repo: RecordsRepo) -> None:
    taken, release = threading.Event(), threading.Event()

    def hold() -> None:
        with repo.lock("op-1"):
            taken.set()
            release.wait(timeout=10)

    holder = threading.Thread(target=hold, name="holder-thread")
    holder.start()
    taken.wait(timeout=10)
    with pytest.raises(LockBusy, match="holder-thread"), repo.lock("op-1", timeout=0.1):
        pass

    release.set()
    with repo.lock("op-1", timeout=10):
        pass
    holder.join()


def test_taking_a_lock_twice_in_one_thread_fails_at_once(repo: RecordsRepo) -> None:
    with (
        repo.lock("op-1"),
        pytest.raises(LockBusy, match="already held by this thread"),
        repo.lock("op-1", timeout=60),
    ):
        pass


def test_any_lock_name_stays_inside_the_repository(repo: RecordsRepo) -> None:
    with repo.lock("ops/../OP 1"):
        pass

    (lock_file,) = (repo.root / ".git" / "kubemedic" / "locks").iterdir()
    assert lock_file.name.endswith(".lock")
    assert "/" not in lock_file.name


def test_a_change_may_read_records_but_not_write_them(repo: RecordsRepo) -> None:
    repo.update("a.md", append("a"), author=ALICE, message="a")

    def copy_a(current: str | None) -> str:
        return repo.read_text("a.md") or ""

    assert repo.update("b.md", copy_a, author=ALICE, message="b").sha == repo.head()
    assert repo.read_text("b.md") == "a\n"

    def nested(current: str | None) -> str:
        repo.update("c.md", append("c"), author=ALICE, message="c")
        return "never\n"

    with pytest.raises(LockBusy):
        repo.update("b.md", nested, author=ALICE, message="nested")
    assert repo.files() == ("README.md", "a.md", "b.md")
