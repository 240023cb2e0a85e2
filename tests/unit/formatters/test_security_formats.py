"""The audit's formats: SARIF 2.1.0 as code scanning reads it, text and Markdown for people."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from kubemedic.formatters.security import AuditFormat, write
from kubemedic.models.security import AuditOptions, SecurityAudit
from kubemedic.services.audit import audit_view
from kubemedic.services.sources import SourceRequest, load_view
from tests.unit.checks.builders import container, deployment, view

REPO = Path(__file__).parents[3]
SHOP = REPO / "tests" / "data" / "security" / "planted" / "shop.yaml"
LEVELS = {"none", "note", "warning", "error"}


def _audit_files() -> SecurityAudit:
    return audit_view(
        load_view(SourceRequest(files=(SHOP,)), locations=True),
        AuditOptions(complete=True),
        version="9.9",
    )


def _render(result: SecurityAudit, output: AuditFormat) -> str:
    out = io.StringIO()
    write(result, output, out)
    return out.getvalue()


def _message(value: Any) -> None:
    """multiformatMessageString / message: an object with text (or an id)."""
    assert isinstance(value, dict)
    assert isinstance(value.get("text"), str) or isinstance(value.get("id"), str)


def check_sarif(log: dict[str, Any]) -> None:
    """The SARIF 2.1.0 schema's required properties and value constraints that apply to what
    kubemedic writes, plus what GitHub code scanning requires of a result's location."""
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    assert isinstance(log["runs"], list)
    assert log["runs"]
    for run in log["runs"]:
        driver = run["tool"]["driver"]
        assert isinstance(driver["name"], str)
        rules = driver.get("rules", [])
        for rule in rules:
            assert isinstance(rule["id"], str)
            for key in ("shortDescription", "fullDescription", "help"):
                _message(rule[key])
            assert rule["defaultConfiguration"]["level"] in LEVELS
            float(rule["properties"]["security-severity"])
        for result in run["results"]:
            _message(result["message"])
            assert result["level"] in LEVELS
            assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
            assert result["locations"], "code scanning needs a location for every result"
            for location in result["locations"]:
                physical = location["physicalLocation"]
                assert isinstance(physical["artifactLocation"]["uri"], str)
                assert physical["region"]["startLine"] >= 1
            assert all(isinstance(v, str) for v in result["partialFingerprints"].values())


def test_sarif_from_manifests_points_at_file_and_line() -> None:
    log = json.loads(_render(_audit_files(), AuditFormat.SARIF))
    check_sarif(log)
    [run] = log["runs"]
    results = {r["ruleId"]: r for r in run["results"]}
    physical = results["KM-SEC-PSS-PRIVILEGED"]["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == str(SHOP)
    lines = SHOP.read_text().splitlines()
    assert lines[physical["region"]["startLine"] - 1] == "apiVersion: apps/v1"
    assert lines[physical["region"]["startLine"] + 2] == "  name: web"
    user = results["KM-SEC-RBAC-ADMIN"]["locations"][0]
    assert user["logicalLocations"][0]["fullyQualifiedName"] == "_cluster/Group/oncall"
    assert "ClusterRoleBinding" in lines[user["physicalLocation"]["region"]["startLine"]]
    assert run["properties"]["score"] == _audit_files().summary.score
    assert results["KM-SEC-TLS-EXPIRY"]["level"] == "error"


def test_sarif_from_a_live_view_points_at_the_object_under_the_cluster_base() -> None:
    web = deployment("web", containers=[container(securityContext={"privileged": True})])
    result = audit_view(view(web), AuditOptions(), version="9.9")
    log = json.loads(_render(result, AuditFormat.SARIF))
    check_sarif(log)
    locations = [r["locations"][0]["physicalLocation"] for r in log["runs"][0]["results"]]
    assert {"uri": "shop/Deployment/web", "uriBaseId": "CLUSTER"} in [
        loc["artifactLocation"] for loc in locations
    ]


@pytest.mark.parametrize("output", [AuditFormat.TEXT, AuditFormat.MARKDOWN])
def test_people_formats_show_score_findings_levels_and_fixes(output: AuditFormat) -> None:
    text = _render(_audit_files(), output)
    assert "Score " in text
    assert "/100 (grade " in text
    assert "KM-SEC-PSS-PRIVILEGED" in text
    assert "Deployment shop/web" in text
    assert "kubectl patch deployment/web -n shop --type strategic" in text
    assert "Pod Security levels" in text
    assert "privileged" in text
    assert "Network policies" in text
    assert ("```yaml" in text) is (output is AuditFormat.MARKDOWN)
    assert "PLANTED" not in text
