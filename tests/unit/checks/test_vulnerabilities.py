"""Trivy Operator VulnerabilityReports: mapped to workloads, ranked by severity and exposure."""

from __future__ import annotations

from typing import Any

from kubemedic.checks import vulnerabilities
from kubemedic.models.findings import ObjectRef

from .builders import MANIFESTS, deployment, obj, view


def _cve(
    cve: str, severity: str, package: str, fixed: str = "", score: float = 7.5
) -> dict[str, Any]:
    return {
        "vulnerabilityID": cve,
        "resource": package,
        "installedVersion": "1.0",
        "fixedVersion": fixed,
        "severity": severity,
        "score": score,
        "title": "",
        "primaryLink": f"https://avd.aquasec.com/nvd/{cve.lower()}",
    }


def _report(workload: str, counts: dict[str, int], cves: list[dict[str, Any]]) -> dict[str, Any]:
    name = f"replicaset-{workload}-6d4cf56db6-app"
    labels = {
        "trivy-operator.resource.kind": "ReplicaSet",
        "trivy-operator.resource.name": f"{workload}-6d4cf56db6",
        "trivy-operator.resource.namespace": "shop",
        "trivy-operator.container.name": "app",
    }
    summary = {
        f"{level}Count": counts.get(level, 0) for level in ("critical", "high", "medium", "low")
    }
    return obj(
        "VulnerabilityReport",
        name,
        api="aquasecurity.github.io/v1alpha1",
        metadata={"labels": labels},
        report={
            "registry": {"server": "ghcr.io"},
            "artifact": {"repository": f"acme/{workload}", "tag": "1.0"},
            "summary": summary,
            "vulnerabilities": cves,
        },
    )


def _replica_set(workload: str) -> dict[str, Any]:
    owner = {"apiVersion": "apps/v1", "kind": "Deployment", "name": workload,
             "uid": f"uid-shop-{workload}", "controller": True}  # fmt: skip
    return obj(
        "ReplicaSet", f"{workload}-6d4cf56db6", api="apps/v1", metadata={"ownerReferences": [owner]}
    )


def test_reports_map_to_deployments_and_exposure_raises_the_severity() -> None:
    objects = [
        deployment("web"),
        _replica_set("web"),
        obj("Service", "web", spec={"type": "LoadBalancer", "selector": {"app": "web"}}),
        _report("web", {"critical": 1, "high": 1}, [
            _cve("CVE-2024-0002", "HIGH", "libexpat1", "2.5.1"),
            _cve("CVE-2024-0001", "CRITICAL", "libssl3", "3.0.13", 9.8),
        ]),
        deployment("batch"),
        _replica_set("batch"),
        _report("batch", {"critical": 3}, [_cve("CVE-2024-0003", "CRITICAL", "zlib1g", score=9.0)]),
        deployment("api"),
        _replica_set("api"),
        obj("Service", "api", spec={"selector": {"app": "api"}}),
        obj("Ingress", "api", api="networking.k8s.io/v1", spec={"rules": [{"http": {"paths": [
            {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "api"}}}
        ]}}]}),
        _report("api", {"high": 2, "medium": 5}, [_cve("CVE-2024-0004", "HIGH", "curl")]),
        deployment("quiet"),
        _replica_set("quiet"),
        _report("quiet", {"low": 4}, []),
    ]  # fmt: skip
    findings = sorted(vulnerabilities.run(view(*objects), MANIFESTS), key=lambda f: f.sort_key)
    assert [(f.object.name, f.severity.value) for f in findings] == [
        ("web", "critical"),
        ("api", "high"),
        ("batch", "high"),
    ]
    web = findings[0]
    assert web.object == ObjectRef("Deployment", "web", "shop")
    facts = [e.fact for e in web.evidence]
    assert facts[0] == "container app image ghcr.io/acme/web:1.0: 1 critical, 1 high (2 with a fix)"
    assert facts[1] == "CVE-2024-0001 critical 9.8 in libssl3 1.0 (fixed in 3.0.13)"
    assert facts[-1] == "reachable from outside the cluster: Service shop/web type LoadBalancer"
    assert "Ingress shop/api" in findings[1].evidence[-1].fact


def test_without_reports_the_check_is_silent() -> None:
    assert list(vulnerabilities.run(view(deployment("web")), MANIFESTS)) == []
