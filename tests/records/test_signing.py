"""Signed records: commits signed with a real SSH key, judged against an allowed_signers file."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from kubemedic.adapters.records import RecordsRepo
from kubemedic.errors import InputError, RecordsError
from tests.records.conftest import ALICE, append, git

pytestmark = pytest.mark.skipif(shutil.which("ssh-keygen") is None, reason="needs ssh-keygen")


def new_key(directory: Path, name: str) -> Path:
    key = directory / name
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True
    )
    return key


@pytest.fixture
def keys(tmp_path: Path) -> tuple[Path, Path, Path]:
    """Alice's key, listed in allowed_signers; a stranger's key, not listed; the file."""
    alice, stranger = new_key(tmp_path, "alice"), new_key(tmp_path, "stranger")
    allowed = tmp_path / "allowed_signers"
    public = alice.with_suffix(".pub").read_text().strip()
    allowed.write_text(f'{ALICE.email} namespaces="git" {public}\n')
    return alice, stranger, allowed


def use_key(repo: RecordsRepo, key: Path) -> None:
    git(repo.root, "config", "gpg.format", "ssh")
    git(repo.root, "config", "user.signingkey", str(key))


def test_signing_is_configured_by_format_and_key(
    repo: RecordsRepo, keys: tuple[Path, Path, Path]
) -> None:
    assert not repo.signing_configured()
    git(repo.root, "config", "gpg.format", "ssh")
    assert not repo.signing_configured()

    use_key(repo, keys[0])

    assert repo.signing_configured()


def test_a_commit_signed_with_an_allowed_key_is_good(
    repo: RecordsRepo, keys: tuple[Path, Path, Path]
) -> None:
    alice, _, allowed = keys
    use_key(repo, alice)

    signed = repo.update("a.md", append("approved"), author=ALICE, message="a", sign=True)
    check = repo.verify_signature(signed.sha, allowed)

    assert (check.sha, check.status, check.signer) == (signed.sha, "good", ALICE.email)
    assert ALICE.email in check.detail


def test_a_key_the_file_does_not_list_is_untrusted(
    repo: RecordsRepo, keys: tuple[Path, Path, Path]
) -> None:
    _, stranger, allowed = keys
    use_key(repo, stranger)

    signed = repo.update("a.md", append("approved"), author=ALICE, message="a", sign=True)
    check = repo.verify_signature(signed.sha, allowed)

    assert (check.status, check.signer) == ("untrusted", None)
    assert str(allowed) in check.detail


def test_an_unsigned_commit_is_unsigned_even_where_signing_is_set_up(
    repo: RecordsRepo, keys: tuple[Path, Path, Path]
) -> None:
    alice, _, allowed = keys
    use_key(repo, alice)
    git(repo.root, "config", "commit.gpgSign", "true")  # sign=False wins over the config

    plain = repo.update("a.md", append("x"), author=ALICE, message="a")

    assert repo.verify_signature(plain.sha, allowed).status == "unsigned"


def test_a_signed_commit_altered_afterwards_is_bad(
    repo: RecordsRepo, keys: tuple[Path, Path, Path]
) -> None:
    alice, _, allowed = keys
    use_key(repo, alice)
    signed = repo.update("a.md", append("approved"), author=ALICE, message="approve", sign=True)
    raw = git(repo.root, "cat-file", "commit", signed.sha)
    forged = subprocess.run(
        ["git", "hash-object", "-t", "commit", "-w", "--stdin"],
        cwd=repo.root,
        input=raw.replace("\n\napprove", "\n\nreject"),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()

    assert repo.verify_signature(forged, allowed).status == "bad"


def test_signing_that_fails_commits_nothing(repo: RecordsRepo, tmp_path: Path) -> None:
    before = repo.head()
    use_key(repo, tmp_path / "no-such-key")

    with pytest.raises(RecordsError) as raised:
        repo.update("a.md", append("x"), author=ALICE, message="a", sign=True)

    assert "user.signingkey" in str(raised.value)
    assert repo.head() == before
    assert not (repo.root / "a.md").exists()


def test_verifying_needs_the_allowed_signers_file_and_a_commit(
    repo: RecordsRepo, tmp_path: Path, keys: tuple[Path, Path, Path]
) -> None:
    head = repo.head() or ""
    with pytest.raises(InputError, match="allowed signers"):
        repo.verify_signature(head, tmp_path / "missing")
    with pytest.raises(RecordsError, match="no commit"):
        repo.verify_signature("0" * 40, keys[2])
