"""Every fix of every scenario folder can be run as printed, in order.

The sandbox test (tests/e2e/test_fixes_apply.py) runs the fixes of the failures the sandbox
can produce; this sweep holds every recorded failure to the rules a fix must keep to be run
as printed: only kubectl and the shell's own tools; nothing a bare Pod or a Job does not
support (``kubectl set resources|env``, ``kubectl rollout``, a Job's ``kubectl set image``); and
no rollback after a command that already changed the workload (running both undoes the fix, or
fails on a revision the fix renumbered).
"""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from kubemedic.adapters.kubernetes.files import load_files
from kubemedic.analyzers._commands import is_rollback, only_looks
from kubemedic.models.categories import Category
from kubemedic.models.findings import Finding, ObjectRef, Remediation
from kubemedic.models.severity import RiskTier, Severity
from kubemedic.services.diagnose import diagnose

SCENARIOS = Path(__file__).parent
CASES = sorted(p for p in SCENARIOS.iterdir() if (p / "expected.yaml").is_file())
PROGRAMS = frozenset({"kubectl", "echo", "grep", "base64", "head", "sort"})
"""Programs a user has wherever kubectl runs."""
NO_TEMPLATE = {
    "Pod": ("set resources", "set env", "rollout"),
    "Job": ("set resources", "set env", "set image", "rollout"),
}
"""kubectl verbs that fail on kinds whose pod template cannot change."""


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
