"""Resource requests and limits, and probes on long-running workloads.

A container without a memory limit can take a node's memory (and every neighbour with it);
without requests the scheduler places it blind and it is the first evicted. A long-running
workload without liveness and readiness probes keeps a hung process serving traffic. The fix
points at ``kubemedic recommend resources``, which sets values from observed usage.
"""

from __future__ import annotations

from collections.abc import Iterator

from kubemedic.checks._common import checkov, finding, kubescape, nsa, rule, spec_fact
from kubemedic.checks._registry import Check
from kubemedic.checks._templates import Template, templates
from kubemedic.models.cluster import ClusterView
from kubemedic.models.security import AuditOptions, Fix, Rule, SecurityFinding
from kubemedic.models.severity import Severity

FAMILY = "workload-hygiene"
_RESOURCE_POLICIES = nsa("Network separation and hardening — resource policies")

LIMITS = rule(
    "KM-SEC-NO-LIMITS",
    "No resource limits",
    Severity.MEDIUM,
    FAMILY,
    "Without a memory limit one container can exhaust its node (a denial of service on every "
    "pod there); without a CPU limit it can starve them. Medium when the memory limit is "
    "missing, low when only the CPU limit is.",
    _RESOURCE_POLICIES,
    checkov("CKV_K8S_11", "CKV_K8S_13"),
    kubescape("C-0270", "C-0271"),
)
REQUESTS = rule(
    "KM-SEC-NO-REQUESTS",
    "No resource requests",
    Severity.LOW,
    FAMILY,
    "Without requests the scheduler cannot reserve room for the container, and it is the "
    "first evicted under pressure.",
    _RESOURCE_POLICIES,
    checkov("CKV_K8S_10", "CKV_K8S_12"),
    kubescape("C-0268", "C-0269"),
)
PROBES = rule(
    "KM-SEC-NO-PROBES",
    "Long-running container without liveness or readiness probe",
    Severity.LOW,
    FAMILY,
    "Without a readiness probe a starting or broken replica gets traffic; without a liveness "
    "probe a hung process is never restarted.",
    checkov("CKV_K8S_8", "CKV_K8S_9"),
    kubescape("C-0056"),
)


def run(view: ClusterView, options: AuditOptions) -> Iterator[SecurityFinding]:
    for template in templates(view):
        yield from _limits(template)
        yield from _requests(template)
        if template.long_running:
            yield from _probes(template)


def _missing(template: Template, kind: str) -> list[tuple[str, str, str]]:
    """(container, resource, field) for every app container lacking ``kind`` of a resource."""
    found = []
    for c in template.app_containers:
        for resource in ("memory", "cpu"):
            if c.spec.resources.request(resource) is None and kind == "requests":
                found.append((c.name, resource, f"{c.path}.resources.requests.{resource}"))
            if c.spec.resources.limit(resource) is None and kind == "limits":
                found.append((c.name, resource, f"{c.path}.resources.limits.{resource}"))
    return found


def _recommend(template: Template, kind: str) -> Fix:
    namespace = template.workload.namespace
    return Fix(
        f"Set {kind} from observed usage; kubemedic recommend resources computes them and "
        "proposes the patch.",
        (f"kubemedic recommend resources -n {namespace}",),
    )


def _limits(template: Template) -> Iterator[SecurityFinding]:
    missing = _missing(template, "limits")
    memory = any(resource == "memory" for _, resource, _ in missing)
    yield from _unsized(
        template, LIMITS, "limit", missing, Severity.MEDIUM if memory else Severity.LOW
    )


def _requests(template: Template) -> Iterator[SecurityFinding]:
    yield from _unsized(
        template, REQUESTS, "request", _missing(template, "requests"), REQUESTS.severity
    )


def _unsized(
    template: Template,
    of: Rule,
    what: str,
    missing: list[tuple[str, str, str]],
    severity: Severity,
) -> Iterator[SecurityFinding]:
    """One finding for every (container, resource, field) without a ``what`` (limit, request)."""
    if not missing:
        return
    resources_ = " or ".join(sorted({r for _, r, _ in missing}))
    containers = ", ".join(dict.fromkeys(c for c, _, _ in missing))
    yield finding(
        of,
        template.workload,
        f"{template.workload}: no {resources_} {what} on {containers}",
        [
            spec_fact(f"container {c} has no {r} {what}", f"{template.workload} {f}")
            for c, r, f in missing
        ],
        _recommend(template, f"{what}s"),
        severity=severity,
    )


def _probes(template: Template) -> Iterator[SecurityFinding]:
    evidence = []
    for c in template.app_containers:
        for kind in ("liveness", "readiness"):
            if c.spec.probe(kind) is None:
                field = f"{c.path}.{kind}Probe"
                evidence.append(
                    spec_fact(
                        f"container {c.name} has no {kind} probe", f"{template.workload} {field}"
                    )
                )
    if evidence:
        yield finding(
            PROBES,
            template.workload,
            f"{template.workload}: {len(evidence)} probe(s) missing on a long-running workload",
            evidence,
            Fix(
                "Add a readiness probe on the endpoint that tells the replica can serve, and a "
                "liveness probe that fails only when a restart would help (not on a dependency)."
            ),
        )


CHECK = Check(
    name="resources",
    description="Requests, limits and probes",
    rules=(LIMITS, REQUESTS, PROBES),
    run=run,
)
