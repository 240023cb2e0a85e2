"""Benchmark `kubemedic diagnose` on a synthetic 10,000-pod dump and record the figures.

Measures, each as the median of several runs of a fresh process (what a user waits for):
the bare parse of the dump's files (orjson, and the stdlib json for reference), the whole
`kubemedic diagnose -A --from-file DUMP -o json`, and `kubemedic --version`. Results replace
the "Diagnosis" section of docs/performance.md; targets are stated next to each figure.

    python bench/run.py [--runs 5] [--dump bench/out/dump]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench:diagnose:begin -->", "<!-- bench:diagnose:end -->"
KUBEMEDIC = [sys.executable, "-m", "kubemedic"]

PARSE = """
import sys, pathlib, {lib} as j
for f in sorted(pathlib.Path(sys.argv[1]).rglob("*.json")):
    j.loads(f.read_bytes())
"""


# Measure as an installed kubemedic runs: with the bytecode cache pip writes at install time,
# even where the environment asks Python not to write one.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def _time(cmd: list[str], runs: int) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=ENV)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _ensure_dump(dump: Path) -> None:
    if (dump / "nodes.json").is_file():
        return
    subprocess.run(
        [sys.executable, str(ROOT / "bench" / "generate_dump.py"), str(dump)], check=True
    )


def _in_process(dump: Path) -> tuple[float, float, int]:
    from kubemedic.adapters.kubernetes.files import load_files
    from kubemedic.services.diagnose import diagnose

    start = time.perf_counter()
    view = load_files([dump])
    loaded = time.perf_counter()
    result = diagnose(view)
    done = time.perf_counter()
    return loaded - start, done - loaded, len(result.findings)


def _live_pod(runs: int) -> tuple[int, float, float]:
    """Requests and seconds for one crashed pod, and seconds for its namespace, on the sandbox."""
    import tempfile

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
    parser.add_argument("--dump", type=Path, default=ROOT / "bench" / "out" / "dump")
    args = parser.parse_args()
    _ensure_dump(args.dump)
    dump = str(args.dump)
    subprocess.run(  # warm the page cache and write the bytecode cache
        [*KUBEMEDIC, "diagnose", "-A", "--from-file", dump, "-o", "json"],
        check=False,
        stdout=subprocess.DEVNULL,
        env=ENV,
    )
    parse_orjson = _time([sys.executable, "-c", PARSE.format(lib="orjson"), dump], args.runs)
    parse_json = _time([sys.executable, "-c", PARSE.format(lib="json"), dump], args.runs)
    whole = _time([*KUBEMEDIC, "diagnose", "-A", "--from-file", dump, "-o", "json"], args.runs)
    version = _time([*KUBEMEDIC, "--version"], args.runs * 2)
    load_s, analyze_s, findings = _in_process(args.dump)
    requests, pod_s, namespace_s = _live_pod(args.runs)
    ratio = whole / parse_orjson
    rows = [
        ("bare parse of the dump (orjson, fresh process)", parse_orjson, "baseline"),
        ("bare parse of the dump (stdlib json, fresh process)", parse_json, "reference"),
        (
            "`kubemedic diagnose -A --from-file DUMP -o json`",
            whole,
            f"< 1.5 s: {'met' if whole < 1.5 else 'NOT met'}; "
            f"<= 2x the orjson parse: {'met' if ratio <= 2 else 'NOT met'} ({ratio:.2f}x; "
            f"{whole / parse_json:.2f}x the stdlib-json parse)",
        ),
        ("  of which: load files into the cluster view (in process)", load_s, ""),
        ("  of which: all analyzers + grouping (in process)", analyze_s, ""),
        ("`kubemedic --version`", version, f"< 0.3 s: {'met' if version < 0.3 else 'NOT met'}"),
        (
            f"live: one crashed pod on the sandbox API ({requests} requests)",
            pod_s,
            f"<= 5 round trips: {'met' if requests <= 5 else 'NOT met'}",
        ),
        ("live: the whole todo namespace on the sandbox API", namespace_s, ""),
    ]
    lines = [
        BEGIN,
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; median of {args.runs} fresh-process runs. Dump: "
        f"10,000 pods (5% failing), 20,000 events, 30 nodes, generated by "
        f"`bench/generate_dump.py`; {findings} findings reported.",
        "",
        "| measurement | seconds | target |",
        "|---|---:|---|",
        *[f"| {name} | {sec:.3f} | {target} |" for name, sec, target in rows],
        END,
    ]
    _write_section("\n".join(lines))
    print("\n".join(lines))


def _write_section(section: str) -> None:
    text = DOC.read_text() if DOC.exists() else "# Performance\n"
    if BEGIN in text:
        head, rest = text.split(BEGIN, 1)
        text = head + section + rest.split(END, 1)[1]
    else:
        text = text.rstrip() + "\n\n## Diagnosis\n\n" + section + "\n"
    DOC.write_text(text)


if __name__ == "__main__":
    main()
