"""The executable a mistyped command most likely meant, from what the cluster shows.

``exec: "pyhton": executable file not found in $PATH`` is fixed by naming ``python``. The
candidates are the programs the image is known to run — the command the previous revision ran,
the commands other containers of the same image run, the program named like the image
(``python:3.12`` runs ``python``) — and, last, well-known programs. Only a near spelling counts.
"""

from __future__ import annotations

import difflib
import posixpath
import shlex
from collections import defaultdict

from kubemedic.analyzers._crash import KNOWN_COMMANDS
from kubemedic.analyzers._image_ref import parse_image
from kubemedic.analyzers._previous_revision import previous_revision
from kubemedic.models.cluster import ClusterView
from kubemedic.models.k8s import ContainerSpec, Pod

_CUTOFF = 0.75


def intended_command(
    view: ClusterView | None, pod: Pod, spec: ContainerSpec, missing: str
) -> tuple[str, str] | None:
    """(the executable meant, how the cluster shows the image has it), or None."""
    name = posixpath.basename(missing)
    seen: dict[str, str] = {}
    if view is not None:
        previous = previous_revision(view, pod)
        before = previous.container(spec.name) if previous is not None else None
        if previous is not None and before is not None and before.command:
            seen[before.command[0]] = f"{previous.name} ran it"
        repository = _repository(spec.image)
        for program, where in view.derived(_programs_by_image).get(repository, {}).items():
            seen.setdefault(program, where)
    base = _repository(spec.image).rsplit("/", 1)[-1]
    seen.setdefault(base, f"image {spec.image} is named after it")
    for program in KNOWN_COMMANDS:
        seen.setdefault(program, "a well-known program")
    candidates = {posixpath.basename(p): p for p in seen if posixpath.basename(p) != name}
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=_CUTOFF)
    if not close:
        return None
    program = candidates[close[0]]
    meant = program if missing.startswith("/") and program.startswith("/") else close[0]
    return meant, seen[program]


def finding_command(spec: ContainerSpec, namespace: str) -> str:
    """A ``kubectl run`` listing the executables on the image's PATH (needs a shell in it)."""
    script = 'for d in $(echo "$PATH" | tr : " "); do ls "$d"; done'
    return (
        f"kubectl run cmd-check -n {namespace} --rm -i --restart=Never --image={spec.image} "
        f"--command -- sh -c {shlex.quote(script)}"
    )


def _repository(image: str) -> str:
    return parse_image(image).repository_url


def _programs_by_image(view: ClusterView) -> dict[str, dict[str, str]]:
    """For each image repository, the programs its running containers were started with."""
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for pod in view.pods:
        for spec in pod.containers:
            status = pod.container_status(spec.name)
            if spec.command and status is not None and status.state.is_running:
                where = f"container {spec.name} of pod {pod.namespace}/{pod.name} runs it"
                found[_repository(spec.image)].setdefault(spec.command[0], where)
    return found
