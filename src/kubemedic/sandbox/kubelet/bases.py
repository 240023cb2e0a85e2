"""What each kind of base image puts on ``$PATH``: its ``/bin/sh`` and the tools beside it.

BusyBox (the ``busybox`` image, and Alpine's userland) links ``sh`` to ash and brings its
applets, network ones included (``wget``, ``nc``, ``nslookup``); Debian and Ubuntu have dash
as ``sh``, bash and the coreutils, but no network tools; Red Hat family images (MySQL's Oracle
Linux) run bash as ``sh``; distroless images have no shell and no tools at all. Anything not
listed is ``not found``, as it would be in the real image; an image adds its own programs on
top (curl, python, nginx ...).
"""

from __future__ import annotations

from collections.abc import Mapping

_COREUTILS = (
    *("echo", "printf", "sleep", "cat", "tail", "head", "touch", "rm", "true", "false"),
    *("env", "printenv", "date", "ls", "mkdir", "test", "[", "yes", "hostname", "pwd"),
    *("id", "whoami", "kill", "uname", "wc", "grep", "sed", "dd", "seq", "basename"),
    *("dirname", "cp", "mv", "ln", "chmod", "chown", "sync", "which"),
)
_BUSYBOX_NETWORK = ("wget", "nc", "nslookup")


def _table(*names: str, **shells: str) -> dict[str, str]:
    return {**{name: name for name in names}, **shells}


_BUSYBOX = _table(*_COREUTILS, *_BUSYBOX_NETWORK, sh="ash", ash="ash")

BASE_PROGRAMS: Mapping[str, Mapping[str, str]] = {
    "debian": _table(*_COREUTILS, sh="dash", dash="dash", bash="bash"),
    "rhel": _table(*_COREUTILS, sh="bash", bash="bash"),
    "alpine": _BUSYBOX,
    "busybox": _BUSYBOX,
    "distroless": {},
}
