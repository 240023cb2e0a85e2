"""Turn a finding's fix into a typed action when the fix is one kubemedic can govern.

Analyzers print their fixes as kubectl commands a person can paste. The commands that map onto
a typed action (``set resources``, ``set image``, ``scale``, ``rollout undo``, ``autoscale``,
deleting a controller's pod) become an ``ActionRequest`` with the exact values; a command with a
``<placeholder>`` is skipped (only a person knows the value), and when no command maps — a
template patch, an edited Secret, a fix in the application — the finding needs a human.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

from kubemedic.models.findings import Finding, ObjectRef
from kubemedic.models.operations import ActionRequest, ActionType

_PLACEHOLDER = re.compile(r"<[A-Za-z][^<>]*>")
_KINDS = {
    "deployment": "Deployment",
    "deploy": "Deployment",
    "statefulset": "StatefulSet",
    "sts": "StatefulSet",
    "daemonset": "DaemonSet",
    "ds": "DaemonSet",
    "replicaset": "ReplicaSet",
    "rs": "ReplicaSet",
    "pod": "Pod",
    "po": "Pod",
}


@dataclass(frozen=True, slots=True)
class Translation:
    request: ActionRequest | None
    command: str
    """The kubectl command it came from, or the first command when none maps."""
    why_not: str = ""


def action_for(finding: Finding) -> Translation:
    """The governed action for the first of the fix's commands that maps onto one."""
    commands = finding.remediation.commands
    for command in commands:
        if _PLACEHOLDER.search(command):
            continue  # a value only a person can fill in
        request = parse_command(command)
        if request is not None:
            return Translation(request, command)
    first = commands[0] if commands else ""
    summary = finding.remediation.summary.rstrip(".")
    return Translation(None, first, f"the fix needs a person: {summary}")


def parse_command(command: str) -> ActionRequest | None:
    """The action a ``kubectl ...`` fix command performs, if it is one kubemedic governs."""
    try:
        words = shlex.split(command)
    except ValueError:
        return None
    if len(words) < 3 or words[0] != "kubectl":
        return None
    namespace, rest = _namespace(words[1:])
    verb = rest[:2]
    if verb == ["set", "resources"]:
        return _resources(rest[2:], namespace)
    if verb == ["set", "image"]:
        return _image(rest[2:], namespace)
    if verb == ["rollout", "undo"]:
        return _undo(rest[2:], namespace)
    if rest[:1] == ["scale"]:
        return _scale(rest[1:], namespace)
    if rest[:1] == ["autoscale"]:
        return _autoscale(rest[1:], namespace)
    if rest[:2] in (["delete", "pod"], ["delete", "po"]) and len(rest) >= 3:
        return ActionRequest(ActionType.RESTART, ObjectRef("Pod", rest[2], namespace))
    if rest[:1] == ["delete"] and len(rest) >= 2 and rest[1].startswith(("pod/", "po/")):
        return ActionRequest(
            ActionType.RESTART, ObjectRef("Pod", rest[1].split("/", 1)[1], namespace)
        )
    return None


def _namespace(words: Sequence[str]) -> tuple[str, list[str]]:
    namespace, rest, skip = "", [], False
    for index, word in enumerate(words):
        if skip:
            skip = False
            continue
        if word in ("-n", "--namespace") and index + 1 < len(words):
            namespace, skip = words[index + 1], True
        elif word.startswith("--namespace="):
            namespace = word.split("=", 1)[1]
        else:
            rest.append(word)
    return namespace, rest


def _target(word: str, namespace: str) -> ObjectRef | None:
    kind, _, name = word.partition("/")
    resolved = _KINDS.get(kind.split(".", 1)[0].lower())
    return ObjectRef(resolved, name, namespace) if resolved and name else None


def _options(words: Sequence[str]) -> tuple[list[str], dict[str, str]]:
    positional, options = [], {}
    iterator = iter(words)
    for word in iterator:
        if word.startswith("--") and "=" in word:
            key, value = word[2:].split("=", 1)
            options[key] = value
        elif word in (
            "-c",
            "--containers",
            "--replicas",
            "--min",
            "--max",
            "--cpu-percent",
            "--to-revision",
        ):
            options[word.lstrip("-")] = next(iterator, "")
        else:
            positional.append(word)
    if "c" in options:
        options["containers"] = options.pop("c")
    return positional, options


def _resources(words: Sequence[str], namespace: str) -> ActionRequest | None:
    positional, options = _options(words)
    target = _target(positional[0], namespace) if positional else None
    if target is None or "*" in options.get("containers", ""):
        return None
    params: dict[str, str] = {}
    for section, prefix in (("limits", "limit"), ("requests", "request")):
        for pair in filter(None, options.get(section, "").split(",")):
            resource, _, value = pair.partition("=")
            if resource in ("cpu", "memory") and value:
                params[f"{resource}_{prefix}"] = value
    if not params:
        return None
    if options.get("containers"):
        params["container"] = options["containers"]
    return ActionRequest(ActionType.RESOURCES, target, params)


def _image(words: Sequence[str], namespace: str) -> ActionRequest | None:
    positional, _ = _options(words)
    target = _target(positional[0], namespace) if positional else None
    pairs = [w for w in positional[1:] if "=" in w]
    if target is None or len(pairs) != 1 or pairs[0].startswith("*="):
        return None
    container, image = pairs[0].split("=", 1)
    return ActionRequest(ActionType.SET_IMAGE, target, {"container": container, "image": image})


def _scale(words: Sequence[str], namespace: str) -> ActionRequest | None:
    positional, options = _options(words)
    target = _target(positional[0], namespace) if positional else None
    replicas = options.get("replicas", "")
    if target is None or not replicas.isdigit():
        return None
    return ActionRequest(ActionType.SCALE, target, {"replicas": int(replicas)})


def _autoscale(words: Sequence[str], namespace: str) -> ActionRequest | None:
    positional, options = _options(words)
    target = _target(positional[0], namespace) if positional else None
    values = [options.get(k, "") for k in ("min", "max", "cpu-percent")]
    if target is None or not all(v.isdigit() for v in values):
        return None
    low, high, pct = (int(v) for v in values)
    return ActionRequest(ActionType.HPA, target, {"min": low, "max": high, "cpu_target": pct})


def _undo(words: Sequence[str], namespace: str) -> ActionRequest | None:
    positional, options = _options(words)
    target = _target(positional[0], namespace) if positional else None
    revision = options.get("to-revision", "")
    if target is None or (revision and not revision.isdigit()):
        return None
    number = int(revision or 0)  # kubectl reads --to-revision=0 as "the previous revision"
    return ActionRequest(ActionType.UNDO, target, {"revision": number} if number else {})
