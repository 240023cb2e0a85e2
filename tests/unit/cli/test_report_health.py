"""``kubemedic report health --from-file``: the health report of a dump, with no cluster."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.unit.cli.conftest import SCENARIOS, Invoke

ROLLOUT = SCENARIOS / "workload.progress-deadline-no-noise-rollout-in-progress"
DUMP = (ROLLOUT / "pod.yaml", ROLLOUT / "events.yaml")


def _dumped_pods() -> list[dict[str, Any]]:
    documents = list(yaml.safe_load_all(DUMP[0].read_text()))
    objects = [item for d in documents for item in d.get("items") or [d]]
    return [o for o in objects if o["kind"] == "Pod"]


def _report(kubemedic: Invoke, *args: str | Path) -> tuple[str, str]:
    files = [arg for path in DUMP for arg in ("-f", path)]
    result = kubemedic("report", "health", *files, *args)
    assert result.code == 0, result.stderr
    return result.stdout, result.stderr


def test_the_json_report_of_a_dump_has_the_files_pods_and_notes_for_live_sections(
    kubemedic: Invoke,
) -> None:
    stdout, stderr = _report(kubemedic, "-o", "json")
    report = json.loads(stdout)
    expected = Counter((p["metadata"]["namespace"], p["status"]["phase"]) for p in _dumped_pods())
    reported = Counter(
        {
            (n["namespace"], phase): count
            for n in report["pods"]
            for phase, count in n["phases"].items()
        }
    )
    assert reported == expected
    assert expected[("web", "Pending")] == 1  # the dump is not all green
    assert report["services"] is None
    assert report["right_sizing"] is None
    notes = " ".join(report["notes"])
    for left_out in ("node usage", "latency and error rates", "right-sizing"):
        assert left_out in notes, left_out
        assert left_out in stderr, left_out
    assert report["source"] != "", "the report says where it was read from"


@pytest.mark.parametrize(("output", "marker"), [("markdown", "# "), ("html", "<html")])
def test_markdown_and_html_reports_of_a_dump_are_written(
    kubemedic: Invoke, output: str, marker: str
) -> None:
    stdout, _ = _report(kubemedic, "-o", output)
    assert marker in stdout
    assert "read from files" in stdout  # the notes are part of the report


def test_a_malformed_file_is_named_with_its_line_and_exits_2(
    kubemedic: Invoke, tmp_path: Path
) -> None:
    broken = tmp_path / "pods.yaml"
    broken.write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n   bad: [\n")
    result = kubemedic("report", "health", "-f", broken)
    assert result.code == 2
    assert f"error: {broken}:5: not valid YAML" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_a_namespace_with_files_is_refused_since_the_files_decide(kubemedic: Invoke) -> None:
    result = kubemedic("report", "health", "-f", DUMP[0], "-n", "web")
    assert result.code == 2
    assert "--namespace cannot be used with --from-file" in result.stderr
