"""Records shared through a remote: pull first, push after, never force, never lose a commit."""

from __future__ import annotations

from pathlib import Path

import pytest

from kubemedic.adapters.records import RecordsRepo
from kubemedic.errors import RecordsError
from tests.records.conftest import ALICE, BOB, append, git


def remote_main(origin: Path) -> str:
    return git(origin, "rev-parse", "refs/heads/main").strip()


def test_first_user_publishes_and_the_next_starts_from_the_remote(
    tmp_path: Path, origin: Path
) -> None:
    first = RecordsRepo.open(tmp_path / "a", remote=str(origin))
    assert remote_main(origin) == first.head()
    assert first.witnessed() == (first.head(),)

    second = RecordsRepo.open(tmp_path / "b", remote=str(origin))

    assert second.head() == first.head()
    assert second.remote_head() == first.head()
    assert git(second.root, "config", "--get", "remote.origin.url").strip() == str(origin)


def test_an_update_pulls_first_and_pushes_after(tmp_path: Path, origin: Path) -> None:
    a = RecordsRepo.open(tmp_path / "a", remote=str(origin))
    b = RecordsRepo.open(tmp_path / "b", remote=str(origin))
    a.update("log.md", append("from a"), author=ALICE, message="a")

    result = b.update("log.md", append("from b"), author=BOB, message="b")

    assert (result.pushed, result.push_error) == (True, None)
    assert remote_main(origin) == result.sha
    assert b.read_text("log.md") == "from a\nfrom b\n"
    assert b.witnessed()[-1] == result.sha


def test_a_push_rejected_because_the_remote_moved_is_rebased_and_retried(
    tmp_path: Path, origin: Path
) -> None:
    a = RecordsRepo.open(tmp_path / "a", remote=str(origin))
    b = RecordsRepo.open(tmp_path / "b", remote=str(origin))
    landed: list[str] = []

    def meanwhile_a_pushes(current: str | None) -> str:
        # b has pulled already; a's commit reaches the remote before b pushes
        landed.append(a.update("a.md", append("from a"), author=ALICE, message="a").sha)
        return "from b\n"

    result = b.update("b.md", meanwhile_a_pushes, author=BOB, message="b")

    assert (result.pushed, result.push_error) == (True, None)
    assert remote_main(origin) == result.sha == b.head()
    mine = b.history()[-1]
    assert (mine.sha, mine.parents, mine.author) == (result.sha, tuple(landed), BOB)
    assert git(origin, "merge-base", "--is-ancestor", landed[0], result.sha) == ""
    assert b.read_text("a.md") == "from a\n"


def test_a_conflict_keeps_the_local_commit_and_says_so(tmp_path: Path, origin: Path) -> None:
    a = RecordsRepo.open(tmp_path / "a", remote=str(origin))
    b = RecordsRepo.open(tmp_path / "b", remote=str(origin))

    def meanwhile_a_writes_the_same_line(current: str | None) -> str:
        a.update("log.md", append("from a"), author=ALICE, message="a")
        return (current or "") + "from b\n"

    result = b.update("log.md", meanwhile_a_writes_the_same_line, author=BOB, message="b")

    assert result.pushed is False
    assert result.push_error is not None
    assert "log.md" in result.push_error
    assert "kept" in result.push_error
    assert remote_main(origin) == a.head()
    assert b.head() == result.sha
    assert b.show(result.sha, "log.md") == "from b\n"
    assert git(b.root, "status", "--porcelain") == ""
    assert result.sha not in b.witnessed()
    later = b.update("other.md", append("x"), author=BOB, message="c")  # still writable
    assert later.pushed is False
    assert b.is_ancestor(result.sha, of=later.sha)


def test_an_unreachable_remote_keeps_the_commit_for_the_next_push(
    tmp_path: Path, origin: Path
) -> None:
    repo = RecordsRepo.open(tmp_path / "a", remote=str(origin))
    away = origin.rename(tmp_path / "moved.git")

    offline = repo.update("a.md", append("offline"), author=ALICE, message="offline")

    assert offline.pushed is False
    assert offline.push_error is not None
    assert "could not reach origin" in offline.push_error
    assert repo.read_text("a.md") == "offline\n"
    assert offline.sha not in repo.witnessed()
    with pytest.raises(RecordsError, match="could not reach origin"):
        repo.remote_head()

    away.rename(origin)
    online = repo.update("a.md", append("online"), author=ALICE, message="online")

    assert (online.pushed, online.push_error) == (True, None)
    assert remote_main(origin) == online.sha
    assert git(origin, "merge-base", "--is-ancestor", offline.sha, online.sha) == ""


def test_a_remote_whose_history_was_rewritten_is_not_followed(tmp_path: Path, origin: Path) -> None:
    repo = RecordsRepo.open(tmp_path / "a", remote=str(origin))
    pushed = repo.update("a.md", append("one"), author=ALICE, message="one")
    rewriter = tmp_path / "rewriter"
    git(tmp_path, "clone", "--quiet", str(origin), str(rewriter))
    git(rewriter, "commit", "--quiet", "--amend", "-m", "history rewritten")
    git(origin, "config", "receive.denyNonFastForwards", "false")
    git(rewriter, "push", "--quiet", "--force", "origin", "main")

    result = repo.update("a.md", append("two"), author=ALICE, message="two")

    assert result.pushed is False
    assert result.push_error is not None
    assert "rewritten" in result.push_error
    assert repo.is_ancestor(pushed.sha, of=result.sha)


def test_a_different_origin_is_refused(tmp_path: Path, origin: Path) -> None:
    repo = RecordsRepo.open(tmp_path / "a", remote=str(origin))

    with pytest.raises(RecordsError, match="remote set-url"):
        RecordsRepo.open(repo.root, remote=str(tmp_path / "other.git"))


def test_reopening_without_a_remote_still_uses_origin(tmp_path: Path, origin: Path) -> None:
    RecordsRepo.open(tmp_path / "a", remote=str(origin))

    result = RecordsRepo.open(tmp_path / "a").update("a.md", append("x"), author=ALICE, message="a")

    assert result.pushed is True
    assert remote_main(origin) == result.sha


def test_creating_from_an_unreachable_remote_fails_clearly(tmp_path: Path) -> None:
    with pytest.raises(RecordsError, match="cannot start the records"):
        RecordsRepo.open(tmp_path / "a", remote=str(tmp_path / "missing.git"))


def test_a_token_in_the_remote_url_is_never_shown(tmp_path: Path) -> None:
    with_token = "https://robot:s3cret-token@127.0.0.1:1/records.git"

    with pytest.raises(RecordsError) as raised:
        RecordsRepo.open(tmp_path / "a", remote=with_token)

    assert "s3cret-token" not in str(raised.value)
    assert "127.0.0.1" in str(raised.value)


def test_a_relative_remote_path_means_the_same_repository_each_time(
    tmp_path: Path, origin: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    RecordsRepo.open(tmp_path / "a", remote="origin.git")

    again = RecordsRepo.open(tmp_path / "a", remote="./origin.git")

    assert again.update("a.md", append("x"), author=ALICE, message="a").pushed is True
