"""Which fix commands only look and which change something, and where a rollback goes.

A fix's commands are run in the order printed, by a person or by ``diagnose --propose``.
Commands that only look (get, describe, logs, rollout status) can follow anything; a
rollback cannot follow a fix that already corrects the template: running both undoes the fix,
or fails because the fix restored that revision's template and with it renumbered the
revision. So a rollback is the command only when nothing else changes the workload, and an
alternative step otherwise.
"""

from __future__ import annotations

import shlex
from dataclasses import replace

from kubemedic.models.findings import Remediation

_LOOKING_VERBS = frozenset(
    {"get", "describe", "logs", "top", "explain", "events", "api-resources", "version"}
)
_LOOKING_SUBVERBS = {"rollout": frozenset({"status", "history"}), "auth": frozenset({"can-i"})}
_GLOBAL_FLAGS_WITH_VALUE = frozenset({"-n", "--namespace", "--context", "--kubeconfig"})
_SEPARATORS = frozenset({"|", "||", "&&", ";", "&"})


def _kubectl_calls(command: str) -> list[list[str]] | None:
    """The positional words after ``kubectl`` of each kubectl call in a shell command line
    (None when the line cannot be parsed)."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars="|&;")
    lexer.whitespace_split = True
    try:
        words = list(lexer)
    except ValueError:
        return None
    segments: list[list[str]] = [[]]
    for word in words:
        if word in _SEPARATORS:
            segments.append([])
        else:
            segments[-1].append(word)
    calls = []
    for segment in segments:
        if segment[:1] != ["kubectl"]:
            continue
        positional, skip = [], False
        for word in segment[1:]:
            if skip:
                skip = False
            elif word in _GLOBAL_FLAGS_WITH_VALUE:
                skip = True
            elif not word.startswith("-"):
                positional.append(word)
        calls.append(positional)
    return calls


def only_looks(command: str) -> bool:
    """True for a kubectl command that changes nothing (get, describe, logs, rollout status),
    or only runs a throwaway pod to look (``kubectl run --rm``, ``kubectl debug``)."""
    calls = _kubectl_calls(command)
    if not calls:
        return False
    throwaway = "--rm" in command.split()
    return all(
        bool(words)
        and (
            words[0] in _LOOKING_VERBS
            or (len(words) > 1 and words[1] in _LOOKING_SUBVERBS.get(words[0], ()))
            or words[0] == "debug"
            or (words[0] == "run" and throwaway)
        )
        for words in calls
    )


def is_rollback(command: str) -> bool:
    """True for ``kubectl rollout undo ...``."""
    return _runs(command, "rollout", "undo")


def with_rollback(fix: Remediation, undo: str) -> Remediation:
    """``fix`` offering the rollback ``undo``: as its command (before the rollout is watched)
    when nothing else in it changes the workload, else as an alternative step. A fix holds one
    rollback: one without a revision gives way to one that names it."""
    own = [c for c in fix.commands if is_rollback(c)]
    if undo in own:
        return fix
    if own:
        if "--to-revision" in own[0] or "--to-revision" not in undo:
            return fix
        return replace(fix, commands=tuple(undo if c == own[0] else c for c in fix.commands))
    if not all(only_looks(c) for c in fix.commands):
        step = f"Or return to the previous pod template instead of the change above: {undo}"
        return replace(fix, steps=tuple(dict.fromkeys((*fix.steps, step))))
    watching = [i for i, c in enumerate(fix.commands) if _runs(c, "rollout", "status")]
    at = watching[0] if watching else len(fix.commands)
    return replace(fix, commands=(*fix.commands[:at], undo, *fix.commands[at:]))


def _runs(command: str, verb: str, subverb: str) -> bool:
    return any(words[:2] == [verb, subverb] for words in _kubectl_calls(command) or ())
