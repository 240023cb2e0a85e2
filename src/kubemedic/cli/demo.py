"""The demo behind ``make demo``: diagnose the recorded clusters in ``examples/`` and explain.

It runs the real ``kubemedic diagnose`` command on each example and says what to look for in
the output. It reads the examples from the source checkout; the sandbox cluster will later
give it a live cluster to break and diagnose.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.rule import Rule
from rich.text import Text

from kubemedic.cli.app import run
from kubemedic.errors import EXIT_FINDINGS

EXAMPLES_DIR = Path(__file__).resolve().parents[3] / "examples"


@dataclass(frozen=True, slots=True)
class Example:
    folder: str
    what: str
    look_for: str


EXAMPLES = (
    Example(
        "shop-cluster",
        "A `kubectl cluster-info dump` of a three-node cluster. In namespace shop, api (Java) "
        "is OOMKilled because -Xmx equals its 512Mi limit; checkout crash-loops with "
        "KeyError: 'DATABASE_URL'; a frontend rollout pulls tag 3.2.0, which does not exist; "
        "payments waits for Secret payments-stripe; recommender asks for 24Gi of memory that no "
        "node has. cart and everything in kube-system are healthy.",
        "Replicas of one workload are folded into one finding that lists the pods; each "
        "finding quotes its evidence (status field, event, log line) and gives the kubectl "
        "command that fixes it. Healthy workloads produce nothing.",
    ),
    Example(
        "single-pod",
        "One pod saved with `kubectl get pod -o yaml`, its events, and the log of its previous "
        "instance (logs.txt): a Python worker that crash-loops because the database rejects "
        "its password.",
        "The crash is explained from the exit code, the termination message and the log "
        "line, not from the CrashLoopBackOff symptom.",
    ),
)


def main() -> int:
    console = Console()
    if not EXAMPLES_DIR.is_dir():
        console.print(f"error: {EXAMPLES_DIR} not found; run the demo from a source checkout")
        return 2
    worst = 0
    for number, example in enumerate(EXAMPLES, start=1):
        folder = EXAMPLES_DIR / example.folder
        console.print(Rule(Text(f"Example {number}/{len(EXAMPLES)}: {example.folder}")))
        console.print(Text(example.what))
        shown = folder.relative_to(Path.cwd()) if folder.is_relative_to(Path.cwd()) else folder
        console.print(Text(f"\n$ kubemedic diagnose --from-file {shown}\n", style="bold"))
        code = run(["diagnose", "--from-file", str(shown)])
        worst = max(worst, code)
        console.print(Text.assemble(("\nWhat to look at: ", "bold"), example.look_for, "\n"))
    console.print(
        Text(
            "Try the other formats: add -o markdown (a report for review) or -o json "
            "(for scripts; schema in docs/json-output.md), and --fail-on high to gate CI."
        )
    )
    return worst if worst > EXIT_FINDINGS else 0


if __name__ == "__main__":
    sys.exit(main())
