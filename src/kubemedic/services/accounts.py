"""Local accounts for the server's browser sign-in: names, roles and argon2 password hashes.

``kubemedic user add`` writes them to a YAML file (``server.users_file``, mode 0600); the
server reads it on every sign-in, so an account removed from the file can no longer sign in
and its open sessions stop working. Passwords are never stored, only their argon2id hashes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from kubemedic.errors import ConfigError, InputError
from kubemedic.models.policy import ROLES

MIN_PASSWORD = 8
_HASHER = PasswordHasher()


@dataclass(frozen=True, slots=True)
class Account:
    name: str
    email: str
    roles: frozenset[str]


def add_account(path: Path, name: str, password: str, roles: tuple[str, ...], email: str) -> None:
    """Create or replace the account ``name``."""
    unknown = sorted(set(roles) - set(ROLES))
    if unknown or not roles:
        raise InputError(
            f"unknown role {', '.join(unknown)}" if unknown else "give at least one --role",
            hint=f"roles: {', '.join(ROLES)}",
        )
    if len(password) < MIN_PASSWORD:
        raise InputError(f"the password must have at least {MIN_PASSWORD} characters")
    entries = [e for e in _entries(path) if e.get("name") != name]
    entries.append(
        {"name": name, "email": email, "roles": list(roles), "hash": _HASHER.hash(password)}
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        yaml.safe_dump({"users": entries}, handle, sort_keys=False)
    temporary.replace(path)


def accounts_in(path: Path) -> int:
    """How many accounts the users file holds (0 without one); ``ConfigError`` when it cannot
    be read, so ``serve`` refuses to start rather than fail at the first sign-in."""
    return len(_entries(path))


def find_account(path: Path, name: str) -> Account | None:
    """The account called ``name`` (no password check: for a signed session)."""
    for entry in _entries(path):
        if entry.get("name") == name:
            return _account(entry)
    return None


def check_password(path: Path, name: str, password: str) -> Account | None:
    """The account when ``password`` is its password; None otherwise (hash work done anyway)."""
    entry = next((e for e in _entries(path) if e.get("name") == name), None)
    stored = str(entry.get("hash", "")) if entry else _DUMMY
    try:
        _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return None
    return _account(entry) if entry else None


_DUMMY = _HASHER.hash("not a password of anyone")
"""Verified against for unknown names, so a sign-in takes as long whether the name exists."""


def _account(entry: dict[str, object]) -> Account:
    roles = entry.get("roles") or ()
    return Account(
        str(entry["name"]),
        str(entry.get("email") or f"{entry['name']}@localhost"),
        frozenset(str(r) for r in roles if str(r) in ROLES)
        if isinstance(roles, list)
        else frozenset(),
    )


def _entries(path: Path) -> list[dict[str, object]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"users file {path}: cannot be read ({exc.__class__.__name__})") from None
    users = (data or {}).get("users") if isinstance(data, dict) else None
    if users is None:
        return []
    if not isinstance(users, list) or not all(isinstance(u, dict) for u in users):
        raise ConfigError(f"users file {path}: 'users' must be a list of accounts")
    return users
