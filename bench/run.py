"""Benchmark `kubemedic diagnose` on a synthetic 10,000-pod dump and record the figures.

Measures, each as the median of several runs of a fresh process (what a user waits for): the
bare parse of the dump's files (stdlib json, the target's baseline, and orjson for reference)
alternating with the whole `kubemedic diagnose -A --from-file DUMP -o json`, its answer
checked; `kubemedic --version`; the diagnosis of one pod's YAML (what start-up costs); then one
pod on a live sandbox. Results replace the "Diagnosis"
section of docs/performance.md; targets are stated next to each figure. Unless ``--skip-scale``, the
large dumps of ``bench/scale.py`` follow. Dumps are generated on first use under
``~/.cache/kubemedic-bench`` (``$XDG_CACHE_HOME``), never in the repository.

    python bench/run.py [--runs 5] [--big-runs 3] [--skip-scale]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from measure import (
    BENCH,
    ENV,
    JSON_PARSE,
    KUBEMEDIC,
    ORJSON_PARSE,
    ROOT,
    BenchFailure,
    Measured,
    compare,
    dump,
    fresh,
    repeat,
    size_mb,
    verdict,
    write_section,
)

BEGIN, END = "<!-- bench:diagnose:begin -->", "<!-- bench:diagnose:end -->"
ONE_POD = ROOT / "tests" / "scenarios" / "oomkilled-undersized-limit"
"""A pod, its events and log as YAML: its diagnosis is almost all start-up."""


IN_PROCESS = """
import sys, time
from pathlib import Path
from kubemedic.adapters.kubernetes.files import load_files
from kubemedic.services.diagnose import diagnose
start = time.perf_counter()
view = load_files([Path(sys.argv[1])])
loaded = time.perf_counter()
diagnose(view)
print(loaded - start, time.perf_counter() - loaded)
"""


def _in_process(dump_dir: Path, runs: int) -> tuple[float, float]:
    """Seconds to load the files into the cluster view, and to run every analyzer on it
    (medians, each in a child process: the bench's own memory stays small, so the peaks it
    reads for the other children are theirs)."""
    samples = []
    for _ in range(runs):
        cmd = [sys.executable, "-c", IN_PROCESS, str(dump_dir)]
        done = subprocess.run(cmd, check=True, capture_output=True, text=True, env=ENV)
        load_s, analyze_s = map(float, done.stdout.split())
        samples.append((load_s, analyze_s))
    return (
        statistics.median(s[0] for s in samples),
        statistics.median(s[1] for s in samples),
    )


def _one_pod(runs: int) -> Measured:
    """``kubemedic diagnose -f`` one OOM-killed pod's YAML, its answer checked each time."""
    cmd = [*KUBEMEDIC, "diagnose", "--from-file", str(ONE_POD), "-o", "json"]
    samples = []
    with tempfile.TemporaryDirectory() as tmp:
        output = Path(tmp) / "diagnosis.json"
        for _ in range(runs):
            samples.append(fresh(cmd, stdout=output))
            found = [f["category"] for f in json.loads(output.read_bytes())["findings"]]
            if found != ["oomkilled"]:
                raise BenchFailure(f"{ONE_POD.name}: expected one oomkilled finding, got {found}")
    return Measured.of(samples)


def _live_pod(runs: int) -> tuple[int, float, float]:
    """Requests and seconds for one crashed pod, and seconds for its namespace, on the sandbox."""
    from kubemedic.adapters.kubernetes.live import connect, scan
    from kubemedic.models.findings import ObjectRef
    from kubemedic.services import sandbox

    with tempfile.TemporaryDirectory() as tmp:
        running = sandbox.up(sandbox.UpRequest(state_dir=Path(tmp), time_scale=30.0))
        try:
            sandbox.break_scenario(Path(tmp), "crashloop", target=None, namespace=None)
            with connect(context=None, kubeconfig=running.kubeconfig, timeout=10) as client:
                pod = _wait_for_crash(client)
                samples, requests = [], 0
                for _ in range(runs):
                    before = client.stats.requests
                    start = time.perf_counter()
                    scan(client, namespace="todo", target=ObjectRef("Pod", pod, "todo"))
                    samples.append(time.perf_counter() - start)
                    requests = client.stats.requests - before
                start = time.perf_counter()
                scan(client, namespace="todo")
                namespace_s = time.perf_counter() - start
        finally:
            sandbox.down(Path(tmp))
    return requests, statistics.median(samples), namespace_s


def _wait_for_crash(client: object) -> str:
    from kubemedic.adapters.kubernetes.live import scan

    for _ in range(120):
        view = scan(client, namespace="todo").view  # type: ignore[arg-type]
        for pod in view.pods:
            if any(s.restart_count for s in pod.container_statuses):
                return pod.name
        time.sleep(0.5)
    raise SystemExit("no crashed pod appeared in the sandbox")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--big-runs", type=int, default=3, help="runs for the large dumps")
    parser.add_argument("--skip-scale", action="store_true", help="only the 10,000-pod dump")
    args = parser.parse_args()
    generated = dump("mixed")
    dump_dir, expected = generated / "dump", generated / "expected.json"
    files = [str(f) for f in sorted(dump_dir.rglob("*.json"))]
    try:
        compare(dump_dir, expected, 1)  # warm the page cache and write the bytecode cache
        parses = {
            "json": [sys.executable, "-c", JSON_PARSE, *files],
            "orjson": [sys.executable, "-c", ORJSON_PARSE, *files],
        }
        compared = compare(dump_dir, expected, args.runs, parses)
        one_pod = _one_pod(args.runs * 2)
    except BenchFailure as failure:
        raise SystemExit(f"bench failed, nothing written: {failure}") from failure
    version = repeat([*KUBEMEDIC, "--version"], args.runs * 2)
    load_s, analyze_s = _in_process(dump_dir, args.runs)
    requests, pod_s, namespace_s = _live_pod(args.runs)
    whole, findings = compared.kubemedic, compared.findings
    parse_json, parse_orjson = compared.baselines["json"], compared.baselines["orjson"]
    ratio = whole.seconds / parse_json.seconds
    rows = [
        ("bare parse of the dump (stdlib json, fresh process)", parse_json.seconds, "baseline"),
        ("bare parse of the dump (orjson, fresh process)", parse_orjson.seconds, "reference"),
        (
            "`kubemedic diagnose -A --from-file DUMP -o json`",
            whole.seconds,
            f"< 1.5 s: {verdict(whole.seconds < 1.5)}; <= 2x the stdlib-json parse: "
            f"{verdict(ratio <= 2)} ({ratio:.2f}x; "
            f"{whole.seconds / parse_orjson.seconds:.2f}x the orjson parse)",
        ),
        ("  of which: load files into the cluster view (in process)", load_s, ""),
        ("  of which: all analyzers + grouping (in process)", analyze_s, ""),
        ("`kubemedic --version`", version.seconds, f"< 0.3 s: {verdict(version.seconds < 0.3)}"),
        ("`kubemedic diagnose -f` one pod's YAML (start-up)", one_pod.seconds, ""),
        (
            f"live: one crashed pod on the sandbox API ({requests} requests)",
            pod_s,
            f"<= 5 round trips: {verdict(requests <= 5)}",
        ),
        ("live: the whole todo namespace on the sandbox API", namespace_s, ""),
    ]
    load = os.getloadavg()[0]
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} cores "
        f"(load average {load:.1f} when done), Python {platform.python_version()}; median of "
        f"{args.runs} fresh-process runs. Dump: 10,000 pods (5% failing), 20,000 events, 30 "
        f"nodes, {size_mb([Path(f) for f in files]):.0f} MB of JSON, generated by "
        f"`bench/generate_dump.py mixed`; every run reported the 100 expected findings "
        f"({findings} in all).",
        "",
        "| measurement | seconds | target |",
        "|---|---:|---|",
        *[f"| {name} | {sec:.3f} | {target} |" for name, sec, target in rows],
    ]
    write_section(BEGIN, END, "## Diagnosis", "\n".join(lines))
    print("\n".join(lines))
    if not args.skip_scale:  # in a process of its own: this one's memory is not in its peaks
        subprocess.run([sys.executable, str(BENCH / "scale.py"), "--runs", str(args.big_runs)])


if __name__ == "__main__":
    main()
