"""Benchmark the audit trail: `records list`, `records verify`, `records audit` and `stats`.

Builds (once, under bench/out/) a records repository of real git commits through kubemedic's own
record store: N operations, each proposed, approved, started, executed and validated (five
commits each), plus one incident per ten operations. Then times each command as a fresh process,
median (and best) of several runs, and writes the figures to the "Records" section of
docs/performance.md. Targets: each command under 2 s at 300 operations (1,500 commits).

    python bench/records.py [--operations 300] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- bench:records:begin -->", "<!-- bench:records:end -->"
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
COMMANDS = (
    ("records list", ["records", "list"]),
    ("records verify", ["records", "verify"]),
    ("records audit", ["records", "audit"]),
    ("stats --since 3650d", ["stats", "--since", "3650d"]),
)


def build(root: Path, operations: int) -> None:
    """A repository of ``operations`` executed and validated operations, real commits each."""
    from kubemedic.models.identity import SYSTEM, Actor
    from kubemedic.models.records import RecordKind
    from kubemedic.services.records import RecordStore, Step

    if (root / ".built").is_file():
        return
    shutil.rmtree(root, ignore_errors=True)
    store = RecordStore.open(root)
    lin = Actor("Lin", "lin@example.com")
    ada = Actor("Ada", "ada@example.com", frozenset({"architect"}), configured=True)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for number in range(operations):
        at = start + timedelta(hours=number)
        record_id = f"OP-20260101-{number:06x}"
        incident = f"INC-20260101-{number:06x}" if number % 10 == 0 else None
        if incident:
            store.create(
                RecordKind.INCIDENT,
                incident,
                _incident_header(at),
                title=f"Incident {incident}",
                intro="Crash loop.",
                first=Step("opened", "open", {}, "Opened."),
                actor=SYSTEM,
                at=at,
                message=f"{incident}: opened",
            )
        store.create(
            RecordKind.OPERATION,
            record_id,
            _operation_header(at, incident),
            title=f"Operation {record_id}: Scale deployment/web -n shop from 2 to 3 replicas",
            intro="Scale.",
            first=Step("submitted", "pending-approval", {}, "Waiting."),
            actor=lin,
            at=at,
            message=f"{record_id}: proposed",
        )
        steps = [
            (ada, "approved", "approved", {"roles": ["architect"], "conditions": []}),
            (lin, "execution-started", "executing", {}),
            (lin, "executed", "executed", {}),
            (SYSTEM, "validation-passed", "validated", {"stage": 1}),
        ]
        for minute, (actor, event, state, data) in enumerate(steps, start=1):
            store.append(
                record_id,
                Step(event, state, data, event),
                actor=actor,
                at=at + timedelta(minutes=minute),
                message=f"{record_id}: {event}",
            )
    (root / ".built").write_text("ok\n")


def _incident_header(at: datetime) -> dict[str, object]:
    moment = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "created_at": moment,
        "key": "crashloop.app-error|Deployment shop/web",
        "category": "crashloop.app-error",
        "severity": "high",
        "object": {"kind": "Deployment", "name": "web", "namespace": "shop"},
        "onset_at": moment,
        "detected_at": moment,
        "finding": {},
    }


def _operation_header(at: datetime, incident: str | None) -> dict[str, object]:
    target = {"kind": "Deployment", "name": "web", "namespace": "shop"}
    change = {"verb": "patch", "target": target, "body": {"spec": {"replicas": 3}}}
    return {
        "created_at": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "requested_by": {"name": "Lin", "email": "lin@example.com"},
        "action": {"type": "scale", "target": target, "params": {"replicas": 3}},
        "tier": "low",
        "incident": incident,
        "rollback_of": None,
        "approval": {"approvers": 1, "required_roles": [], "any_role": [], "sla_minutes": 5},
        "plan": {"summary": "Scale", "change": change, "inverse": None, "checks": []},
        "facts": {"action": "scale", "target_kind": "Deployment", "namespace": "shop"},
        "validation": {"delays": [60.0], "timeout": 60.0},
    }


def measure(root: Path, runs: int) -> list[tuple[str, float, float]]:
    """(command, median seconds, best seconds) of ``runs`` fresh processes each."""
    figures = []
    for label, args in COMMANDS:
        command = [sys.executable, "-m", "kubemedic", *args, "--records", str(root)]
        samples = []
        for _ in range(runs):
            began = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, env=ENV, check=False)
            samples.append(time.perf_counter() - began)
            if done.returncode != 0:
                raise SystemExit(f"{label} failed ({done.returncode}): {done.stdout}{done.stderr}")
        figures.append((label, statistics.median(samples), min(samples)))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--operations", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    root = ROOT / "bench" / "out" / f"records-{args.operations}"
    build(root, args.operations)
    figures = measure(root, args.runs)
    commits = args.operations * 5 + args.operations // 10 + 1
    lines = [
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}; median of {args.runs} fresh-process runs over "
        f"{args.operations} operations ({commits} commits), built by `bench/records.py`.",
        "",
        "| command | seconds (median) | best | target |",
        "|---|---:|---:|---|",
    ]
    for label, seconds, best in figures:
        lines.append(
            f"| `kubemedic {label}` | {seconds:.3f} | {best:.3f} | < 2 s: "
            f"{'met' if seconds < 2 else 'NOT met'} |"
        )
    text = DOC.read_text(encoding="utf-8")
    block = BEGIN + "\n" + "\n".join(lines) + "\n" + END
    if BEGIN in text:
        head, _, rest = text.partition(BEGIN)
        text = head + block + rest.partition(END)[2]
    else:
        text = text.rstrip("\n") + "\n\n## Records\n\n" + block + "\n"
    DOC.write_text(text, encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
