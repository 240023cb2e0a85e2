"""STATUS cells and row conditions as kubectl 1.32's server-side printers write them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from kubemedic.sandbox.tables import TableOptions, to_table

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def job(*conditions: str, deleting: bool = False) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": "migrate", "creationTimestamp": "2026-12-06T11:00:00Z"}
    if deleting:
        metadata["deletionTimestamp"] = "2026-12-06T11:59:00Z"
    return {
        "kind": "Job",
        "metadata": metadata,
        "spec": {"template": {"spec": {"containers": []}}},
        "status": {"conditions": [{"type": c, "status": "True"} for c in conditions]},
    }


@pytest.mark.parametrize(
    ("conditions", "deleting", "status"),
    [
        (("FailureTarget", "Failed"), False, "Failed"),
        (("FailureTarget",), False, "FailureTarget"),
        (("SuccessCriteriaMet", "Complete"), False, "Complete"),
        (("Suspended",), False, "Suspended"),
        (("Suspended",), True, "Terminating"),
        (("Failed",), True, "Failed"),
        ((), False, "Running"),
    ],
)
def test_a_jobs_status_is_the_first_that_holds_in_kubectls_order(
    conditions: tuple[str, ...], deleting: bool, status: str
) -> None:
    table = to_table("Job", [job(*conditions, deleting=deleting)], NOW, TableOptions())
    assert table["columnDefinitions"][1]["name"] == "Status"
    assert table["rows"][0]["cells"][1] == status


@pytest.mark.parametrize(
    ("phase", "condition"),
    [
        ("Succeeded", {"reason": "Succeeded", "message": "The pod has completed successfully."}),
        ("Failed", {"reason": "Failed", "message": "The pod failed."}),
    ],
)
def test_ended_pods_carry_the_completed_row_condition(
    phase: str, condition: dict[str, str]
) -> None:
    pod = {"kind": "Pod", "metadata": {"name": "p"}, "spec": {}, "status": {"phase": phase}}
    row = to_table("Pod", [pod], NOW, TableOptions())["rows"][0]
    assert row["conditions"] == [{"type": "Completed", "status": "True", **condition}]
