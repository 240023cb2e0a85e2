"""Known vulnerabilities from Trivy Operator's VulnerabilityReports, ranked by exposure.

Trivy Operator writes one ``VulnerabilityReport`` (``aquasecurity.github.io/v1alpha1``) per
workload container, its counts under ``report.summary`` and each CVE under
``report.vulnerabilities``; its labels name the workload (``trivy-operator.resource.*``). A
critical CVE matters most where the workload is reachable from outside the cluster (a
LoadBalancer or NodePort Service, or an Ingress backend), so exposure raises the severity:
critical CVEs exposed → critical, critical CVEs → high, high CVEs exposed → high, high CVEs →
medium, medium ones → low. kubemedic runs no scanner; without reports this check is silent.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from kubemedic.checks._common import finding, kubescape, nsa, plural, related_fact, rule
from kubemedic.checks._registry import Check
from kubemedic.checks._selectors import selects_map
from kubemedic.checks._templates import templates
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import ObjectRef
from kubemedic.models.k8s import KObject
from kubemedic.models.security import AuditOptions, Fix, SecurityFinding
from kubemedic.models.severity import Severity

FAMILY = "vulnerabilities"
_LABEL = "trivy-operator.resource."
_LEVELS = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN")
_SHOWN = 5

VULNERABLE = rule(
    "KM-SEC-VULNERABLE-IMAGE",
    "Image with known vulnerabilities",
    Severity.HIGH,
    FAMILY,
    "Trivy Operator found CVEs in the image of a running workload; severity follows the worst "
    "CVE and whether the workload is reachable from outside the cluster.",
    nsa("Upgrading and application security practices"),
    kubescape("C-0083", "C-0085"),
)


@dataclass(frozen=True, slots=True)
class _Report:
    report: KObject
    workload: ObjectRef
    container: str
    counts: Mapping[str, int]
    cves: tuple[Mapping[str, Any], ...]
    image: str


def run(view: ClusterView, options: AuditOptions) -> Iterator[SecurityFinding]:
    exposed = _exposed(view)
    for report in _reports(view):
        severity = _severity(report.counts, report.workload in exposed)
        if severity is None:
            continue
        yield _finding(report, severity, exposed.get(report.workload))


def _severity(counts: Mapping[str, int], exposed: bool) -> Severity | None:
    if counts.get("CRITICAL"):
        return Severity.CRITICAL if exposed else Severity.HIGH
    if counts.get("HIGH"):
        return Severity.HIGH if exposed else Severity.MEDIUM
    return Severity.LOW if counts.get("MEDIUM") else None


def _finding(report: _Report, severity: Severity, exposure: str | None) -> SecurityFinding:
    counts = ", ".join(
        f"{report.counts[level]} {level.lower()}" for level in _LEVELS if report.counts.get(level)
    )
    fixable = sum(1 for v in report.cves if v.get("fixedVersion"))
    where = f"{report.report.ref} report.vulnerabilities"
    evidence = [
        related_fact(
            f"container {report.container} image {report.image}: {counts} ({fixable} with a fix)",
            f"{report.report.ref} report.summary",
        )
    ]
    evidence += [related_fact(_describe(v), where) for v in report.cves[:_SHOWN]]
    if exposure:
        evidence.append(
            related_fact(f"reachable from outside the cluster: {exposure}", str(report.workload))
        )
    summary = f"{report.workload} container {report.container}: {counts}"
    if exposure:
        summary += " and exposed outside the cluster"
    weight = report.counts.get("CRITICAL", 0) * 1000 + report.counts.get("HIGH", 0)
    source = report.report
    return finding(
        VULNERABLE,
        report.workload,
        summary,
        evidence,
        Fix(
            f"Rebuild or upgrade the image to versions that fix them ({plural(fixable, 'CVE')} "
            "have a fixed version); Trivy Operator rescans the new image.",
            (f"kubectl get vulnerabilityreport {source.name} -n {source.namespace} -o yaml",),
        ),
        severity=severity,
        related=[report.report.ref],
        detail=report.container,
        priority=weight + (1_000_000 if exposure else 0),
    )


def _describe(cve: Mapping[str, Any]) -> str:
    score = cve.get("score")
    fixed = cve.get("fixedVersion") or "no fix yet"
    return (
        f"{cve.get('vulnerabilityID')} {str(cve.get('severity', '')).lower()}"
        f"{f' {score}' if score is not None else ''} in {cve.get('resource')} "
        f"{cve.get('installedVersion')} (fixed in {fixed})"
    )


def _reports(view: ClusterView) -> Iterator[_Report]:
    for report in view.objects("VulnerabilityReport"):
        body = _map(report.raw.get("report"))
        summary = _map(body.get("summary"))
        counts = {level: _int(summary.get(f"{level.lower()}Count")) for level in _LEVELS}
        vulnerabilities = body.get("vulnerabilities")
        cves = sorted(
            (_map(v) for v in vulnerabilities if isinstance(v, Mapping))
            if isinstance(vulnerabilities, list)
            else (),
            key=_cve_order,
        )
        artifact = _map(body.get("artifact"))
        registry = _map(body.get("registry")).get("server")
        image = f"{artifact.get('repository')}:{artifact.get('tag') or artifact.get('digest')}"
        image = f"{registry}/{image}" if registry else image
        yield _Report(
            report, _workload(view, report), _container(report), counts, tuple(cves), image
        )


def _cve_order(cve: Mapping[str, Any]) -> tuple[int, float, str]:
    level = str(cve.get("severity") or "UNKNOWN").upper()
    rank = _LEVELS.index(level) if level in _LEVELS else len(_LEVELS)
    score = cve.get("score")
    return (
        rank,
        -float(score) if isinstance(score, int | float) else 0.0,
        str(cve.get("vulnerabilityID")),
    )


def _workload(view: ClusterView, report: KObject) -> ObjectRef:
    labels = report.labels
    kind = labels.get(f"{_LABEL}kind", "")
    name = labels.get(f"{_LABEL}name", "")
    namespace = labels.get(f"{_LABEL}namespace", report.namespace)
    if not kind or not name:
        return report.ref
    obj = view.get(kind, namespace, name)
    return view.workload_of(obj) if obj is not None else ObjectRef(kind, name, namespace)


def _container(report: KObject) -> str:
    return report.labels.get("trivy-operator.container.name", "") or report.name


def _exposed(view: ClusterView) -> dict[ObjectRef, str]:
    """Workloads reachable from outside, with how: Service type or Ingress."""
    ingress_services: dict[tuple[str, str], str] = {}
    for ingress in view.objects("Ingress"):
        for backend in _ingress_backends(ingress.spec):
            ingress_services[(ingress.namespace, backend)] = (
                f"Ingress {ingress.namespace}/{ingress.name}"
            )
    found: dict[ObjectRef, str] = {}
    for service in view.objects("Service"):
        kind = service.spec.get("type") or "ClusterIP"
        how = ingress_services.get((service.namespace, service.name))
        if kind in ("LoadBalancer", "NodePort"):
            how = f"Service {service.namespace}/{service.name} type {kind}"
        if how is None:
            continue
        for template in templates(view):
            if template.workload.namespace == service.namespace and selects_map(
                service.spec.get("selector"), template.labels
            ):
                found.setdefault(template.workload, how)
    return found


def _ingress_backends(spec: Mapping[str, Any]) -> Iterator[str]:
    default = _map(_map(spec.get("defaultBackend")).get("service")).get("name")
    if default:
        yield str(default)
    rules = spec.get("rules")
    for entry in rules if isinstance(rules, list) else ():
        paths = _map(_map(entry).get("http")).get("paths")
        for path in paths if isinstance(paths, list) else ():
            name = _map(_map(_map(path).get("backend")).get("service")).get("name")
            if name:
                yield str(name)


def _map(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


CHECK = Check(
    name="vulnerabilities",
    description="CVEs from Trivy Operator VulnerabilityReports, ranked by exposure",
    rules=(VULNERABLE,),
    run=run,
)
