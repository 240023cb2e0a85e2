"""The security audit as SARIF 2.1.0, the format code-scanning tools ingest.

One run of the ``kubemedic`` driver: every rule of the audit with its help text, default level
and ``security-severity`` (the number GitHub ranks security alerts by), and one result per
finding. A finding read from a manifest points at its file and line; one read from a live
cluster has no file, so it points at ``<namespace>/<Kind>/<name>`` under the ``CLUSTER`` base
(line 1), with the object as a logical location. ``partialFingerprints`` carries the finding's
fingerprint, so an alert keeps its identity from run to run.
"""

from __future__ import annotations

from typing import Any

from kubemedic.models.security import Rule, SecurityAudit, SecurityFinding
from kubemedic.models.severity import Severity

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
CLUSTER_BASE = "CLUSTER"
_LEVELS = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}
"""GitHub's bands: over 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9 low."""


def sarif(audit: SecurityAudit) -> dict[str, Any]:
    index = {rule.id: position for position, rule in enumerate(audit.rules)}
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "kubemedic",
                        "version": audit.kubemedic_version,
                        "semanticVersion": audit.kubemedic_version,
                        "rules": [_rule(rule) for rule in audit.rules],
                    }
                },
                "automationDetails": {"id": "kubemedic/security-audit/"},
                "originalUriBaseIds": {
                    CLUSTER_BASE: {
                        "description": {"text": f"objects of {audit.source}, by namespace/kind"}
                    }
                },
                "results": [_result(finding, index[finding.id]) for finding in audit.findings],
                "properties": audit.summary.to_data(),
            }
        ],
    }


def _rule(rule: Rule) -> dict[str, Any]:
    references = ", ".join(str(r) for r in rule.references)
    help_text = rule.description + (f" References: {references}." if references else "")
    markdown = f"**{rule.title}**\n\n{rule.description}"
    if references:
        markdown += "\n\nReferences: " + ", ".join(f"`{r}`" for r in rule.references)
    return {
        "id": rule.id,
        "name": "".join(word.capitalize() for word in rule.id.split("-")[2:]),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.description},
        "help": {"text": help_text, "markdown": markdown},
        "defaultConfiguration": {"level": _LEVELS[rule.severity]},
        "properties": {
            "tags": ["security", "kubernetes", rule.family],
            "security-severity": _SECURITY_SEVERITY[rule.severity],
            "precision": "high",
        },
    }


def _result(finding: SecurityFinding, rule_index: int) -> dict[str, Any]:
    ref = finding.object
    fix = finding.fix
    text = f"{finding.summary}. Fix: {fix.summary}"
    return {
        "ruleId": finding.id,
        "ruleIndex": rule_index,
        "level": _LEVELS[finding.severity],
        "message": {"text": text},
        "locations": [
            {
                "physicalLocation": _physical(finding),
                "logicalLocations": [
                    {
                        "name": ref.name,
                        "fullyQualifiedName": _object_path(finding),
                        "kind": "resource",
                    }
                ],
            }
        ],
        "partialFingerprints": {"kubemedicFinding/v1": finding.fingerprint},
        "properties": {
            "security-severity": _SECURITY_SEVERITY[finding.severity],
            "severity": finding.severity.value,
            "evidence": [e.fact for e in finding.evidence],
            "commands": list(fix.commands),
        },
    }


def _physical(finding: SecurityFinding) -> dict[str, Any]:
    location = finding.location
    if location is not None:
        uri = location.file.replace("\\", "/").removeprefix("./")
        return {
            "artifactLocation": {"uri": uri},
            "region": {"startLine": location.line or 1},
        }
    return {
        "artifactLocation": {
            "uri": _object_path(finding),
            "uriBaseId": CLUSTER_BASE,
        },
        "region": {"startLine": 1},
    }


def _object_path(finding: SecurityFinding) -> str:
    """``todo/Deployment/backend``; ``_cluster/Group/devs`` for what has no namespace."""
    ref = finding.object
    return f"{ref.namespace or '_cluster'}/{ref.kind}/{ref.name}"
