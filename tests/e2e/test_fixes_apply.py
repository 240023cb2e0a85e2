"""Every sandbox failure is fixed by running the first finding's commands exactly as printed.

A user (or ``diagnose --propose``) runs a fix's commands as they are printed. For each
``sandbox break`` scenario this test breaks a fresh sandbox, diagnoses it over the live API,
and runs every command of the first finding that changes something — in a shell, with the
real ``kubectl``, substituting nothing. Then the scenario's target must recover (its pods
Ready, no finding above ``info`` about it), the problem the finding described must be gone,
and both must stay so for ten minutes of cluster time without a restart of the target's pods:
a fix that only postpones the next failure is no fix. A command that cannot run as
printed, a placeholder, or a tool other than kubectl and the shell fails the test.
"""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from kubemedic.analyzers._commands import only_looks
from kubemedic.models.findings import Finding, ObjectRef
from kubemedic.models.severity import Severity
from kubemedic.sandbox.breaking import DEFAULT_NAMESPACE
from kubemedic.sandbox.scenarios import SCENARIOS
from kubemedic.services.diagnose import diagnose
from kubemedic.services.sources import SourceRequest, load_view
from tests.scenarios.test_fixes_runnable import PROGRAMS, programs

from .conftest import KUBECTL, Sandbox, SandboxFactory

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

TIME_SCALE = 20.0
HOLD_SECONDS = 30.0
"""How long the recovery must last: ten minutes of cluster time."""

NOT_VISIBLE = {
    "cpu-spike": "load the HorizontalPodAutoscaler absorbs is not a failure",
    "bad-rollout": "HTTP 500s on 20% of requests show only in the application's metrics",
}
"""Scenarios whose effect no Kubernetes object shows: there is no finding, hence no fix."""

_KINDS = {
    "deployment": "Deployment",
    "statefulset": "StatefulSet",
    "daemonset": "DaemonSet",
    "node": "Node",
}
_PLACEHOLDER = re.compile(r"<[A-Za-z][^<>]*>")


class Cluster:
    """A sandbox broken by a scenario, diagnosed over its live API and fixed through a shell."""

    def __init__(self, sandbox: Sandbox, workdir: Path) -> None:
        self.sandbox = sandbox
        self.workdir = workdir
        self.env = {
            **os.environ,
            "KUBECONFIG": str(sandbox.kubeconfig),
            "KUBECACHEDIR": str(sandbox.cache_dir),
            "PATH": f"{Path(KUBECTL or 'kubectl').parent}:{os.environ.get('PATH', '')}",
        }

    def findings(self) -> tuple[Finding, ...]:
        request = SourceRequest(all_namespaces=True, kubeconfig=self.sandbox.kubeconfig)
        return diagnose(load_view(request)).findings

    def run(self, command: str) -> subprocess.CompletedProcess[str]:
        """Run a fix command as a user pastes it into a shell."""
        return subprocess.run(
            ["bash", "-c", command],
            cwd=self.workdir,
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def workload(self, ref: ObjectRef) -> dict[str, Any]:
        result: dict[str, Any] = self.sandbox.kubectl_json(
            "get", ref.kind.lower(), ref.name, "-n", ref.namespace
        )
        return result


def _serious(findings: tuple[Finding, ...]) -> list[Finding]:
    return [f for f in findings if f.severity is not Severity.INFO]


def _report(finding: Finding) -> str:
    fix = finding.remediation
    lines = [f"{finding.id} {finding.object}: {finding.summary}", f"fix: {fix.summary}"]
    lines += [f"  step: {step}" for step in fix.steps]
    lines += [f"  $ {command}" for command in fix.commands]
    return "\n".join(lines)


def _stable_first_finding(cluster: Cluster) -> Finding | None:
    """The first finding, once two diagnoses a few seconds apart agree on it and its fix."""
    first = _serious(cluster.findings())
    time.sleep(3)
    second = _serious(cluster.findings())
    if not first or not second:
        return None
    a, b = first[0], second[0]
    same = (a.id, a.object, a.remediation.commands) == (b.id, b.object, b.remediation.commands)
    return b if same else None


def _ready(cluster: Cluster, ref: ObjectRef) -> bool:
    """A workload with every replica updated, Ready and available; a node without pressure."""
    if ref.kind == "Node":
        node = cluster.sandbox.kubectl_json("get", "node", ref.name)
        return all(
            c["status"] == ("True" if c["type"] == "Ready" else "False")
            for c in node["status"].get("conditions", [])
        )
    if ref.kind not in _KINDS.values():
        return True  # a claim, a Service: recovered when no finding is left about it
    workload = cluster.workload(ref)
    status = workload.get("status", {})
    observed = status.get("observedGeneration", 0) >= workload["metadata"]["generation"]
    if ref.kind == "DaemonSet":
        wanted = status.get("desiredNumberScheduled", 0)
        keys = ("currentNumberScheduled", "numberReady", "updatedNumberScheduled")
        counts = [status.get(k, 0) for k in (*keys, "numberAvailable")]
    else:
        wanted = workload["spec"].get("replicas", 1)
        keys = ("replicas", "readyReplicas", "updatedReplicas")
        counts = [status.get(k, 0) for k in (*keys, "availableReplicas")]
    return observed and counts == [wanted] * 4


def _recovered(cluster: Cluster, target: ObjectRef, fixed: Finding | None = None) -> bool:
    """The target is Ready with no finding above info about it, and the problem ``fixed``
    described (its id, on its object) is gone. A workload other than the target that the fix
    reined in (a memory hog given a limit) may still fail on its own account."""
    if not _ready(cluster, target):
        return False
    left = _serious(cluster.findings())
    if any(f.object == target for f in left):
        return False
    return fixed is None or not any((f.id, f.object) == (fixed.id, fixed.object) for f in left)


def _restarts(cluster: Cluster, ref: ObjectRef) -> dict[str, int]:
    """Restart counts of a workload's pods (none for a node)."""
    if ref.kind == "Node":
        return {}
    labels = cluster.workload(ref)["spec"]["selector"].get("matchLabels", {})
    selector = ",".join(f"{k}={v}" for k, v in labels.items())
    pods = cluster.sandbox.kubectl_json("get", "pods", "-n", ref.namespace, "-l", selector)
    return {
        pod["metadata"]["name"]: sum(
            s.get("restartCount", 0) for s in pod["status"].get("containerStatuses") or ()
        )
        for pod in pods["items"]
    }


def _check_runnable(command: str, report: str) -> None:
    """No placeholder, and no program but kubectl and the shell's own tools."""
    assert not _PLACEHOLDER.search(command), f"a placeholder in {command!r}:\n{report}"
    extra = programs(command) - PROGRAMS
    assert not extra, f"{command!r} runs {sorted(extra)}:\n{report}"


@pytest.mark.timeout(420)
@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_first_fix_applied_as_printed_recovers_the_workload(
    sandbox_factory: SandboxFactory, tmp_path: Path, scenario: str
) -> None:
    sandbox = sandbox_factory(time_scale=TIME_SCALE)
    assert sandbox.server.simulation is not None
    cluster = Cluster(sandbox, tmp_path)
    kind_text, _, name = SCENARIOS[scenario].default_target.partition("/")
    kind = _KINDS[kind_text.lower()]
    target = ObjectRef(kind, name, "" if kind == "Node" else DEFAULT_NAMESPACE)
    sandbox.wait_for(
        lambda: _recovered(cluster, target), timeout=60, what="a healthy sandbox", interval=1
    )

    sandbox.server.simulation.break_scenario(scenario, target=None, namespace=None)

    if scenario in NOT_VISIBLE:
        time.sleep(HOLD_SECONDS)
        found = [_report(f) for f in _serious(cluster.findings())]
        assert not found, f"{scenario} is diagnosed now: drop it from NOT_VISIBLE\n{found}"
        return
    finding = sandbox.wait_for(
        lambda: _stable_first_finding(cluster),
        timeout=120,
        what=f"a finding for {scenario}",
        interval=1,
    )
    report = _report(finding)
    print(report)  # shown when the test fails
    for command in finding.remediation.commands:
        _check_runnable(command, report)
    changes = [c for c in finding.remediation.commands if not only_looks(c)]
    assert changes, f"the fix changes nothing:\n{report}"
    for command in changes:
        result = cluster.run(command)
        assert result.returncode == 0, f"$ {command}\n{result.stderr}\n{report}"

    sandbox.wait_for(
        lambda: _recovered(cluster, target, finding),
        timeout=180,
        what=f"recovery after:\n{report}",
        interval=1,
    )
    before = _restarts(cluster, target)
    time.sleep(HOLD_SECONDS)
    restarted = [pod for pod, n in _restarts(cluster, target).items() if n > before.get(pod, n)]
    assert not restarted, f"{restarted} restarted again after the fix:\n{report}"
    assert _recovered(cluster, target, finding), f"the failure came back after:\n{report}"
