"""The governed path on the sandbox, through the CLI: propose, decide, execute, validate.

Every rule a user relies on is exercised where it bites: self-approval, roles, the two-person
rule, rejection, expiry, conditions, a target that changed after its proposal.
"""

from __future__ import annotations

import time

import pytest

from tests.e2e.governed.conftest import Governed

pytestmark = pytest.mark.e2e

EXIT_REFUSED = 6


def _propose(governed: Governed, *args: str) -> str:
    result = governed.cli("propose", *args)
    assert result.code == 0, result.err
    return result.first_line


def test_low_tier_scale_needs_one_approver_other_than_the_requester(governed: Governed) -> None:
    op = _propose(governed, "scale", "deploy/frontend", "-n", "todo", "--replicas", "3")
    assert op.startswith("OP-")
    pending = governed.cli("approvals")
    assert op in pending.out
    assert "low" in pending.out

    own = governed.cli("approve", op)  # Lin proposed it (settings user)
    assert own.code == EXIT_REFUSED
    assert "cannot approve it" in own.err
    assert "Ada" in own.err

    assert governed.cli("approve", op, "--as", "Ada", "--reason", "traffic").code == 0
    done = governed.cli("execute", op, "--wait")
    assert done.code == 0, done.err + done.out
    assert "is validated" in done.out
    assert governed.deployment("frontend")["spec"]["replicas"] == 3
    assert governed.events(op) == [
        "submitted",
        "approved",
        "execution-started",
        "executed",
        "validation-passed",
        "validation-passed",
    ]
    assert governed.cli("records", "verify").code == 0
    assert governed.cli("records", "audit").code == 0
    stats = governed.cli("stats", "-o", "json")
    assert '"low"' in stats.out


def test_critical_change_needs_two_people_one_of_them_security(governed: Governed) -> None:
    op = _propose(governed, "scale", "deploy/frontend", "-n", "todo", "--replicas", "0")
    assert governed.record(op)["header"]["tier"] == "critical"
    first = governed.cli("approve", op, "--as", "Ada")
    assert first.code == 0
    assert "pending-approval" in first.out
    assert governed.cli("approve", op, "--as", "Ada").code == EXIT_REFUSED  # not twice
    other_architect = governed.cli("approve", op, "--as", "Bo")
    assert other_architect.code == EXIT_REFUSED
    assert "security" in other_architect.err
    assert governed.cli("execute", op).code == EXIT_REFUSED  # not approved yet
    assert governed.cli("approve", op, "--as", "Sam").code == 0
    assert governed.cli("execute", op).code == 0
    assert governed.deployment("frontend")["spec"]["replicas"] == 0


def test_medium_change_needs_an_architect(governed: Governed) -> None:
    op = _propose(governed, "resources", "deploy/backend", "-n", "todo", "--memory-limit", "768Mi")
    refused = governed.cli("approve", op, "--as", "Sam")
    assert refused.code == EXIT_REFUSED
    assert "architect" in refused.err
    assert governed.cli("approve", op, "--as", "Ada").code == 0


def test_rejected_operation_never_executes(governed: Governed) -> None:
    op = _propose(governed, "scale", "deploy/frontend", "-n", "todo", "--replicas", "3")
    assert governed.cli("reject", op, "--as", "Ada", "--reason", "not now").code == 0
    refused = governed.cli("execute", op, "--as", "Ada")
    assert refused.code == EXIT_REFUSED
    assert "rejected" in refused.err
    assert governed.deployment("frontend")["spec"]["replicas"] == 2


def test_expired_operation_never_executes(governed: Governed) -> None:
    governed.settings(expire_after="1s")
    op = _propose(governed, "scale", "deploy/frontend", "-n", "todo", "--replicas", "3")
    time.sleep(1.5)
    escalated = governed.cli("approvals", "--escalate")
    assert f"expired: {op}" in escalated.out
    assert governed.cli("approve", op, "--as", "Ada").code == EXIT_REFUSED
    assert governed.cli("execute", op).code == EXIT_REFUSED
    assert governed.events(op)[-1] == "expired"


def test_sla_breach_is_recorded_once(governed: Governed) -> None:
    op = _propose(governed, "scale", "deploy/frontend", "-n", "todo", "--replicas", "3")
    record = governed.record(op)
    assert record["header"]["approval"]["sla_minutes"] == 5
    # a breach is judged against the recorded deadline; nothing is due yet
    assert op not in governed.cli("approvals", "--escalate").out


def test_conditions_are_checked_at_execution(governed: Governed) -> None:
    op = _propose(governed, "scale", "deploy/frontend", "-n", "todo", "--replicas", "3")
    unknown = governed.cli("approve", op, "--as", "Ada", "--condition", "moon=full")
    assert unknown.code == EXIT_REFUSED
    assert "unknown condition" in unknown.err
    assert governed.events(op) == ["submitted"]  # nothing recorded

    cap = governed.cli("approve", op, "--as", "Ada", "--condition", "after=2099-01-01T00:00Z")
    assert cap.code == 0
    assert "conditionally-approved" in cap.out
    blocked = governed.cli("execute", op)
    assert blocked.code == EXIT_REFUSED
    assert "after=2099-01-01T00:00Z" in blocked.err
    assert governed.deployment("frontend")["spec"]["replicas"] == 2


def test_a_replica_cap_blocks_a_bigger_change(governed: Governed) -> None:
    op = _propose(governed, "scale", "deploy/frontend", "-n", "todo", "--replicas", "4")
    assert governed.cli("approve", op, "--as", "Ada", "--condition", "max-replicas=3").code == 0
    blocked = governed.cli("execute", op)
    assert blocked.code == EXIT_REFUSED
    assert "sets 4 replicas" in blocked.err


def test_a_target_changed_since_the_proposal_forces_a_new_one(governed: Governed) -> None:
    op = _propose(governed, "scale", "deploy/frontend", "-n", "todo", "--replicas", "3")
    assert governed.cli("approve", op, "--as", "Ada").code == 0
    governed.sandbox.kubectl("scale", "deployment/frontend", "-n", "todo", "--replicas=4")
    refused = governed.cli("execute", op)
    assert refused.code == EXIT_REFUSED
    assert "changed since operation" in refused.err
    assert "propose" in refused.err
    assert governed.deployment("frontend")["spec"]["replicas"] == 4


def test_an_overdue_approval_is_escalated_once_and_notified(governed: Governed) -> None:
    governed.settings(sla={"low": "1s"})
    op = _propose(governed, "scale", "deploy/frontend", "-n", "todo", "--replicas", "3")
    time.sleep(2.1)  # records keep whole seconds
    listed = governed.cli("approvals")
    assert "BREACHED" in listed.out
    first = governed.cli("approvals", "--escalate")
    assert f"SLA breached: {op}" in first.out
    again = governed.cli("approvals", "--escalate")
    assert op not in again.out  # recorded once
    assert governed.events(op) == ["submitted", "sla-breached"]
    assert governed.cli("approve", op, "--as", "Ada").code == 0  # late, but still decidable
    stats = governed.cli("stats")
    assert "SLA compliance, low: 0/1 (0%)" in stats.out


def test_without_people_the_local_user_runs_trivial_operations(governed: Governed) -> None:
    governed.config.write_text("policy: {validation_delays: [1s], validation_timeout: 40s}\n")
    pod = governed.sandbox.kubectl(
        "get", "pods", "-n", "todo", "-l", "app=frontend", "-o", "name"
    ).stdout.split()[0]
    restart = governed.cli("propose", "restart", pod, "-n", "todo")
    assert restart.code == 0, restart.err
    assert "no approval needed" in restart.out
    done = governed.cli("execute", restart.first_line, "--wait")
    assert done.code == 0, done.out + done.err
    names = governed.sandbox.kubectl("get", "pods", "-n", "todo", "-l", "app=frontend").stdout
    assert pod.split("/")[1] not in names

    low = governed.cli("propose", "scale", "deploy/frontend", "-n", "todo", "--replicas", "3")
    assert "nobody is configured to approve it" in low.out
    refused = governed.cli("approve", low.first_line)
    assert refused.code == EXIT_REFUSED
    assert "people" in refused.err


def test_validate_due_runs_what_cron_finds_due(governed: Governed) -> None:
    governed.settings(validation_delays=["5s", "6s"])
    op = _propose(governed, "scale", "deploy/frontend", "-n", "todo", "--replicas", "3")
    assert governed.cli("approve", op, "--as", "Ada").code == 0
    assert governed.cli("execute", op).code == 0
    early = governed.cli("validate", op)
    assert "next validation stage due" in early.out  # 5 s are not over yet
    assert "stage 1" not in early.out
    time.sleep(6.2)
    due = governed.cli("validate", "--due")
    assert due.code == 0, due.out + due.err
    assert "stage 1" in due.out
    assert "stage 2" in due.out
    assert governed.record(op)["state"] == "validated"
    assert "No validation is due." in governed.cli("validate", "--due").out


def test_a_moved_replica_count_does_not_void_an_approved_template_change(
    governed: Governed,
) -> None:
    op = _propose(governed, "resources", "deploy/frontend", "-n", "todo", "--memory-limit", "300Mi")
    assert governed.cli("approve", op, "--as", "Ada").code == 0
    governed.sandbox.kubectl("scale", "deployment/frontend", "-n", "todo", "--replicas=3")
    done = governed.cli("execute", op)  # as an autoscaler would have moved it
    assert done.code == 0, done.err
    frontend = governed.deployment("frontend")
    assert frontend["spec"]["replicas"] == 3
    limits = frontend["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]
    assert limits["memory"] == "300Mi"
