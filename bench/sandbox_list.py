"""Measure the sandbox API's list latency with 2,000 pods across 50 Deployments.

Starts a real background sandbox (``kubemedic sandbox up``, seed ``empty``), adds 20 roomy nodes
and 50 Deployments of 40 replicas through the API, waits for the 2,000 pods to run, then times
what clients do most: LIST every pod (JSON, and as the Table kubectl prints), LIST one
Deployment's pods by label selector, GET one pod, and ``kubectl get pods -A`` end to end. It
also samples the sandbox process's CPU use while nothing is asked of it. Each run appends a row
to the "Sandbox API" section of docs/performance.md (created if missing).

    python bench/sandbox_list.py [--repeat 20] [--deployments 50] [--replicas 40]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from kubemedic.sandbox.statedir import read_connection  # noqa: E402
from kubemedic.services import sandbox as sandbox_service  # noqa: E402

DOC = ROOT / "docs" / "performance.md"
HEADING = "## Sandbox API"
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
BEGIN, END = "<!-- bench:sandbox-api:begin -->", "<!-- bench:sandbox-api:end -->"


class Api:
    """A keep-alive HTTPS connection to the sandbox, as a client library holds one."""

    def __init__(self, kubeconfig: Path) -> None:
        connection = read_connection(kubeconfig)
        port = int(connection.server_url.rsplit(":", 1)[1])
        context = ssl.create_default_context(cadata=connection.ca_pem.decode())
        self.conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=120)
        self.token = connection.token

    def call(
        self, method: str, path: str, body: Any = None, accept: str = "application/json"
    ) -> tuple[int, bytes]:
        headers = {"Authorization": f"Bearer {self.token}", "Accept": accept}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        self.conn.request(method, path, body=data, headers=headers)
        response = self.conn.getresponse()
        return response.status, response.read()


def node(name: str) -> dict[str, Any]:
    allocatable = {"cpu": "64", "memory": "256Gi", "pods": "250", "ephemeral-storage": "200Gi"}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
            },
        },
        "spec": {},
        "status": {
            "capacity": allocatable,
            "allocatable": allocatable,
            "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady"}],
            "nodeInfo": {
                "architecture": "amd64",
                "operatingSystem": "linux",
                "kubeletVersion": "v1.32.0",
            },
        },
    }


def deployment(index: int, replicas: int) -> dict[str, Any]:
    name = f"svc-{index:02d}"
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "bench"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "containers": [
                        {
                            "name": "app",
                            "image": "busybox:1.36",
                            "command": ["sleep", "1000000"],
                            "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}},
                        }
                    ]
                },
            },
        },
    }


def populate(api: Api, deployments: int, replicas: int) -> float:
    """Create nodes and Deployments; return seconds until every pod runs."""
    for index in range(20):
        api.call("POST", "/api/v1/nodes", node(f"bench-{index:02d}"))
    api.call("POST", "/api/v1/namespaces", {"metadata": {"name": "bench"}})
    started = time.perf_counter()
    for index in range(deployments):
        status, body = api.call(
            "POST", "/apis/apps/v1/namespaces/bench/deployments", deployment(index, replicas)
        )
        if status != 201:
            raise SystemExit(f"cannot create a Deployment: {status} {body[:200]!r}")
    wanted = deployments * replicas
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        _, body = api.call(
            "GET", "/api/v1/namespaces/bench/pods?fieldSelector=status.phase=Running"
        )
        running = len(json.loads(body)["items"])
        print(f"\r{running}/{wanted} pods running", end="", flush=True)
        if running >= wanted:
            print()
            return time.perf_counter() - started
        time.sleep(2)
    raise SystemExit(f"only {running} of {wanted} pods ran within 15 minutes")


def timed(api: Api, path: str, repeat: int, accept: str = "application/json") -> dict[str, float]:
    samples = []
    size = 0
    for _ in range(repeat):
        start = time.perf_counter()
        status, body = api.call("GET", path, accept=accept)
        samples.append(time.perf_counter() - start)
        if status != 200:
            raise SystemExit(f"GET {path}: {status}")
        size = len(body)
    samples.sort()
    return {
        "p50_ms": statistics.median(samples) * 1000,
        "p95_ms": samples[max(0, int(len(samples) * 0.95) - 1)] * 1000,
        "bytes": size,
    }


def kubectl_seconds(kubeconfig: Path, repeat: int) -> float | None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        return None
    cache = tempfile.mkdtemp(prefix="kubectl-cache-")
    command = [kubectl, "--kubeconfig", str(kubeconfig), "--cache-dir", cache, "get", "pods", "-A"]
    subprocess.run(command, capture_output=True, check=True)  # warm the discovery cache
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=True)
        samples.append(time.perf_counter() - start)
    shutil.rmtree(cache, ignore_errors=True)
    return statistics.median(samples)


def idle_cpu_percent(pid: int, seconds: float = 10.0) -> float:
    def ticks() -> int:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])

    before = ticks()
    time.sleep(seconds)
    return (ticks() - before) / os.sysconf("SC_CLK_TCK") / seconds * 100


def record(row: str, header: str) -> None:
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Performance\n"
    if BEGIN not in text:
        intro = (
            f"\n{HEADING}\n\nMeasured by `python bench/sandbox_list.py`: a background sandbox "
            "holding 2,000 running pods (50 Deployments x 40 replicas on 23 nodes), a "
            "keep-alive HTTPS client, medians (p95) over repeated requests. Idle CPU is the "
            "sandbox process's use while no request arrives (its simulation still runs).\n\n"
            f"{BEGIN}\n{header}\n{END}\n"
        )
        text = text.rstrip("\n") + "\n" + intro
    text = text.replace(END, f"{row}\n{END}")
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--deployments", type=int, default=50)
    parser.add_argument("--replicas", type=int, default=40)
    args = parser.parse_args()
    state = Path(tempfile.mkdtemp(prefix="sandbox-bench-"))
    running = sandbox_service.up(
        sandbox_service.UpRequest(state_dir=state, seed="empty", time_scale=10.0)
    )
    try:
        api = Api(running.kubeconfig)
        settle = populate(api, args.deployments, args.replicas)
        all_pods = timed(api, "/api/v1/pods", args.repeat)
        table = timed(api, "/api/v1/pods", args.repeat, accept=TABLE)
        one_app = timed(
            api, "/api/v1/namespaces/bench/pods?labelSelector=app%3Dsvc-07", args.repeat
        )
        _, body = api.call("GET", "/api/v1/namespaces/bench/pods?limit=1")
        name = json.loads(body)["items"][0]["metadata"]["name"]
        one_pod = timed(api, f"/api/v1/namespaces/bench/pods/{name}", args.repeat)
        kubectl = kubectl_seconds(running.kubeconfig, 5)
        idle = idle_cpu_percent(running.pid)
    finally:
        sandbox_service.down(state)
        shutil.rmtree(state, ignore_errors=True)

    def cell(result: dict[str, float]) -> str:
        return f"{result['p50_ms']:.0f} ms ({result['p95_ms']:.0f})"

    header = (
        "| date | machine | pods running after | LIST all pods | LIST all as Table | "
        "LIST one app (40) | GET one pod | `kubectl get pods -A` | idle CPU |\n"
        "|---|---|---|---|---|---|---|---|---|"
    )
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    row = (
        f"| {datetime.now(UTC):%Y-%m-%d} | {machine} | {settle:.0f} s | {cell(all_pods)} | "
        f"{cell(table)} | {cell(one_app)} | {cell(one_pod)} | "
        f"{f'{kubectl:.2f} s' if kubectl is not None else 'n/a'} | {idle:.0f}% |"
    )
    print(header)
    print(row)
    print(f"LIST all pods returns {all_pods['bytes'] / 1e6:.1f} MB")
    record(row, header)


if __name__ == "__main__":
    main()
