"""What the diagnosis benchmarks share: dumps generated on demand, fresh processes timed with
their peak memory, answers checked, and docs/performance.md sections rewritten in place.

A run that crashed, reported an analyzer error or missed a finding the dump was generated to
have must never look fast: :func:`checked` raises :class:`BenchFailure` for it, and the figures
are not written.
"""

from __future__ import annotations

import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
DOC = ROOT / "docs" / "performance.md"
KUBEMEDIC = [sys.executable, "-m", "kubemedic"]
JSON_PARSE = "import sys, json\nfor f in sys.argv[1:]:\n    json.load(open(f))"
ORJSON_PARSE = "import sys, orjson\nfor f in sys.argv[1:]:\n    orjson.loads(open(f, 'rb').read())"
YAML_PARSE = (
    "import sys, yaml\nfor f in sys.argv[1:]:\n    yaml.load(open(f), Loader=yaml.CSafeLoader)"
)
"""The bare parses figures are compared with, as a user would write them."""
GENERATOR = [BENCH / "generate_dump.py", BENCH / "cluster_objects.py", BENCH / "yaml_text.py"]

# Measure as an installed kubemedic runs: with the bytecode cache pip writes at install time,
# even where the environment asks Python not to write one.
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


class BenchFailure(Exception):
    """A measured run did not do its job; its time means nothing."""


@dataclass(frozen=True, slots=True)
class Sample:
    seconds: float
    peak_mb: float
    returncode: int


@dataclass(frozen=True, slots=True)
class Measured:
    """Medians over fresh-process runs."""

    seconds: float
    peak_mb: float
    runs: int

    @classmethod
    def of(cls, samples: list[Sample]) -> Measured:
        return cls(
            statistics.median(s.seconds for s in samples),
            statistics.median(s.peak_mb for s in samples),
            len(samples),
        )


def fresh(cmd: list[str], *, stdout: Path | None = None) -> Sample:
    """Run ``cmd`` in a new process: wall-clock seconds and peak resident memory (MB)."""
    with open(stdout or os.devnull, "wb") as out:
        start = time.perf_counter()
        process = subprocess.Popen(cmd, stdout=out, stderr=subprocess.PIPE, env=ENV)
        assert process.stderr is not None
        errors = process.stderr.read()
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode not in (0, 1):
        tail = errors.decode(errors="replace")[-2000:]
        raise BenchFailure(f"{' '.join(map(str, cmd))} exited {process.returncode}:\n{tail}")
    return Sample(seconds, usage.ru_maxrss / 1024, process.returncode)


def repeat(cmd: list[str], runs: int) -> Measured:
    return Measured.of([fresh(cmd) for _ in range(runs)])


@dataclass(frozen=True, slots=True)
class Comparison:
    """``kubemedic diagnose`` against bare parses of the same input."""

    kubemedic: Measured
    findings: int
    baselines: dict[str, Measured]


def compare(
    dump: Path, expected: Path, runs: int, baselines: dict[str, list[str]] | None = None
) -> Comparison:
    """Runs of ``kubemedic diagnose -A --from-file DUMP -o json``, each answer checked,
    alternating with runs of each baseline command, so that a change in the machine's load
    (others work on it too) weighs on both alike."""
    baselines = baselines or {}
    ours: list[Sample] = []
    theirs: dict[str, list[Sample]] = {name: [] for name in baselines}
    findings = 0
    with tempfile.TemporaryDirectory() as tmp:
        output = Path(tmp) / "diagnosis.json"
        cmd = [*KUBEMEDIC, "diagnose", "-A", "--from-file", str(dump), "-o", "json"]
        for _ in range(runs):
            for name, baseline in baselines.items():
                theirs[name].append(fresh(baseline))
            sample = fresh(cmd, stdout=output)
            if sample.returncode != 0:
                raise BenchFailure(f"kubemedic diagnose exited {sample.returncode}")
            findings = checked(json.loads(output.read_bytes()), expected)
            ours.append(sample)
    measured = {name: Measured.of(samples) for name, samples in theirs.items()}
    return Comparison(Measured.of(ours), findings, measured)


def checked(report: dict[str, Any], expected: Path) -> int:
    """The number of findings, once every finding the dump was made to have is there (on its
    Deployment, of its category, naming each failing pod) and no analyzer failed."""
    if report.get("analyzer_errors"):
        raise BenchFailure(f"analyzers failed: {report['analyzer_errors']}")
    found = {
        (f["object"]["kind"], f["object"]["namespace"], f["object"]["name"], f["category"]): len(
            f["affected"]
        )
        for f in report["findings"]
    }
    for want in json.loads(expected.read_bytes()):
        key = (want["kind"], want["namespace"], want["name"], want["category"])
        if found.get(key) != want["affected"]:
            raise BenchFailure(
                f"expected a {want['category']} finding on {want['kind']} "
                f"{want['namespace']}/{want['name']} naming {want['affected']} pods; "
                f"got {found.get(key)} pods"
            )
    return len(report["findings"])


def dump(shape: str, *args: str) -> Path:
    """A generated dump (its directory holds the dump and ``expected.json``), made on first use
    under the cache directory and kept while the generator is unchanged."""
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in GENERATOR)).hexdigest()[:12]
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    out = root / "kubemedic-bench" / "-".join([shape, *(a.lstrip("-") for a in args), digest])
    if not (out / "expected.json").is_file():
        print(f"generating the {shape} dump under {out} ...", file=sys.stderr)
        cmd = [sys.executable, str(BENCH / "generate_dump.py"), shape, str(out), *args]
        subprocess.run(cmd, check=True)
    return out


def files_of(path: Path, suffix: str) -> list[Path]:
    return sorted(path.rglob(f"*{suffix}")) if path.is_dir() else [path]


def size_mb(paths: list[Path]) -> float:
    return sum(p.stat().st_size for p in paths) / 1e6


def write_section(begin: str, end: str, heading: str, section: str) -> None:
    """Replace the text between ``begin`` and ``end`` in docs/performance.md (or append it
    under ``heading``)."""
    text = DOC.read_text() if DOC.exists() else "# Performance\n"
    block = f"{begin}\n{section}\n{end}"
    if begin in text:
        head, rest = text.split(begin, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + f"\n\n{heading}\n\n{block}\n"
    DOC.write_text(text)


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"
