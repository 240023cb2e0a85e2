"""The registry of checks, the score formula, and the docs page that lists every rule."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kubemedic.checks import BUILTIN, Check, Registry
from kubemedic.checks._common import finding, rule
from kubemedic.models.findings import ObjectRef
from kubemedic.models.security import AuditSummary, Fix, grade_of
from kubemedic.models.severity import Severity

DOCS = Path(__file__).parents[3] / "docs" / "security.md"
RULE = rule("KM-SEC-TEST", "test", Severity.HIGH, "test", "a test rule")


def _check(name: str, *rules: object) -> Check:
    return Check(name, "", tuple(rules), lambda view, options: ())  # type: ignore[arg-type]


def test_the_registry_refuses_duplicate_checks_and_rule_ids() -> None:
    with pytest.raises(ValueError, match="duplicate check"):
        Registry([_check("a", RULE), _check("a")])
    with pytest.raises(ValueError, match="duplicate rule id 'KM-SEC-TEST'"):
        Registry([_check("a", RULE), _check("b", RULE)])


def test_rule_ids_are_stable_and_well_formed() -> None:
    ids = [r.id for r in BUILTIN.rules]
    assert len(ids) == len(set(ids)) >= 40
    assert all(re.fullmatch(r"KM-SEC-[A-Z0-9-]+", i) for i in ids)
    assert all(r.severity is not Severity.INFO for r in BUILTIN.rules)


def test_the_score_weighs_each_object_by_its_worst_finding() -> None:
    def at(severity: Severity, name: str) -> object:
        return finding(
            RULE, ObjectRef("Deployment", name, "shop"), "", (), Fix(""), severity=severity
        )

    findings = [at(Severity.CRITICAL, "a"), at(Severity.LOW, "a"), at(Severity.MEDIUM, "b")]
    audited = [ObjectRef("Deployment", n, "shop") for n in "abcdefghij"]
    summary = AuditSummary.of(findings, audited)  # type: ignore[arg-type]
    assert summary.score == round(100 * (1 - (1.0 + 0.2) / 10)) == 88
    assert (summary.grade, summary.objects, summary.objects_with_findings) == ("B", 10, 2)
    assert summary.to_data()["counts"] == {"critical": 1, "high": 0, "medium": 1, "low": 1}
    assert AuditSummary.of([], []).score == 100
    assert [grade_of(s) for s in (95, 85, 75, 65, 55, 10)] == list("ABCDEF")


def test_the_security_page_documents_every_rule() -> None:
    page = DOCS.read_text()
    missing = [r.id for r in BUILTIN.rules if f"`{r.id}`" not in page]
    assert not missing, f"docs/security.md does not describe {missing}"
