"""HEAD read from the ref files agrees with ``git rev-parse`` in every state a records
repository goes through, and leaves to git the layouts it does not read."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubemedic.adapters.records import RecordsRepo
from kubemedic.adapters.records.refs import RefsUnreadable, head_commit
from tests.records.conftest import git


def _commit(root: Path, name: str) -> str:
    (root / name).write_text(name)
    git(root, "add", name)
    git(root, "commit", "--quiet", "-m", name)
    return git(root, "rev-parse", "HEAD").strip()


@pytest.fixture
def root(tmp_path: Path) -> Path:
    git(tmp_path, "init", "--quiet", "--initial-branch=main")
    return tmp_path


def test_an_unborn_branch_has_no_head_commit(root: Path) -> None:
    assert head_commit(root / ".git") is None


def test_loose_packed_detached_and_symbolic_heads_match_git(root: Path) -> None:
    git_dir = root / ".git"
    first = _commit(root, "a")
    assert head_commit(git_dir) == first
    git(root, "pack-refs", "--all")
    assert not (git_dir / "refs" / "heads" / "main").exists()
    assert head_commit(git_dir) == first
    second = _commit(root, "b")  # a loose ref again, newer than the packed one
    assert head_commit(git_dir) == second
    git(root, "switch", "--quiet", "--detach", first)
    assert head_commit(git_dir) == first
    git(root, "switch", "--quiet", "main")
    git(root, "symbolic-ref", "refs/heads/alias", "refs/heads/main")
    git(root, "symbolic-ref", "HEAD", "refs/heads/alias")
    assert head_commit(git_dir) == second == git(root, "rev-parse", "HEAD").strip()


def test_layouts_it_does_not_read_are_left_to_git(
    root: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    first = _commit(root, "a")
    linked = tmp_path_factory.mktemp("linked") / "tree"
    git(root, "worktree", "add", "--quiet", "-b", "side", str(linked))
    linked_git_dir = Path(git(linked, "rev-parse", "--absolute-git-dir").strip())
    with pytest.raises(RefsUnreadable):
        head_commit(linked_git_dir)
    assert RecordsRepo.open(linked).head() == first  # git answers for the linked worktree
    (root / ".git" / "HEAD").write_text("garbage\n")
    with pytest.raises(RefsUnreadable):
        head_commit(root / ".git")
