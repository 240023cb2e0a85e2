"""Pods known only from a ``kubectl get pods`` row, diagnosed by the analyzers of their cause.

The row says the pod has one app container, how often it restarted and its state; a pasted
log says why it ends. The crash and OOM analyzers report what that establishes, say what is
unknown, and print commands that run as printed: no ``-c`` with a name the input never gave.
"""

from __future__ import annotations

from datetime import UTC, datetime

from kubemedic.adapters.kubernetes.kubectl_time import Clock
from kubemedic.adapters.kubernetes.tables import PodRow, pod_of
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView, LogKey, LogTail
from kubemedic.models.findings import Finding
from kubemedic.models.severity import Severity
from kubemedic.services.diagnose import diagnose

NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
CHOWN = "chown: changing ownership of '/var/lib/postgresql/data': Operation not permitted"


def findings(
    status: str,
    log: tuple[str, ...] = (),
    *,
    name: str = "db-0",
    ready: str = "0/1",
    restarts: int = 5,
    others: tuple[str, ...] = (),
) -> list[Finding]:
    """What diagnose reports of one row (``ready`` as the READY column shows it) and the log
    a pasted ``kubectl logs NAME`` printed, with rows alike for the pods named ``others``."""
    shown, total = (int(n) for n in ready.split("/"))
    rows = [
        PodRow("shop", each, shown, total, status, restarts, 1800.0, "", "", 2)
        for each in (name, *others)
    ]
    logs = {LogKey("shop", name, ""): (LogTail(log, None, "pasted.txt:9"),)} if log else {}
    pods = [pod_of(row, Clock(NOW)) for row in rows]
    view = ClusterView(pods, observed_at=NOW, source="t", logs=logs)
    return [f for f in diagnose(view).findings if f.severity is not Severity.INFO]


def commands(finding: Finding) -> str:
    return "\n".join(finding.remediation.commands)


def test_a_refused_chown_in_the_log_is_a_volume_permission_problem() -> None:
    (finding,) = findings("CrashLoopBackOff", (CHOWN,))

    assert finding.category is Category.VOLUME_PERMISSION_DENIED
    assert "/var/lib/postgresql/data" in finding.summary
    assert "nor the container's name" in finding.root_cause
    facts = {e.fact: e.location for e in finding.evidence}
    assert facts[CHOWN] == "log of shop/db-0 (pasted.txt:9)"
    assert facts["restarted 5 times"] == "Pod shop/db-0 (kubectl get pods RESTARTS)"
    assert finding.affected[0].containers == ()


def test_commands_need_no_container_name_for_the_pods_one_container() -> None:
    (finding,) = findings("CrashLoopBackOff", (CHOWN,))

    assert " -c " not in commands(finding)
    assert "kubectl logs db-0 -n shop --previous --tail=50" in finding.remediation.commands
    assert ".spec.containers[0].volumeMounts" in finding.remediation.commands[0]


def test_replicas_showing_the_same_row_without_a_log_are_named_as_most_likely_alike() -> None:
    replicas = ("api-7d9f8b6c5d-x2x4q", "api-7d9f8b6c5d-b8n7k", "api-7d9f8b6c5d-z9w6m")
    line = "exec /usr/bin/bash: exec format error"
    (finding,) = findings("CrashLoopBackOff", (line,), name=replicas[0], others=replicas[1:])

    assert finding.category is Category.CRASHLOOP_EXEC_FORMAT
    assert sorted(p.name for p in finding.affected) == sorted(replicas)
    assert "2 other pod(s) of its Deployment show the same row and no log" in finding.root_cause


def test_a_port_refused_to_a_non_root_user_is_a_permission_problem_with_its_fix() -> None:
    line = "[emerg] 1#1: bind() to 0.0.0.0:80 failed (13: Permission denied)"
    (finding,) = findings("CrashLoopBackOff", (line,))

    assert finding.category is Category.CRASHLOOP_PERMISSION_DENIED
    assert "may not listen on 0.0.0.0:80" in finding.summary
    assert "1024 or above" in finding.remediation.summary


def test_an_error_row_without_restarts_failed_once() -> None:
    (finding,) = findings("Error", ("exec /app/server: exec format error",), restarts=0)

    assert finding.category is Category.CRASHLOOP_EXEC_FORMAT
    assert finding.summary.startswith("Pod db-0 failed:")


def test_without_a_log_the_cause_is_not_established_and_the_safety_net_reports_the_row() -> None:
    (finding,) = findings("CrashLoopBackOff")

    assert finding.category is Category.UNKNOWN
    assert "kubectl get pods shows CrashLoopBackOff" in finding.summary
    assert "kubectl logs pod/db-0 -n shop --previous" in finding.remediation.commands


def test_a_log_that_states_no_cause_leaves_the_row_to_the_safety_net() -> None:
    (finding,) = findings("CrashLoopBackOff", ("listening on :8080", "shutting down"))

    assert finding.category is Category.UNKNOWN


def test_an_oom_killed_row_reads_the_limit_before_raising_it_on_the_workload() -> None:
    (finding,) = findings("OOMKilled", name="api-7d9f8b6c5d-x2x4q")

    assert finding.category is Category.OOMKILLED
    assert (finding.object.kind, finding.object.name) == ("Deployment", "api")
    first, set_limit, *_ = finding.remediation.commands
    assert first == (
        "kubectl get pod api-7d9f8b6c5d-x2x4q -n shop -o jsonpath='{.spec.containers[0].resources}'"
    )
    assert set_limit == "kubectl set resources deployment/api -n shop --limits=memory=<limit>"
    assert any("<limit>" in step for step in finding.remediation.steps)
    assert "are not in the input" in finding.root_cause


def test_an_oom_killed_bare_pod_is_recreated_not_set() -> None:
    (finding,) = findings("OOMKilled")

    assert finding.category is Category.OOMKILLED
    assert not any(c.startswith("kubectl set ") for c in finding.remediation.commands)
    assert any("create it again from its manifest" in step for step in finding.remediation.steps)


def test_healthy_and_starting_rows_stay_quiet() -> None:
    assert findings("Running", ready="1/1", restarts=0) == []
    assert findings("Completed", restarts=0) == []
