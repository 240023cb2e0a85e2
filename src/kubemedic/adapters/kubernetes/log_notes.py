"""What kubectl says about a log before printing it, and whose log it can be.

``kubectl logs deploy/web`` picks one pod and says which on stderr (``Found 3 pods, using
pod/web-7d9c...``) when the Deployment has several; a pod of several containers without ``-c``
gets ``Defaulted container "web" out of: web, istio-proxy`` (``Defaulting container name to
web.`` before kubectl 1.21). Pasted with the log, these lines name its pod and container; they
are kubectl's, not the container's, so they are taken out of the log. Without them, the pod is
one whose name the workload's controller made: the only such pod of the paste, if it shows one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kubemedic.adapters.kubernetes.table_kinds import GENERATED, kind_of_resource

_FOUND = re.compile(r"Found \d+ pods, using pod/(?P<pod>\S+)")
_DEFAULTED = re.compile(r"Defaulted container \"(?P<container>[^\"]+)\" out of: .*")
_DEFAULTING = re.compile(r"Defaulting container name to (?P<container>\S+?)\.?")
_SEE_ALL = re.compile(
    r"Use 'kubectl describe pod/\S+.*' to see all of the containers in this pod\."
)
_POD_NAMES = {
    "Deployment": rf"-[{GENERATED}]{{6,10}}-[{GENERATED}]{{5}}",
    "StatefulSet": r"-\d+",
    "ReplicaSet": rf"-[{GENERATED}]{{5}}",
    "DaemonSet": rf"-[{GENERATED}]{{5}}",
    "Job": rf"(?:-\d+)?-[{GENERATED}]{{5}}",
}
"""What each controller appends to its name to name a pod."""
_HEAD = 4
"""kubectl's notes come before the log: only its first lines are looked at."""


@dataclass(frozen=True, slots=True)
class Noted:
    """A pasted log without kubectl's notes, and the pod and container they name."""

    pod: str
    container: str
    lines: tuple[str, ...]


def read_notes(lines: Sequence[str]) -> Noted:
    pod = container = ""
    kept: list[str] = []
    for index, line in enumerate(lines):
        text = line.strip()
        if index >= _HEAD:
            kept.append(line)
        elif found := _FOUND.fullmatch(text):
            pod = found["pod"]
        elif defaulted := _DEFAULTED.fullmatch(text) or _DEFAULTING.fullmatch(text):
            container = defaulted["container"]
        elif not _SEE_ALL.fullmatch(text):
            kept.append(line)
    return Noted(pod, container, tuple(kept))


def workload_pods(target: str, names: Iterable[str]) -> list[str]:
    """Of ``names``, the pods the controller of ``target`` (``deploy/web``, ``job/x``) would
    have made; none for a kind it does not know."""
    resource, _, owner = target.partition("/")
    suffix = _POD_NAMES.get(kind_of_resource(resource))
    if suffix is None or not owner:
        return []
    pattern = re.compile(re.escape(owner) + suffix)
    return sorted(name for name in set(names) if pattern.fullmatch(name))
