"""Signed commits: whether this repository can sign, and what a commit's signature proves.

kubemedic signs with SSH keys (``gpg.format ssh`` + ``user.signingkey``, as git config resolves
them for the repository) and checks against an ``allowed_signers`` file given per call, so the
list of trusted keys is the caller's, never a global setting.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kubemedic.adapters.records.gitcmd import Git
from kubemedic.errors import InputError, RecordsError


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    """What the signature of one commit proves."""

    sha: str
    status: str
    """good | bad | unsigned | untrusted (valid, but by a key allowed_signers does not list)"""
    signer: str | None
    """the principal allowed_signers names for the key, when good"""
    detail: str
    """one line for a person"""


def signing_configured(git: Git) -> bool:
    """True when git would sign with an SSH key here: gpg.format is ssh and user.signingkey set."""
    listed = git.run("config", "-z", "--get-regexp", r"^(gpg\.format|user\.signingkey)$")
    values: dict[str, str] = {}
    for entry in listed.text.split("\0"):
        key, _, value = entry.partition("\n")
        values[key] = value.strip()  # later entries (more local config) win
    return values.get("gpg.format", "").lower() == "ssh" and bool(values.get("user.signingkey"))


def check_signature(git: Git, sha: str, allowed_signers: Path) -> SignatureCheck:
    """Check the signature of commit ``sha`` against ``allowed_signers`` (ssh-keygen's format).

    git's verdicts map to: G good; U untrusted; N unsigned; B and R (revoked key) bad; X and Y
    (expired signature or key) and E (cannot be checked, e.g. no ssh-keygen or gpg) untrusted.
    """
    allowed = allowed_signers.expanduser().absolute()
    if not allowed.is_file():
        raise InputError("no such allowed signers file", path=str(allowed_signers))
    result = git.run(
        "-c",
        f"gpg.ssh.allowedSignersFile={allowed}",
        "log",
        "-1",
        "--no-show-signature",
        "--format=%H%x00%G?%x00%GS%x00%GK",
        "--end-of-options",
        sha,
        "--",
    )
    if not result.ok:
        raise RecordsError(f"no commit {sha} in {git.cwd}: {result.message}")
    full, verdict, principal, key = result.text.strip("\n").split("\0")
    key_name = f"key {key}" if key else "an unknown key"
    match verdict:
        case "G":
            return SignatureCheck(
                full, "good", principal, f"good signature by {principal} ({key_name})"
            )
        case "N":
            return SignatureCheck(full, "unsigned", None, "the commit is not signed")
        case "U":
            detail = f"signed with {key_name}, which {allowed} does not list"
        case "X" | "Y":
            detail = f"signed with {key_name}, outside the time {allowed} allows it"
        case "R":
            return SignatureCheck(full, "bad", None, f"signed with {key_name}, which is revoked")
        case "B":
            return SignatureCheck(
                full,
                "bad",
                None,
                "the signature does not match the commit (altered after signing, or forged)",
            )
        case _:
            detail = f"the signature cannot be checked here (git's verdict {verdict!r})"
    return SignatureCheck(full, "untrusted", None, detail)
