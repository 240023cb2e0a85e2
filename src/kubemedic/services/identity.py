"""Who is acting: one interface whatever proved the identity.

The CLI asks ``local_actor``: the person named by ``--as`` or the settings' ``user`` (who must be
listed under ``people``), else git's ``user.name``/``user.email``, else the OS user. Only a
configured person may approve; anyone may propose and run trivial operations. The web server
will resolve an authenticated token to the same ``Actor``.
"""

from __future__ import annotations

import getpass
import socket
import subprocess

from kubemedic.errors import ConfigError
from kubemedic.models.identity import Actor
from kubemedic.models.policy import Person, Policy


def local_actor(policy: Policy, wanted: str | None) -> Actor:
    """The acting person for a CLI invocation."""
    if wanted:
        person = policy.person(wanted)
        if person is None:
            known = ", ".join(p.name for p in policy.people) or "nobody is configured"
            raise ConfigError(
                f"{wanted!r} is not a configured person",
                hint=f"people in the settings file: {known} (docs/operations.md)",
            )
        return actor_of(person)
    name, email = _git_identity()
    person = policy.person(email) if email else None
    if person is not None:
        return actor_of(person)
    user = getpass.getuser()
    return Actor(name or user, email or f"{user}@{socket.gethostname()}")


def actor_of(person: Person) -> Actor:
    return Actor(person.name, person.email, person.roles, configured=True)


def _git_identity() -> tuple[str, str]:
    values = []
    for key in ("user.name", "user.email"):
        try:
            result = subprocess.run(
                ["git", "config", "--get", key],
                capture_output=True,
                text=True,
                timeout=5,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return "", ""
        values.append(result.stdout.strip() if result.returncode == 0 else "")
    return values[0], values[1]
