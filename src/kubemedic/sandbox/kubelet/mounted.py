"""Scripts mounted from ConfigMaps and Secrets, run as commands: file modes and shebangs.

A mounted file is executable when its volume's ``defaultMode`` (or its item's ``mode``) has an
execute bit, as the kubelet writes it (the default, 0644, has none). Run as a command, the
kernel reads its ``#!`` line: ``#!/bin/sh -e`` starts that shell with the script,
``#!/usr/bin/env python3`` looks ``python3`` up on ``$PATH``; a file without one cannot be
executed. The program then runs as if the user had typed ``interpreter script args``.
"""

from __future__ import annotations

from collections.abc import Mapping

from kubemedic.sandbox.kubelet.programs import RunContext
from kubemedic.sandbox.store import Obj

DEFAULT_MODE = 0o644


def executable_paths(pod: Obj, contents: Mapping[str, str]) -> frozenset[str]:
    """The mounted files of ``pod`` whose mode lets them be executed."""
    spec = pod.get("spec") or {}
    mounts: dict[str, list[str]] = {}
    for container in [*(spec.get("initContainers") or []), *(spec.get("containers") or [])]:
        for mount in container.get("volumeMounts") or []:
            path = str(mount.get("mountPath", "")).rstrip("/")
            sub = str(mount.get("subPath") or "")
            mounts.setdefault(str(mount.get("name")), []).append(f"{path}\0{sub}")
    executable: set[str] = set()
    for volume in spec.get("volumes") or []:
        modes, default = _modes(volume)
        for entry in mounts.get(str(volume.get("name")), []):
            path, sub = entry.split("\0")
            if sub:
                if path in contents and modes.get(sub, default) & 0o111:
                    executable.add(path)
                continue
            for file in contents:
                relative = file[len(path) + 1 :]
                if file.startswith(path + "/") and modes.get(relative, default) & 0o111:
                    executable.add(file)
    return frozenset(executable)


def _modes(volume: Obj) -> tuple[dict[str, int], int]:
    """(item path -> mode, default mode) of a ConfigMap, Secret or projected volume."""
    modes: dict[str, int] = {}
    default = DEFAULT_MODE
    sources: list[Obj] = []
    for field in ("configMap", "secret"):
        source = volume.get(field)
        if isinstance(source, dict):
            default = int(source.get("defaultMode", default))
            sources.append(source)
    projected = volume.get("projected")
    if isinstance(projected, dict):
        default = int(projected.get("defaultMode", default))
        for item in projected.get("sources") or []:
            sources.extend(s for s in (item.get("configMap"), item.get("secret")) if s)
    for source in sources:
        for item in source.get("items") or []:
            if "mode" in item:
                modes[str(item.get("path"))] = int(item["mode"])
    return modes, default


def interpreter_line(text: str) -> list[str] | None:
    """The ``#!`` line of a script as the kernel splits it (one optional argument)."""
    if not text.startswith("#!"):
        return None
    line = text[2:].split("\n", 1)[0].strip()
    if not line:
        return None
    program, _, argument = line.partition(" ")
    argument = argument.strip()
    return [program, argument] if argument else [program]


def script_argv(argv: list[str], ctx: RunContext) -> list[str] | str | None:
    """How the kernel runs ``argv[0]`` when it names a mounted file: the interpreter's argv,
    or the ``execve`` error ("permission denied", "exec format error"); None when ``argv[0]``
    is not a mounted file."""
    if "/" not in argv[0] or ctx.abspath(argv[0]) not in ctx.contents:
        return None
    path = ctx.abspath(argv[0])
    if path not in ctx.executables:
        return "permission denied"
    line = interpreter_line(ctx.contents[path])
    if line is None:
        return "exec format error"
    if line[0].endswith("/env") and len(line) > 1:  # #!/usr/bin/env python3
        line = line[1].split()
    return [*line, argv[0], *argv[1:]]
