"""A Helm release's bad rollout, halted by the rollout guard and undone through Helm, on the
sandbox: the pause at once, ``helm rollback`` proposed as a follow-up operation, approved,
executed with its dry run first, and the Deployment back at revision 1's image with Helm's
history at revision 3.

Helm itself is replaced here by ``tests/support/helm_standin.py``: the real ``helm`` cannot be
installed on this machine or in CI (not packaged in Debian; the Go toolchain at hand is too old
to build it). The stand-in keeps the release in Helm 3's own Secrets
(``sh.helm.release.v1.todo.vN``, base64(gzip(JSON))) and applies a revision's manifest with
the real ``kubectl apply`` against the sandbox, as ``helm rollback`` does.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubemedic.errors import EXIT_FINDINGS, EXIT_REFUSED, EXIT_USAGE
from tests.e2e.rollout.conftest import SEEDED, Guarded
from tests.support import helm_standin

pytestmark = pytest.mark.e2e

BAD = "busybox:1.36"
"""An image whose container exits at once: it crash-loops in the sandbox."""
HELM_LABELS = {"app.kubernetes.io/managed-by": "Helm"}
HELM_ANNOTATIONS = {"meta.helm.sh/release-name": "todo", "meta.helm.sh/release-namespace": "todo"}


@pytest.fixture
def helm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The stand-in installed as ``helm`` on PATH."""
    installed = helm_standin.install(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{installed.parent}:{os.environ['PATH']}")
    return installed


def _manifest(guarded: Guarded, image: str) -> str:
    """The backend Deployment as the chart renders it, with ``image``."""
    live = guarded.backend()
    annotations = {
        k: v
        for k, v in (live["metadata"].get("annotations") or {}).items()
        if k.startswith("meta.helm.sh/")
    }
    spec = json.loads(json.dumps(live["spec"]))
    spec.pop("paused", None)
    spec["template"]["spec"]["containers"][0]["image"] = image
    return yaml.safe_dump(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {
                "name": "backend",
                "namespace": "todo",
                "labels": {**(live["metadata"].get("labels") or {}), **HELM_LABELS},
                "annotations": {**annotations, **HELM_ANNOTATIONS},
            },
            "spec": spec,
        }
    )


def _store(guarded: Guarded, release: dict[str, Any]) -> None:
    secret = json.dumps(helm_standin.release_secret(release))
    guarded.sandbox.kubectl("apply", "-f", "-", stdin=secret)


def _installed_at_revision_1(guarded: Guarded, tmp_path: Path, first_manifest: str = "") -> Path:
    """``helm install`` of the backend as it runs now; returns revision 2's manifest (the bad
    image), whose Secret is written as ``helm upgrade`` writes it."""
    good = _manifest(guarded, SEEDED)
    guarded.sandbox.kubectl("apply", "-f", "-", stdin=good)
    first = helm_standin.new_release(
        "todo",
        "todo",
        1,
        first_manifest or good,
        status="superseded",
        description="Install complete",
    )
    _store(guarded, first)
    bad = _manifest(guarded, BAD)
    second = helm_standin.new_release(
        "todo", "todo", 2, bad, status="deployed", description="Upgrade complete"
    )
    _store(guarded, second)
    path = tmp_path / "revision-2.yaml"
    path.write_text(bad)
    return path


def _history(helm: Path) -> list[dict[str, Any]]:
    done = subprocess.run(
        [str(helm), "history", "todo", "-n", "todo", "-o", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    rows: list[dict[str, Any]] = json.loads(done.stdout)
    return rows


def _section(record: dict[str, Any], event: str) -> dict[str, Any]:
    (found,) = [s["data"] for s in record["sections"] if s["event"] == event]
    data: dict[str, Any] = found
    return data


@pytest.mark.slow
def test_a_helm_release_is_paused_then_rolled_back_through_helm(
    guarded: Guarded, helm: Path, tmp_path: Path
) -> None:
    revision_2 = _installed_at_revision_1(guarded, tmp_path)
    done = guarded.guard(
        "--window", "1m", "--on-failure", "undo", "--", "kubectl", "apply", "-f", str(revision_2)
    )
    assert done.code == EXIT_FINDINGS, done.out + done.err
    assert "guarding revision 2 of deployment/backend -n todo" in done.out
    assert "; Helm release todo" in done.out
    assert re.search(
        r"^halted at 1/2 new replicas: pod backend-\S+ container backend", done.out, re.M
    )
    found = re.search(r"^helm rollback proposed as: (OP-\S+)$", done.out, re.M)
    assert found, done.out
    operation = found.group(1)
    assert f"next: roll it back through Helm: kubemedic approve {operation}" in done.out
    assert "a kubectl-level undo" not in done.out  # nothing was undone behind Helm's back
    assert guarded.backend()["spec"]["paused"] is True  # the halt: paused at once
    assert guarded.image() == BAD

    proposal = guarded.record(operation)
    assert proposal["state"] == "pending-approval"
    assert proposal["header"]["action"]["type"] == "helm-rollback"
    assert proposal["header"]["tier"] == "medium"
    plan = proposal["header"]["plan"]
    assert plan["change"]["body"] == {
        "release": "todo",
        "namespace": "todo",
        "revision": 1,
        "from": 2,
        "resume": True,
    }
    assert plan["inverse"]["body"]["revision"] == 2
    assert plan["dry_run"].startswith("passed: helm rollback todo 1 --namespace todo --wait=false")
    assert "halted by OP-" in proposal["header"]["reason"]
    assert guarded.note(operation)["helm_rollback"] == operation
    halt = guarded.note(operation)["halt"]
    assert guarded.note(halt)["helm_rollback"] == operation

    assert guarded.cli("approve", operation, "--as", "Ada").code == 0
    executed = guarded.cli("execute", operation)
    assert executed.code == 0, executed.out + executed.err

    guarded.sandbox.wait_for(
        lambda: (
            guarded.backend()["status"].get("updatedReplicas") == 2 and guarded.image() == SEEDED
        ),
        what="the backend to roll back to revision 1's image",
    )
    assert not guarded.backend()["spec"].get("paused")
    history = _history(helm)
    assert [(r["revision"], r["status"]) for r in history] == [
        (1, "superseded"),
        (2, "superseded"),
        (3, "deployed"),
    ]
    assert history[-1]["description"] == "Rollback to 1"

    record = guarded.record(operation)
    assert record["state"] == "executed"
    started = _section(record, "execution-started")
    assert started["helm_dry_run"]["command"].startswith("helm rollback todo 1 --namespace todo")
    assert "--dry-run" in started["helm_dry_run"]["command"]
    ran = _section(record, "executed")["helm"]
    assert ran["command"].startswith("helm rollback todo 1 --namespace todo --wait=false")
    assert (ran["exit_code"], ran["stdout"].strip()) == (0, helm_standin.SUCCESS)


def test_without_helm_the_proposal_and_the_execution_say_what_to_run_by_hand(
    guarded: Guarded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _installed_at_revision_1(guarded, tmp_path)  # revision 2's Secret written, not applied
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # kubectl, and no helm
    proposed = guarded.cli("propose", "helm-rollback", "deploy/backend", "-n", "todo")
    assert proposed.code == 0, proposed.out + proposed.err
    operation = proposed.out.splitlines()[0]
    header = guarded.record(operation)["header"]
    assert header["plan"]["dry_run"] == (
        "not run: helm is not installed here; run by hand: helm rollback todo 1 --namespace todo"
    )
    assert header["plan"]["after"]["command"] == "helm rollback todo 1 --namespace todo"
    assert guarded.cli("approve", operation, "--as", "Ada").code == 0
    refused = guarded.cli("execute", operation)
    assert refused.code == EXIT_USAGE
    assert "helm is not installed here (no helm on PATH)" in refused.err
    assert "run it by hand: helm rollback todo 1 --namespace todo" in refused.err
    assert guarded.record(operation)["state"] == "approved"  # nothing ran, nothing recorded


@pytest.mark.slow
def test_with_helm_rollback_run_the_guard_rolls_the_release_back_at_once(
    guarded: Guarded, helm: Path, tmp_path: Path
) -> None:
    revision_2 = _installed_at_revision_1(guarded, tmp_path)
    done = guarded.guard(
        "--window",
        "1m",
        "--on-failure",
        "undo",
        "--helm-rollback",
        "run",
        "--",
        "kubectl",
        "apply",
        "-f",
        str(revision_2),
    )
    assert done.code == EXIT_FINDINGS, done.out + done.err
    found = re.search(r"^helm rollback executed as: (OP-\S+)$", done.out, re.M)
    assert found, done.out
    record = guarded.record(found.group(1))
    assert record["state"] == "validated"  # rollout-complete, no-crashloop: revision 1 runs
    assert record["header"]["tier"] == "trivial"
    assert "pre-authorised" in record["header"]["tier_reason"]
    assert guarded.image() == SEEDED
    assert not guarded.backend()["spec"].get("paused")
    assert [(r["revision"], r["status"]) for r in _history(helm)][-1] == (3, "deployed")


def _approved_helm_rollback(guarded: Guarded) -> str:
    proposed = guarded.cli("propose", "helm-rollback", "deploy/backend", "-n", "todo")
    assert proposed.code == 0, proposed.out + proposed.err
    operation = proposed.out.splitlines()[0]
    assert guarded.cli("approve", operation, "--as", "Ada").code == 0
    return operation


def test_a_release_that_moved_on_since_the_proposal_is_refused(
    guarded: Guarded, helm: Path, tmp_path: Path
) -> None:
    _installed_at_revision_1(guarded, tmp_path)
    operation = _approved_helm_rollback(guarded)
    third = helm_standin.new_release(  # someone ran helm upgrade meanwhile
        "todo", "todo", 3, _manifest(guarded, SEEDED), status="deployed", description="Upgrade"
    )
    _store(guarded, third)
    refused = guarded.cli("execute", operation)
    assert refused.code == EXIT_REFUSED, refused.out + refused.err
    assert f"Helm release todo is at revision 3, not 2 as when {operation} was proposed" in (
        refused.err
    )
    assert guarded.record(operation)["state"] == "approved"
    assert [r["revision"] for r in _history(helm)] == [1, 2, 3]


def test_helm_failing_is_recorded_with_what_it_wrote(
    guarded: Guarded, helm: Path, tmp_path: Path
) -> None:
    broken = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: backend}\nspec: 7\n"
    _installed_at_revision_1(guarded, tmp_path, first_manifest=broken)
    operation = _approved_helm_rollback(guarded)
    failed = guarded.cli("execute", operation)
    assert failed.code == EXIT_FINDINGS, failed.out + failed.err
    assert "helm rollback todo 1 exited with 1: Error: " in failed.out
    record = guarded.record(operation)
    assert record["state"] == "failed"
    helm_said = _section(record, "execution-failed")["helm"]
    assert helm_said["exit_code"] == 1
    assert helm_said["stderr"].startswith("Error: ")
    assert [r["revision"] for r in _history(helm)] == [1, 2]  # no revision written
    assert guarded.image() == SEEDED
