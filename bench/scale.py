"""Benchmark `kubemedic diagnose` where size used to hurt: many replicas, and a large YAML file.

Three measurements, each a median of fresh-process runs with every answer checked:

- one failing Deployment of 2,000, 4,000 and 8,000 replicas: the time per replica must stay
  flat (folding replicas into one finding was quadratic);
- one failing Deployment of 100,000 replicas (a ``cluster-info dump`` of about 680 MB of JSON),
  against a fresh ``json.load`` of the same files, run in turn with it;
- a 150 MB ``kubectl get -A -o yaml`` List, against a fresh ``yaml.load(..., CSafeLoader)`` of
  the same file, with the peak memory of both.

Results replace the "Scale" section of docs/performance.md. ``bench/run.py`` runs this after
the 10,000-pod benchmark; it can also run alone:

    python bench/scale.py [--runs 3] [--replicas 100000] [--megabytes 150]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Sequence

from measure import (
    JSON_PARSE,
    YAML_PARSE,
    BenchFailure,
    Comparison,
    compare,
    dump,
    size_mb,
    verdict,
    write_section,
)

BEGIN, END = "<!-- bench:scale:begin -->", "<!-- bench:scale:end -->"
SERIES = (2_000, 4_000, 8_000)


def _one_workload(replicas: int, runs: int, *, parsed: bool = False) -> tuple[Comparison, float]:
    """The diagnosis of one failing Deployment (against a bare parse when ``parsed``), and the
    size of its dump in MB."""
    generated = dump("one-workload", "--replicas", str(replicas))
    files = sorted((generated / "dump").rglob("*.json"))
    parse = {"json": [sys.executable, "-c", JSON_PARSE, *map(str, files)]} if parsed else {}
    compared = compare(generated / "dump", generated / "expected.json", runs, parse)
    return compared, size_mb(files)


def _series(runs: int) -> list[str]:
    rows = []
    for replicas in SERIES:
        measured = _one_workload(replicas, runs)[0].kubemedic
        per_thousand = measured.seconds / replicas * 1000
        rows.append(
            f"| one failing Deployment, {replicas:,} replicas | | {measured.seconds:.2f} | "
            f"{per_thousand:.2f} s per 1,000 replicas | {measured.peak_mb:.0f} MB | linear |"
        )
    return rows


def _row(label: str, compared: Comparison, megabytes: float, *, memory_limit: float) -> str:
    """A table row: kubemedic against the bare parse, with the targets met or not."""
    measured, (parse,) = compared.kubemedic, compared.baselines.values()
    ratio = measured.seconds / parse.seconds
    target = f"<= 2x the parse: {verdict(ratio <= 2)} ({ratio:.2f}x)"
    if memory_limit:
        times = measured.peak_mb / megabytes
        target += f"; memory < {memory_limit:g}x the file: {verdict(times < memory_limit)}"
        target += f" ({times:.2f}x)"
    return (
        f"| {label} | {parse.seconds:.1f} ({parse.peak_mb:,.0f} MB) | {measured.seconds:.1f} | "
        f"{ratio:.2f}x the parse | {measured.peak_mb:,.0f} MB | {target} |"
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--replicas", type=int, default=100_000)
    parser.add_argument("--megabytes", type=int, default=150)
    args = parser.parse_args(argv)
    try:
        rows = _series(args.runs)
        big, megabytes = _one_workload(args.replicas, args.runs, parsed=True)
        label = f"one failing Deployment, {args.replicas:,} replicas ({megabytes:,.0f} MB of JSON)"
        rows.append(_row(label, big, megabytes, memory_limit=0))
        generated = dump("yaml", "--megabytes", str(args.megabytes))
        listing = generated / "cluster.yaml"
        parse = {"yaml": [sys.executable, "-c", YAML_PARSE, str(listing)]}
        compared = compare(listing, generated / "expected.json", args.runs, parse)
        megabytes = size_mb([listing])
        label = f"`kubectl get -A -o yaml` List, {megabytes:.0f} MB ({compared.findings} findings)"
        rows.append(_row(label, compared, megabytes, memory_limit=3))
    except BenchFailure as failure:
        raise SystemExit(f"bench failed, nothing written: {failure}") from failure
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} cores "
        f"(load average {os.getloadavg()[0]:.1f} when done), Python "
        f"{platform.python_version()}; median of {args.runs} fresh-process runs, each answer "
        "checked, the bare parse run in turn with kubemedic: a fresh `json.load` of each file "
        "(JSON) or `yaml.load(..., CSafeLoader)` (YAML), with its peak memory.",
        "",
        "| dump | bare parse, s (peak) | `kubemedic diagnose`, s | | kubemedic peak | target |",
        "|---|---:|---:|---|---:|---|",
        *rows,
    ]
    write_section(BEGIN, END, "## Scale", "\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
