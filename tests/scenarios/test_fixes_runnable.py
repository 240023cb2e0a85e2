"""Every fix of every scenario folder can be run as printed, in order.

The sandbox test (tests/e2e/test_fixes_apply.py) runs the fixes of the failures the sandbox
can produce; this sweep holds every recorded failure to the rules a fix must keep to be run
as printed: only kubectl and the shell's own tools; nothing a bare Pod or a Job does not
support (``kubectl set resources|env``, ``kubectl rollout``, a Job's ``kubectl set image``); no
rollback after a command that already changed the workload (running both undoes the fix, or
fails on a revision the fix renumbered); and no placeholder for what the input or kubectl can
tell: a ``<placeholder>`` stands for what only a person knows, or follows the command that
finds it, and a step says what to put there; ``POD``/``CONTAINER`` never stand for a pod or
container the finding names.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from kubemedic.adapters.kubernetes.files import load_files
from kubemedic.analyzers._commands import is_rollback, only_looks
from kubemedic.models.categories import Category
from kubemedic.models.findings import AffectedPod, Finding, ObjectRef, Remediation
from kubemedic.models.severity import RiskTier, Severity
from kubemedic.services.diagnose import diagnose

SCENARIOS = Path(__file__).parent
CASES = sorted(p for p in SCENARIOS.iterdir() if (p / "expected.yaml").is_file())
PROGRAMS = frozenset({"kubectl", "echo", "grep", "base64", "head", "sort", "tr"})
"""Programs a user has wherever kubectl runs."""
NO_TEMPLATE = {
    "Pod": ("set resources", "set env", "rollout"),
    "Job": ("set resources", "set env", "set image", "rollout"),
}
"""kubectl verbs that fail on kinds whose pod template cannot change."""
PLACEHOLDER = re.compile(r"<([a-z][a-z0-9|-]*)>")
ONLY_A_PERSON_KNOWS = frozenset({"value", "path", "user", "token"})
"""What no input holds and no kubectl command finds: a setting's or secret's value, a file on
the user's disk, registry credentials."""
NAMED_PLACEHOLDER = re.compile(r"\b(POD|CONTAINER|NAMESPACE|NODE)\b(?!:)|\.\.\.|\bxxx\b")
KUBECTL_IN_STEP = re.compile(r"kubectl [^()]*")


def programs(command: str) -> set[str]:
    """The programs a shell command line runs (the first word of each pipeline segment)."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars="|&;")
    lexer.whitespace_split = True
    programs, start = set(), True
    for word in lexer:
        if word in ("|", "||", "&&", ";"):
            start = True
        elif start:
            programs.add(word)
            start = False
    return programs


def _problems(finding: Finding) -> list[str]:
    commands = finding.remediation.commands
    problems = [
        f"{command!r} runs {sorted(programs(command) - PROGRAMS)}"
        for command in commands
        if not programs(command) <= PROGRAMS
    ]
    for verb in NO_TEMPLATE.get(finding.object.kind, ()):
        problems += [
            f"{command!r} on a {finding.object.kind}"
            for command in commands
            if command.startswith(f"kubectl {verb} ")
        ]
    for index, command in enumerate(commands):
        changed = [c for c in commands[:index] if not only_looks(c)]
        if is_rollback(command) and changed:
            problems.append(f"{command!r} after {changed[0]!r}")
    return problems + _placeholders(finding)


def _placeholders(finding: Finding) -> list[str]:
    """Placeholders a fix could have filled: every command (kubectl line in a step, patch) may
    only leave open what a person knows or what a command printed before it finds (one that
    looks, or runs a check in the container), and the steps must say what goes in each; a
    bare POD or CONTAINER only where the input itself names the object so (a pasted excerpt
    that names no pod)."""
    fix = finding.remediation
    steps = " ".join(fix.steps)
    in_steps = [m.group() for step in fix.steps for m in KUBECTL_IN_STEP.finditer(step)]
    named = {finding.object.name, *(p.name for p in finding.affected)}
    named |= {c for p in finding.affected for c in p.containers}
    problems = []
    patch = (fix.patch,) if fix.patch else ()
    for index, command in enumerate((*fix.commands, *in_steps, *patch)):
        found_before = any(
            only_looks(c) or c.startswith("kubectl exec ") for c in fix.commands[:index]
        )
        for name in PLACEHOLDER.findall(command):
            if name not in ONLY_A_PERSON_KNOWS and not found_before:
                problems.append(f"{command!r}: <{name}> is known or can be found with kubectl")
            elif f"<{name}>" not in steps:
                problems.append(f"{command!r}: no step says what to put in place of <{name}>")
        for word in NAMED_PLACEHOLDER.findall(command):
            if word not in named:
                problems.append(f"{command!r}: placeholder {word or '...'!r}")
    return problems


@pytest.mark.parametrize("case", CASES, ids=[p.name for p in CASES])
def test_fix_commands_run_as_printed(case: Path) -> None:
    findings = [f for f in diagnose(load_files([case])).findings if f.severity != Severity.INFO]
    problems = [f"{f.id} {f.object}: {p}" for f in findings for p in _problems(f)]
    assert not problems, "\n".join(problems)


def test_the_rules_catch_what_cannot_run_as_printed() -> None:
    def fix(kind: str, *commands: str) -> Finding:
        return Finding(
            id="KM-POD-X",
            severity=Severity.HIGH,
            category=Category.CRASHLOOP_APP_ERROR,
            object=ObjectRef(kind, "api", "shop"),
            summary="",
            root_cause="",
            evidence=(),
            remediation=Remediation("", RiskTier.LOW, True, "", commands=commands),
        )

    set_image = "kubectl set image deployment/api -n shop api=acme/api:1"
    undo = "kubectl rollout undo deployment/api -n shop --to-revision=1"
    assert _problems(fix("Deployment", set_image, undo))  # the rollback would undo the fix
    assert not _problems(fix("Deployment", "kubectl logs api-1 -n shop", undo))
    assert _problems(fix("Pod", "kubectl set resources pod/api -n shop --limits=memory=1Gi"))
    assert _problems(fix("Job", "kubectl set image job/api -n shop api=acme/api:1"))
    assert _problems(fix("Deployment", "skopeo list-tags docker://acme/api"))
    assert not _problems(fix("Deployment", "kubectl describe nodes | grep -A 10 Allocated"))


def test_the_rules_catch_placeholders_the_fix_could_have_filled() -> None:
    def problems(*commands: str, steps: tuple[str, ...] = (), pod: str = "api-1") -> list[str]:
        return _placeholders(
            Finding(
                id="KM-POD-X",
                severity=Severity.HIGH,
                category=Category.IMAGE_NOT_FOUND,
                object=ObjectRef("Deployment", "api", "shop"),
                summary="",
                root_cause="",
                evidence=(),
                remediation=Remediation("", RiskTier.LOW, True, "", steps, commands),
                affected=(AffectedPod("shop", pod, ("api",)),),
            )
        )

    unknown_tag = "kubectl set image deployment/api -n shop api=acme/api:<existing-tag>"
    lists_tags = "kubectl get pods -A -o jsonpath='{..image}' | tr ' ' '\\n' | grep -F acme/api:"
    says = ("Put a tag the first command lists in place of <existing-tag>.",)
    assert problems(unknown_tag, steps=says)  # nothing finds the tag
    assert problems(lists_tags, unknown_tag)  # no step says what goes there
    assert not problems(lists_tags, unknown_tag, steps=says)
    secret = "kubectl create secret generic db -n shop --from-literal=password=<value>"
    assert problems(secret)
    assert not problems(secret, steps=("Put the password in place of <value>.",))
    assert problems("kubectl exec POD -n shop -c api -- ls")  # pod api-1 is known
    assert problems(steps=("Look: kubectl exec api-1 -n shop -c CONTAINER -- ls",))
    assert not problems("kubectl logs POD -n shop -c api", pod="POD")  # the input says POD
    assert problems("kubectl logs api-1 -n shop -c api ...")
