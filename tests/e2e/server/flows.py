"""Steps the governed-workflow tests of a running server share: the settings that let the
sandbox's admin token propose and execute, a proposal to scale the sandbox's frontend, and
executing and validating an approved operation over the API."""

from __future__ import annotations

from typing import Any

import httpx

PEOPLE = [{"name": "Ada", "email": "ada@example.com", "roles": ["architect"]}]
CLUSTER_ADMINS_OPERATE = {"server": {"group_roles": {"system:masters": ["operator", "architect"]}}}
"""The sandbox's admin token (group system:masters) may propose, execute and approve others'."""
GOVERNED = {
    "people": PEOPLE,
    "policy": {"validation_delays": ["1s"], "validation_timeout": "40s"},
    **CLUSTER_ADMINS_OPERATE,
}
"""One validation stage a second after the change, for tests that see an operation through."""
FRONTEND = {"kind": "Deployment", "name": "frontend", "namespace": "todo"}


def propose_three_frontends(client: httpx.Client, reason: str, **fields: Any) -> httpx.Response:
    """``POST /api/v1/operations``: scale the sandbox's frontend to 3 replicas."""
    return client.post(
        "/api/v1/operations",
        json={
            "action": "scale",
            "target": FRONTEND,
            "params": {"replicas": 3},
            "reason": reason,
            **fields,
        },
    )


def execute_and_validate(client: httpx.Client, op: str) -> None:
    """Execute the approved operation ``op`` and wait for its validation to pass."""
    executed = client.post(f"/api/v1/operations/{op}/execute")
    assert executed.json()["state"] == "executed", executed.text
    validated = client.post(f"/api/v1/operations/{op}/validate", json={"wait": True})
    assert validated.json()["state"] == "validated", validated.text
