"""``kubemedic schedule print`` applied to the sandbox with the real kubectl: every object of
the schedule is accepted and served back as written."""

from __future__ import annotations

import pytest

from kubemedic.cli.app import run
from tests.e2e.conftest import Sandbox

pytestmark = pytest.mark.e2e


def test_the_rendered_schedule_applies_to_the_sandbox(
    bare_sandbox: Sandbox, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KUBEMEDIC_CONFIG_FILE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(bare_sandbox.cache_dir / "xdg"))
    assert run(["schedule", "print"]) == 0
    manifest = capsys.readouterr().out
    applied = bare_sandbox.kubectl("apply", "-f", "-", stdin=manifest)
    assert "cronjob.batch/kubemedic-health-report created" in applied.stdout
    jobs = bare_sandbox.kubectl_json("get", "cronjobs", "-n", "kubemedic")["items"]
    assert {j["metadata"]["name"]: j["spec"]["schedule"] for j in jobs} == {
        "kubemedic-health-report": "0 0 * * 1",
        "kubemedic-security-audit": "0 0 * * 5",
        "kubemedic-utilization": "0 0 * * *",
    }
    role = bare_sandbox.kubectl_json("get", "clusterrole", "kubemedic-read-only")
    assert {v for rule in role["rules"] for v in rule["verbs"]} == {"get", "list", "watch"}
    for kind in (
        "serviceaccount/kubemedic",
        "deployment/kubemedic-collector",
        "configmap/kubemedic-settings",
        "pvc/kubemedic-store",
        "pvc/kubemedic-records",
    ):
        bare_sandbox.kubectl("get", kind, "-n", "kubemedic")
    again = bare_sandbox.kubectl("apply", "-f", "-", stdin=manifest)
    assert "created" not in again.stdout, "a second apply changes nothing"
