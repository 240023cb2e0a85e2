"""The in-cluster schedule: ``deploy/`` is what ``schedule print`` renders with the defaults,
``kubectl kustomize deploy/`` renders it, the RBAC only reads, and the settings reach it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubemedic import __version__
from kubemedic.cli.app import run
from kubemedic.reports.schedule import ScheduleValues
from kubemedic.services.schedule import render_files

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
CLUSTER_KINDS = {"Namespace", "ClusterRole", "ClusterRoleBinding"}


def _printed(capsys: pytest.CaptureFixture[str], *args: str) -> list[dict[str, Any]]:
    assert run(["schedule", "print", *args]) == 0
    return list(yaml.safe_load_all(capsys.readouterr().out))


@pytest.fixture(autouse=True)
def _no_user_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv("KUBEMEDIC_CONFIG_FILE", raising=False)
    monkeypatch.delenv("KUBEMEDIC_PROMETHEUS_URL", raising=False)


def test_deploy_holds_what_schedule_print_renders_with_the_defaults(
    request: pytest.FixtureRequest,
) -> None:
    files = render_files(ScheduleValues(__version__))
    if request.config.getoption("--update-golden"):
        for name, text in files.items():
            (DEPLOY / name).write_text(text, encoding="utf-8")
    for name, text in files.items():
        assert (DEPLOY / name).read_text(encoding="utf-8") == text, (
            f"deploy/{name} differs from the rendering; if intended: pytest --update-golden"
        )
    listed = yaml.safe_load((DEPLOY / "kustomization.yaml").read_text(encoding="utf-8"))
    assert set(files) <= set(listed["resources"])


def test_kubectl_kustomize_renders_what_schedule_print_does_and_the_server(
    capsys: pytest.CaptureFixture[str],
) -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed")
    done = subprocess.run(
        [kubectl, "kustomize", str(DEPLOY)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    rendered = {(o["kind"], o["metadata"]["name"]) for o in yaml.safe_load_all(done.stdout)}
    printed = {(o["kind"], o["metadata"]["name"]) for o in _printed(capsys)}
    assert printed <= rendered
    assert {kind for kind, _ in rendered - printed} >= {"Deployment", "Service"}  # the server
    assert ("CronJob", "kubemedic-health-report") in rendered


def test_the_schedules_run_at_the_seed_cadence_with_the_version_image(
    capsys: pytest.CaptureFixture[str],
) -> None:
    objects = _printed(capsys)
    jobs = {o["metadata"]["name"]: o["spec"] for o in objects if o["kind"] == "CronJob"}
    assert {name: (spec["schedule"], spec["timeZone"]) for name, spec in jobs.items()} == {
        "kubemedic-health-report": ("0 0 * * 1", "Etc/UTC"),
        "kubemedic-security-audit": ("0 0 * * 5", "Etc/UTC"),
        "kubemedic-utilization": ("0 0 * * *", "Etc/UTC"),
    }
    health = jobs["kubemedic-health-report"]["jobTemplate"]["spec"]["template"]["spec"]
    [container] = health["containers"]
    assert container["image"] == f"ghcr.io/kubemedic/kubemedic:{__version__}"
    assert container["args"][:2] == ["report", "health"]
    assert "--record" in container["args"]
    [collector] = [o for o in objects if o["kind"] == "Deployment"]
    assert collector["spec"]["template"]["spec"]["containers"][0]["args"][0] == "collect"


def test_the_cluster_role_only_reads(capsys: pytest.CaptureFixture[str]) -> None:
    [role] = [o for o in _printed(capsys) if o["kind"] == "ClusterRole"]
    verbs = {verb for rule in role["rules"] for verb in rule["verbs"]}
    assert verbs == {"get", "list", "watch"}
    assert all("*" not in rule["resources"] for rule in role["rules"])


def test_the_namespace_and_prometheus_of_the_settings_are_used(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    config = tmp_path / "kubemedic.yaml"
    config.write_text("prometheus:\n  url: http://prometheus.monitoring:9090\n")
    assert run(["--config", str(config), "schedule", "print", "--namespace", "ops"]) == 0
    objects = list(yaml.safe_load_all(capsys.readouterr().out))
    for obj in objects:
        if obj["kind"] not in CLUSTER_KINDS:
            assert obj["metadata"]["namespace"] == "ops", obj["metadata"]
    [binding] = [o for o in objects if o["kind"] == "ClusterRoleBinding"]
    assert binding["subjects"][0]["namespace"] == "ops"
    [settings] = [o for o in objects if o["kind"] == "ConfigMap"]
    assert "url: http://prometheus.monitoring:9090" in settings["data"]["config.yaml"]
