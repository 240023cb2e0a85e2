"""The records repository on one machine: creating it, writing records as commits, reading it."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC
from pathlib import Path

import pytest

from kubemedic.adapters.records import FileChange, RecordsRepo
from kubemedic.errors import InputError, RecordsError
from tests.records.conftest import ALICE, BOB, append, git


class Refusal(Exception):
    """What a lifecycle rule raises from inside a change."""


def test_first_use_creates_a_repository_on_main_with_a_readme(tmp_path: Path) -> None:
    repo = RecordsRepo.open(tmp_path / "deep" / "records")

    (start,) = repo.history()
    assert repo.files() == ("README.md",)
    readme = repo.read_text("README.md") or ""
    assert "never edit" in readme.lower()
    assert "kubemedic records verify" in readme
    assert start.changes == (FileChange("A", "README.md"),)
    assert git(repo.root, "symbolic-ref", "HEAD").strip() == "refs/heads/main"
    assert git(repo.root, "config", "--list", "--show-origin").count("file:.git/config") > 0


def test_reopening_keeps_what_is_there(repo: RecordsRepo) -> None:
    repo.update("a.md", append("one"), author=ALICE, message="a")

    again = RecordsRepo.open(repo.root, create=False)

    assert again.history() == repo.history()
    assert again.read_text("a.md") == "one\n"


def test_an_empty_existing_directory_becomes_the_repository(tmp_path: Path) -> None:
    (tmp_path / "records").mkdir()

    assert RecordsRepo.open(tmp_path / "records").files() == ("README.md",)


def test_a_directory_with_other_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine\n")

    with pytest.raises(RecordsError) as raised:
        RecordsRepo.open(tmp_path)

    assert str(tmp_path) in str(raised.value)
    assert "not a git repository" in str(raised.value)
    assert "empty directory" in str(raised.value)
    assert not (tmp_path / ".git").exists()


def test_missing_repository_without_create_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RecordsError, match="no records repository"):
        RecordsRepo.open(tmp_path / "records", create=False)

    assert not (tmp_path / "records").exists()


def test_each_update_is_one_commit_by_the_acting_person(repo: RecordsRepo) -> None:
    first = repo.update("ops/op-1.md", append("created"), author=ALICE, message="Create op-1")
    second = repo.update(
        "ops/op-1.md", append("approved"), author=BOB, message="Approve op-1\n\n# by Bob\n"
    )

    *_, created, approved = repo.history()
    assert (created.sha, approved.sha) == (first.sha, second.sha)
    assert approved.parents == (created.sha,)
    assert (created.author, approved.author) == (ALICE, BOB)
    assert approved.message == "Approve op-1\n\n# by Bob\n"  # exactly as given
    assert created.changes == (FileChange("A", "ops/op-1.md"),)
    assert approved.changes == (FileChange("M", "ops/op-1.md"),)
    assert approved.authored_at.tzinfo == UTC
    assert approved.committed_at.tzinfo == UTC
    assert repo.read_text("ops/op-1.md") == "created\napproved\n"
    assert repo.show(first.sha, "ops/op-1.md") == "created\n"
    assert repo.head() == second.sha
    assert (first.pushed, first.push_error) == (None, None)
    assert git(repo.root, "log", "-1", "--format=%cn <%ce>").strip() == str(BOB)


def test_change_sees_the_current_text(repo: RecordsRepo) -> None:
    seen: list[str | None] = []

    def record(current: str | None) -> str:
        seen.append(current)
        return "v2\n" if current else "v1\n"

    repo.update("a.md", record, author=ALICE, message="one")
    repo.update("a.md", record, author=ALICE, message="two")

    assert seen == [None, "v1\n"]


def test_a_change_that_raises_writes_nothing(repo: RecordsRepo) -> None:
    repo.update("a.md", append("kept"), author=ALICE, message="a")
    before = repo.head()
    problem = Refusal("the record says no")

    def refuse(current: str | None) -> str:
        raise problem

    with pytest.raises(Refusal) as raised:
        repo.update("a.md", refuse, author=ALICE, message="never")
    with pytest.raises(Refusal):
        repo.update("new.md", refuse, author=ALICE, message="never")

    assert raised.value is problem
    assert repo.head() == before
    assert repo.read_text("a.md") == "kept\n"
    assert not (repo.root / "new.md").exists()
    assert git(repo.root, "status", "--porcelain") == ""


def test_an_unchanged_text_is_not_a_commit(repo: RecordsRepo) -> None:
    repo.update("a.md", append("x"), author=ALICE, message="a")
    before = repo.head()

    with pytest.raises(RecordsError, match="no commit made"):
        repo.update("a.md", lambda current: current or "", author=ALICE, message="nothing")

    assert repo.head() == before


def test_a_failing_commit_puts_the_file_back(repo: RecordsRepo) -> None:
    repo.update("a.md", append("one"), author=ALICE, message="a")
    before = repo.head()
    hook = repo.root / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'records are frozen today' >&2\nexit 1\n")
    hook.chmod(0o755)

    with pytest.raises(RecordsError, match="records are frozen today"):
        repo.update("a.md", append("two"), author=ALICE, message="b")
    with pytest.raises(RecordsError):
        repo.update("b.md", append("new"), author=ALICE, message="c")

    assert repo.head() == before
    assert (repo.root / "a.md").read_text() == "one\n"
    assert not (repo.root / "b.md").exists()
    assert git(repo.root, "status", "--porcelain", "--untracked-files=all") == ""
    hook.unlink()
    assert repo.update("a.md", append("two"), author=ALICE, message="b").sha != before


def test_a_write_cut_short_by_a_killed_process_is_undone(repo: RecordsRepo) -> None:
    repo.update("a.md", append("one"), author=ALICE, message="a")
    before = repo.head()
    hook = repo.root / ".git" / "hooks" / "pre-commit"
    hook.write_text('#!/bin/sh\nkill -9 "$KILL_FROM_HOOK"\nexit 1\n')
    hook.chmod(0o755)
    script = (
        "import os, sys; from pathlib import Path\n"
        "from kubemedic.adapters.records import RecordsRepo\n"
        "from kubemedic.models.identity import Author\n"
        "os.environ['KILL_FROM_HOOK'] = str(os.getpid())\n"
        "RecordsRepo.open(Path(sys.argv[1])).update('a.md', lambda c: c + 'half\\n',"
        " author=Author('x', 'x@example.com'), message='killed')\n"
    )

    killed = subprocess.run([sys.executable, "-c", script, str(repo.root)], check=False)

    assert killed.returncode == -9
    assert (repo.root / "a.md").read_text() == "one\nhalf\n"  # left written, not committed
    hook.unlink()
    result = repo.update("a.md", append("two"), author=BOB, message="b")
    assert repo.show(result.sha, "a.md") == "one\ntwo\n"
    assert repo.history()[-1].parents == (before,)


def test_changes_made_by_hand_are_reported_not_discarded(repo: RecordsRepo) -> None:
    (repo.root / "README.md").write_text("edited by hand\n")

    with pytest.raises(RecordsError) as raised:
        repo.update("a.md", append("x"), author=ALICE, message="a")

    assert "README.md" in str(raised.value)
    assert "reset --hard" in str(raised.value)
    assert (repo.root / "README.md").read_text() == "edited by hand\n"


def test_a_repository_on_another_branch_is_read_but_never_written(repo: RecordsRepo) -> None:
    git(repo.root, "switch", "--quiet", "--create", "experiment")

    reopened = RecordsRepo.open(repo.root)  # reading and verifying still work
    assert reopened.read_text("README.md") is not None
    with pytest.raises(RecordsError, match="not on branch main"):
        reopened.update("a.md", append("x"), author=ALICE, message="a")


def test_a_rebase_left_by_someone_else_is_refused_not_aborted(repo: RecordsRepo) -> None:
    git(repo.root, "switch", "--quiet", "--create", "side")
    (repo.root / "README.md").write_text("side\n")
    git(repo.root, "commit", "--quiet", "-am", "side")
    git(repo.root, "switch", "--quiet", "main")
    repo.update("README.md", lambda current: "main\n", author=ALICE, message="main")
    rebase = subprocess.run(["git", "rebase", "side"], cwd=repo.root, capture_output=True)
    assert rebase.returncode != 0

    with pytest.raises(RecordsError, match="rebase is in progress") as raised:
        repo.update("a.md", append("x"), author=ALICE, message="a")

    assert "rebase --abort" in str(raised.value)
    assert (repo.root / ".git" / "rebase-merge").exists()
    assert repo.remote_head() is None


@pytest.mark.parametrize(
    "bad", ["", "/etc/passwd", "../outside.md", "a/../b.md", "./a.md", "a//b.md", ".git/config"]
)
def test_paths_outside_the_records_are_input_errors(repo: RecordsRepo, bad: str) -> None:
    with pytest.raises(InputError):
        repo.update(bad, append("x"), author=ALICE, message="a")
    with pytest.raises(InputError):
        repo.read_text(bad)


def test_a_symbolic_link_out_of_the_repository_is_not_followed(
    repo: RecordsRepo, tmp_path: Path
) -> None:
    (tmp_path / "elsewhere").mkdir()
    (repo.root / "ops").symlink_to(tmp_path / "elsewhere")

    with pytest.raises(RecordsError, match="symbolic link"):
        repo.update("ops/a.md", append("x"), author=ALICE, message="a")

    assert list((tmp_path / "elsewhere").iterdir()) == []


def test_files_lists_tracked_records_under_a_folder(repo: RecordsRepo) -> None:
    for path in ("ops/b.md", "ops/a b.md", "ops/notes.txt", "incidents/i.md"):
        repo.update(path, append("x"), author=ALICE, message=path)
    (repo.root / "ops" / "untracked.md").write_text("not a record\n")

    assert repo.files("ops") == ("ops/a b.md", "ops/b.md")
    assert repo.files("ops/") == repo.files("ops")
    assert repo.files() == ("README.md", "incidents/i.md", "ops/a b.md", "ops/b.md")
    assert repo.files("ops", suffix=".txt") == ("ops/notes.txt",)
    assert repo.files("op") == ()


def test_history_reads_spaces_deletions_and_merges(repo: RecordsRepo) -> None:
    repo.update("two words.md", append("x"), author=ALICE, message="add")
    repo.update("gone.md", append("x"), author=ALICE, message="add gone")
    git(repo.root, "rm", "--quiet", "gone.md")
    git(repo.root, "commit", "--quiet", "-m", "remove gone")
    git(repo.root, "switch", "--quiet", "--create", "side", "HEAD~1")
    (repo.root / "side.md").write_text("from the side\n")
    git(repo.root, "add", "side.md")
    git(repo.root, "commit", "--quiet", "-m", "side")
    git(repo.root, "switch", "--quiet", "main")
    git(repo.root, "merge", "--quiet", "--no-ff", "--no-edit", "side")

    *_, added, _, removed, side, merge = repo.history()

    assert added.changes == (FileChange("A", "two words.md"),)
    assert removed.changes == (FileChange("D", "gone.md"),)
    assert side.changes == (FileChange("A", "side.md"),)
    assert len(merge.parents) == 2
    assert merge.changes == (FileChange("A", "side.md"),)  # against the first parent
    assert repo.show(removed.sha, "gone.md") is None
    assert repo.show(added.sha, "gone.md") is None


def test_show_of_an_unknown_commit_is_an_error(repo: RecordsRepo) -> None:
    with pytest.raises(RecordsError, match="no commit"):
        repo.show("0" * 40, "README.md")


def test_witness_notes_every_commit_and_is_ancestor_sees_a_rewrite(repo: RecordsRepo) -> None:
    start = repo.head()
    first = repo.update("a.md", append("one"), author=ALICE, message="a").sha
    second = repo.update("a.md", append("two"), author=ALICE, message="b").sha
    assert repo.witnessed() == (start, first, second)
    assert repo.is_ancestor(first)
    assert repo.is_ancestor(second)

    git(repo.root, "reset", "--quiet", "--hard", "HEAD~1")
    third = repo.update("a.md", append("other"), author=BOB, message="c").sha

    assert not repo.is_ancestor(second)  # the witness remembers what history lost
    assert repo.is_ancestor(first, of=third)
    assert repo.witnessed() == (start, first, second, third)
    assert not repo.is_ancestor("f" * 40)
    assert "witness" not in git(repo.root, "ls-files")


def test_the_user_git_config_is_left_alone(repo: RecordsRepo) -> None:
    repo.update("a.md", append("x"), author=ALICE, message="a", sign=False)

    home = Path(os.environ["HOME"])
    assert not (home / ".gitconfig").exists()
    assert not (home / ".config" / "git").exists()
