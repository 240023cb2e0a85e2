"""Regenerate the ``describe-*`` scenario folders from the sandbox with the real kubectl.

Run ``.venv/bin/python -m tests.scenarios.describe_regenerate [scenario ...]`` (under a minute
per scenario). For each sandbox break scenario it starts a fresh sandbox, breaks it, lets the
failure develop, and then, at one moment, records what a user would paste (``kubectl describe``
of the troubled pods and of the workload, ``kubectl get pods -o wide``, ``kubectl get events``,
the crashed containers' previous logs) and the same state as YAML. The YAML is diagnosed
and its findings become ``expected.yaml``: the pasted text must give the same diagnosis. The
YAML itself is kept under ``tests/unit/adapters/describe_twins/`` for the twin test.

The sandbox clock runs fast, and kubectl prints ages against the wall clock: the clock is
started in the past, so that it is just behind the wall when the text is recorded. The API then
serves every time as the cluster recorded it (it shifts times only when its clock is ahead), so
the text and the YAML, read a moment apart, show the same moments.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from kubemedic.adapters.kubernetes.files import load_files
from kubemedic.models.severity import Severity
from kubemedic.sandbox.runtime import SandboxOptions, SandboxServer
from kubemedic.services.diagnose import diagnose

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "tests" / "scenarios"
TWINS = ROOT / "tests" / "unit" / "adapters" / "describe_twins"
NAMESPACE = "todo"
TIME_SCALE = 20.0
WARM_UP = 40.0  # cluster seconds for the seeded app to come up before the break
LAG = timedelta(seconds=10)  # how far the cluster clock is behind the wall while recording


@dataclass(frozen=True)
class Case:
    """One break scenario and what a user would paste about it."""

    scenario: str
    develop: float  # cluster seconds from the break to the recording
    describe: tuple[str, ...] = ("pods",)  # what to describe besides the troubled pods
    tables: bool = False  # also `get pods -o wide` and `get events`
    summary: str = ""


# Every break scenario but cpu-spike and bad-rollout: an HPA scaling out and HTTP 500s show in
# metrics, not in anything kubectl describe prints.
CASES = (
    Case("crashloop", 420, summary="the app exits 1 at start: DATABASE_URL removed"),
    Case("oom", 420, describe=("pods", "deployment"), summary="memory limit below use"),
    Case("bad-image", 150, tables=True, summary="an image tag that does not exist"),
    Case("private-image", 150, summary="a private repository without a pull secret"),
    Case("missing-configmap", 90, summary="env from a ConfigMap that does not exist"),
    Case("missing-secret-key", 90, summary="env from a Secret key that does not exist"),
    Case("unschedulable", 90, describe=("pods", "nodes"), summary="requests bigger than any node"),
    Case("taint", 90, describe=("pods", "nodes"), summary="every node tainted"),
    Case("liveness-fail", 420, summary="liveness probe on a closed port"),
    Case("readiness-fail", 240, tables=True, summary="readiness probe on a 404 path"),
    Case("pvc-pending", 90, describe=("pods", "pvc"), summary="a PVC on a missing StorageClass"),
    Case("memory-leak", 900, summary="a release that leaks memory until OOMKilled"),
    Case("node-pressure", 900, describe=("pods", "nodes"), summary="a memory hog fills a node"),
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", help="only these (default: all)")
    wanted = set(parser.parse_args().scenarios)
    for case in CASES:
        if not wanted or case.scenario in wanted:
            record(case)


def record(case: Case) -> None:
    root = Path(tempfile.mkdtemp(prefix="describe-"))
    lead = (TIME_SCALE - 1) * (WARM_UP + case.develop) / TIME_SCALE
    server = SandboxServer(
        SandboxOptions(
            state_dir=root / "state",
            time_scale=TIME_SCALE,
            clock_start=datetime.now(UTC) - timedelta(seconds=lead),
        )
    )
    server.start()
    try:
        kubectl = _kubectl(server, root)
        _wait_until(lambda: server.clock.now() >= datetime.now(UTC) - LAG - _before(case))
        assert server.simulation is not None
        message = server.simulation.break_scenario(case.scenario, target=None, namespace=None)
        print(f"{case.scenario}: {message}", file=sys.stderr)
        _wait_until(lambda: server.clock.now() >= datetime.now(UTC) - LAG)
        _write(case, kubectl)
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def _before(case: Case) -> timedelta:
    """How far the cluster clock is behind the wall when the scenario must break."""
    return timedelta(seconds=case.develop * (TIME_SCALE - 1) / TIME_SCALE)


def _wait_until(predicate: Callable[[], bool]) -> None:
    while not predicate():
        time.sleep(0.05)


Kubectl = Callable[..., str]


def _kubectl(server: SandboxServer, root: Path) -> Kubectl:
    base = ["kubectl", "--kubeconfig", str(server.kubeconfig), "--cache-dir", str(root / "c")]

    def run(*args: str, check: bool = True) -> str:
        result = subprocess.run(
            [*base, *args], capture_output=True, text=True, timeout=60, check=False
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"kubectl {' '.join(args)}: {result.stderr}")
        return result.stdout

    return run


def _write(case: Case, kubectl: Kubectl) -> None:
    folder = SCENARIOS / f"describe-{case.scenario}"
    twin = TWINS / case.scenario
    for directory in (folder, twin):
        shutil.rmtree(directory, ignore_errors=True)
        directory.mkdir(parents=True)
    pods = yaml.safe_load(kubectl("get", "pods", "-n", NAMESPACE, "-o", "yaml"))["items"]
    troubled = [p["metadata"]["name"] for p in pods if _troubled(p)]
    texts: dict[str, str] = {}
    if troubled:
        command = ("describe", "pod", "-n", NAMESPACE, *troubled)
        texts["describe-pods.txt"] = _transcript(command, kubectl(*command))
    twin_objects: list[dict[str, Any]] = [p for p in pods if p["metadata"]["name"] in troubled]
    for what in case.describe:
        if what == "deployment":
            command = ("describe", "deployment", "-n", NAMESPACE, "backend")
            texts["describe-deployment.txt"] = kubectl(*command)
            twin_objects.append(_get(kubectl, "deployment", "backend"))
        elif what == "nodes":
            texts["describe-nodes.txt"] = kubectl("describe", "nodes")
            twin_objects.extend(_items(kubectl, "get", "nodes", "-o", "yaml"))
        elif what == "pvc":
            command = ("describe", "pvc", "-n", NAMESPACE)
            texts["describe-pvc.txt"] = _transcript(command, kubectl(*command))
            twin_objects.extend(_items(kubectl, "get", "pvc", "-n", NAMESPACE, "-o", "yaml"))
    events = _items(kubectl, "get", "events", "-A", "-o", "yaml")  # Node events: in default
    if case.tables:
        command = ("get", "pods", "-n", NAMESPACE, "-o", "wide")
        texts["pods.txt"] = _transcript(command, kubectl(*command))
        command = ("get", "events", "-n", NAMESPACE)
        texts["events.txt"] = kubectl(*command)
        twin_objects = [*pods, *[o for o in twin_objects if o["kind"] != "Pod"]]
        twin_objects.extend(e for e in events if e["metadata"]["namespace"] == NAMESPACE)
    else:
        shown = {("Pod", name) for name in troubled} | {
            (o["kind"], o["metadata"]["name"]) for o in twin_objects
        }
        twin_objects.extend(
            e for e in events if (e["involvedObject"]["kind"], e["involvedObject"]["name"]) in shown
        )
    for name, text in texts.items():
        (folder / name).write_text(text)
    (twin / "objects.yaml").write_text(yaml.safe_dump_all(_documents(twin_objects)))
    for pod in troubled:
        log = kubectl("logs", "-n", NAMESPACE, pod, "--previous", check=False)
        if log.strip():
            for directory in (folder, twin):
                (directory / f"{pod}.log").write_text(log)
    _write_expected(case, folder, twin)


def _transcript(command: tuple[str, ...], output: str) -> str:
    """The output as pasted with the command that printed it."""
    return f"$ kubectl {' '.join(command)}\n{output}"


def _troubled(pod: dict[str, Any]) -> bool:
    status = pod.get("status") or {}
    if status.get("phase") != "Running":
        return True
    return any(
        not c.get("ready") or c.get("restartCount") for c in status.get("containerStatuses") or ()
    )


def _get(kubectl: Kubectl, kind: str, name: str) -> dict[str, Any]:
    obj: dict[str, Any] = yaml.safe_load(kubectl("get", kind, name, "-n", NAMESPACE, "-o", "yaml"))
    return obj


def _items(kubectl: Kubectl, *args: str) -> list[dict[str, Any]]:
    listing = yaml.safe_load(kubectl(*args))
    kind = str(listing.get("kind", "List"))[: -len("List")]
    items: list[dict[str, Any]] = listing.get("items") or []
    for item in items:
        item.setdefault("kind", kind)
        item.setdefault("apiVersion", listing.get("apiVersion", "v1"))
    return items


def _documents(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Objects one per document (not a List: the text does not say a list is complete)."""
    for obj in objects:
        obj["metadata"].pop("managedFields", None)
    return objects


def _write_expected(case: Case, folder: Path, twin: Path) -> None:
    result = diagnose(load_files([twin]))
    findings = [
        {
            "id": f.id,
            "category": f.category.value,
            "object": f"{f.object.kind}/{f.object.namespace}/{f.object.name}"
            if f.object.namespace
            else f"{f.object.kind}/{f.object.name}",
        }
        for f in result.findings
        if f.severity != Severity.INFO
    ]
    expected = {
        "source": "sandbox `kubemedic sandbox break "
        + case.scenario
        + "`, recorded with the real kubectl by tests/scenarios/describe_regenerate.py",
        "description": f"{case.summary}; the same state as YAML gives these findings.",
        "findings": findings,
    }
    (folder / "expected.yaml").write_text(yaml.safe_dump(expected, sort_keys=False, width=100))


if __name__ == "__main__":
    main()
