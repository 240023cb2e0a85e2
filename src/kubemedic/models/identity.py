"""Who acts on the governed path: a person with an email and roles.

Every record section and git commit names its actor; approvals check roles. The CLI resolves the
actor from the settings file (or git's identity, or the OS user); the web server will resolve it
from an authenticated token. Both produce the same ``Actor``, so nothing below the edge cares how
the identity was proven.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Author:
    """A git author: the name and email a commit is attributed to."""

    name: str
    email: str

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


@dataclass(frozen=True, slots=True)
class ClusterUser:
    """Who the cluster knows a person as: the user and groups its RBAC rules name (an empty
    name: nobody, so the cluster allows them nothing)."""

    name: str
    groups: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Actor:
    """A person (or kubemedic itself) acting on a record, with the roles the settings give them."""

    name: str
    email: str
    roles: frozenset[str] = frozenset()
    configured: bool = False
    """True when the person is listed in the settings file (only they may approve)."""
    reviewed_as: ClusterUser | None = field(default=None, compare=False)
    """Set by the server under ``server.access_review``: whose RBAC the cluster checks before
    this person's changes (None: kubemedic's roles alone decide)."""

    @property
    def author(self) -> Author:
        return Author(self.name, self.email)

    def has_role(self, role: str) -> bool:
        return role in self.roles


SYSTEM = Actor("kubemedic", "kubemedic@localhost", frozenset({"system"}), configured=True)
"""kubemedic acting on its own: detection, escalation, scheduled validation."""
