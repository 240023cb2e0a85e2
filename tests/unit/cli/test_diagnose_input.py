"""``diagnose --from-file`` on input as people paste it: warnings, never a silent empty answer."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.unit.cli.conftest import SCENARIOS, Invoke

PASTED = SCENARIOS / "pasted.oomkilled-events-without-metadata"


def test_trimmed_fields_are_warnings_on_stderr_and_in_json(kubemedic: Invoke) -> None:
    result = kubemedic("diagnose", "-f", PASTED, "-o", "json", "--fail-on", "high")

    assert result.code == 1  # the OOMKilled worker is still diagnosed
    document = json.loads(result.stdout)
    assert [f["id"] for f in document["findings"]] == ["KM-POD-OOMKILLED"]
    first = document["warnings"][0]
    assert first == {
        "file": str(PASTED / "events.yaml"),
        "line": 4,
        "object": {"kind": "Event", "namespace": "reports", "name": ""},
        "field": "metadata.name",
        "message": "Event Pulled about Pod reports/report-worker-7b9c5d6f48-m2xvq has no "
        "metadata.name; read without it",
    }
    lines = result.stderr.splitlines()
    assert len(lines) == len(document["warnings"]) == 4
    assert lines[0] == f"warning: {PASTED / 'events.yaml'}:4: {first['message']}"


def test_a_complete_input_has_no_warnings(kubemedic: Invoke) -> None:
    result = kubemedic("diagnose", "-f", SCENARIOS / "oomkilled-undersized-limit", "-o", "json")

    assert json.loads(result.stdout)["warnings"] == []
    assert result.stderr == ""


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("", "{file}: no Kubernetes objects found: the input is empty"),
        ("# kubectl get pods -o yaml\n", "{file}: no Kubernetes objects found: the input is empty"),
        (
            "- web-1\n- web-2\n",
            "{file}:1: no Kubernetes objects found: [0]: not a Kubernetes object (found a string)"
            " (and 1 more that cannot be read)",
        ),
        (
            "replicaCount: 3\nimage:\n  tag: 1.2.3\n",
            "{file}:1: no Kubernetes objects found: not a Kubernetes object (it has no kind)",
        ),
    ],
    ids=["empty", "only-a-comment", "list-of-names", "values-file"],
)
def test_an_input_without_objects_is_an_error_even_with_fail_on(
    kubemedic: Invoke, tmp_path: Path, text: str, said: str
) -> None:
    file = tmp_path / "cluster.yaml"
    file.write_text(text)

    result = kubemedic("diagnose", "-f", file, "--fail-on", "high")

    assert result.code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: " + said.format(file=file))
    assert "No problems found" not in result.stderr
