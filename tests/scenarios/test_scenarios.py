"""Every folder under tests/scenarios is one recorded failure and what kubemedic must say.

A folder holds the cluster objects (``pod.yaml``, ``events.yaml``, optionally more manifests),
``logs.txt`` when logs matter, and ``expected.yaml``: the findings above ``info`` that must be
reported — no more, no fewer — each with strings its text must mention, and, for input pasted
with fields missing, the ``warnings`` its reading must give (field and object of each).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from kubemedic.adapters.kubernetes.files import load_files
from kubemedic.models.findings import Finding, ObjectRef
from kubemedic.models.severity import Severity
from kubemedic.services.diagnose import diagnose

SCENARIOS = Path(__file__).parent
CASES = sorted(p for p in SCENARIOS.iterdir() if (p / "expected.yaml").is_file())


def _text(finding: Finding) -> str:
    parts = [finding.summary, finding.root_cause, finding.remediation.summary]
    parts += [e.fact for e in finding.evidence] + [e.location for e in finding.evidence]
    parts += list(finding.remediation.steps) + list(finding.remediation.commands)
    parts += [finding.remediation.patch or "", finding.remediation.expected_outcome]
    return "\n".join(parts)


def _object(finding: Finding) -> str:
    return _ref(finding.object)


def _ref(ref: ObjectRef | None) -> str | None:
    if ref is None:
        return None
    return f"{ref.kind}/{ref.namespace}/{ref.name}" if ref.namespace else f"{ref.kind}/{ref.name}"


@pytest.mark.parametrize("case", CASES, ids=[p.name for p in CASES])
def test_scenario(case: Path) -> None:
    expected: dict[str, Any] = yaml.safe_load((case / "expected.yaml").read_text())
    result = diagnose(load_files([case]))
    assert not result.failures, result.failures
    if "warnings" in expected:
        warned = sorted((w.field or "", _ref(w.object) or "") for w in result.view.warnings)
        want_warned = sorted((w["field"] or "", w["object"] or "") for w in expected["warnings"])
        assert warned == want_warned, "\n".join(map(str, result.view.warnings))
    reported = [f for f in result.findings if f.severity != Severity.INFO]
    got = sorted((f.id, f.category.value, _object(f)) for f in reported)
    want = sorted((e["id"], e["category"], e["object"]) for e in expected["findings"])
    assert got == want, "\n".join(f"{f.id} {f.category} {f.object}: {f.summary}" for f in reported)
    for exp in expected["findings"]:
        finding = next(
            f
            for f in reported
            if (f.id, f.category.value, _object(f)) == (exp["id"], exp["category"], exp["object"])
        )
        if "severity" in exp:
            assert finding.severity.value == exp["severity"]
        if "affected" in exp:
            assert sorted(p.name for p in finding.affected) == sorted(exp["affected"])
        text = _text(finding)
        for needle in exp.get("mentions", []):
            assert needle in text, f"{needle!r} not in finding text:\n{text}"
        if "first_command" in exp:  # what a user runs first, as printed
            assert exp["first_command"] in finding.remediation.commands[0], text
        assert finding.evidence, "a finding must carry evidence"
        assert finding.remediation.summary
        assert (SCENARIOS.parent.parent / finding.runbook).is_file(), (
            f"no runbook {finding.runbook}"
        )
