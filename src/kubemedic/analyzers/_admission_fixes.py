"""From an admission refusal to the fix: the sentence, the steps and the exact commands.

Each kind of refusal parsed by ``_admission`` gets its own advice with this cluster's values:
the PodSecurity checklist written as one patch to the workload's template, the ServiceAccount to
create (or the closest existing one), the webhook, its policy and the service behind it. Quota
and LimitRange advice lives in ``_quota_fixes``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kubemedic.analyzers._admission import (
    MissingServiceAccount,
    PodSecurityViolation,
    WebhookDenied,
    WebhookUnavailable,
)
from kubemedic.analyzers._template_patch import recreate_step, template_patch
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence, EvidenceSource, ObjectRef
from kubemedic.models.k8s import ContainerSpec, dig
from kubemedic.models.severity import RiskTier

# Kyverno lists the blocking policies as "name:" lines; Gatekeeper prefixes "[constraint]".
_KYVERNO_POLICY = re.compile(r"^([a-z0-9][a-z0-9.-]*):\s*$", re.MULTILINE)
_GATEKEEPER_CONSTRAINT = re.compile(r"\s*\[([a-z0-9][a-z0-9.-]*)\]")

# The settings each restricted-profile check asks for, as (pod-level, container-level) fields.
_PSA_FIXES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "allowPrivilegeEscalation != false": ({}, {"allowPrivilegeEscalation": False}),
    "unrestricted capabilities": ({}, {"capabilities": {"drop": ["ALL"]}}),
    "runAsNonRoot != true": ({"runAsNonRoot": True}, {}),
    "seccompProfile": ({"seccompProfile": {"type": "RuntimeDefault"}}, {}),
    "privileged": ({}, {"privileged": False}),
}


@dataclass(frozen=True, slots=True)
class Context:
    """The workload whose pods are refused, and its pod template."""

    view: ClusterView
    workload: ObjectRef
    template: Mapping[str, Any]

    @property
    def namespace(self) -> str:
        return self.workload.namespace

    def containers(self) -> tuple[ContainerSpec, ...]:
        found = []
        for group, is_init in (("initContainers", True), ("containers", False)):
            for raw in dig(self.template, "spec", group) or ():
                if isinstance(raw, Mapping):
                    found.append(ContainerSpec(raw, is_init=is_init))
        return tuple(found)

    def apply(self, pod_spec: Mapping[str, Any], commands: list[str], steps: list[str]) -> None:
        """Add the patch for this template change, or how to recreate a Job that has none."""
        patch = template_patch(self.workload, pod_spec)
        recreate = recreate_step(self.workload, pod_spec)
        if patch is not None:
            commands.append(patch)
        elif recreate is not None:
            steps.append(recreate)


@dataclass(frozen=True, slots=True)
class Advice:
    cause: str
    summary: str
    risk: RiskTier
    steps: tuple[str, ...] = ()
    commands: tuple[str, ...] = ()
    evidence: tuple[Evidence, ...] = field(default=())


def pod_security(rejection: PodSecurityViolation, ctx: Context) -> Advice:
    init_names = {c.name for c in ctx.containers() if c.is_init}
    pod_level: dict[str, Any] = {}
    per_container: dict[str, dict[str, Any]] = {}
    for check in rejection.checks:
        fix = _PSA_FIXES.get(check.check)
        if fix is None:
            continue
        pod_level.update(fix[0])
        for name in check.containers if fix[1] else ():
            _merge(per_container.setdefault(name, {}), fix[1])
    spec: dict[str, Any] = {}
    if pod_level:
        spec["securityContext"] = pod_level
    for group, wanted in (("initContainers", True), ("containers", False)):
        entries = [
            {"name": name, "securityContext": sc}
            for name, sc in per_container.items()
            if (name in init_names) == wanted
        ]
        if entries:
            spec[group] = entries
    ns = ctx.namespace
    steps = [f"{c.check}: {c.detail}" if c.detail else c.check for c in rejection.checks]
    if "runAsNonRoot" in pod_level:
        steps.append(
            "runAsNonRoot only admits images whose user is a non-zero number: if the image runs "
            "as root, also set securityContext.runAsUser (e.g. 10001) or rebuild it with USER."
        )
    steps.append(
        f"Only if the workload truly needs it: lower the namespace's level with kubectl label ns "
        f"{ns} pod-security.kubernetes.io/enforce=baseline --overwrite (weakens isolation for "
        "every pod in the namespace)."
    )
    commands: list[str] = []
    if spec:
        ctx.apply(spec, commands, steps)
    names = ", ".join(c.check for c in rejection.checks)
    return Advice(
        cause=f'Namespace {ns} enforces Pod Security "{rejection.profile}" and the pod template '
        f"of {ctx.workload} fails {len(rejection.checks)} of its checks ({names}), so the API "
        "server refuses its pods.",
        summary="Set the securityContext fields the PodSecurity message lists on the workload's "
        "template.",
        risk=RiskTier.LOW,
        steps=tuple(steps),
        commands=(*commands, f"kubectl get ns {ns} --show-labels"),
    )


def _merge(into: dict[str, Any], fields: Mapping[str, Any]) -> None:
    for key, value in fields.items():
        if isinstance(value, Mapping) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def service_account(rejection: MissingServiceAccount, ctx: Context) -> Advice:
    ns, name = rejection.namespace, rejection.name
    existing = sorted(o.name for o in ctx.view.objects("ServiceAccount", ns))
    closest = difflib.get_close_matches(name, existing, n=1, cutoff=0.6)
    create = f"kubectl create serviceaccount {name} -n {ns}"
    commands: list[str] = []
    steps: list[str] = []
    if closest:  # the template's own reference first; a new account has no permissions yet
        steps.append(f"ServiceAccount {closest[0]} exists in {ns}: was it meant?")
        ctx.apply({"serviceAccountName": closest[0]}, commands, steps)
    steps.append(
        f"Otherwise create ServiceAccount {name} in {ns} and bind the Roles the workload needs"
        + (f": {create}" if commands else ".")
    )
    if not commands:
        commands.append(create)
    evidence = []
    if ctx.view.knows("ServiceAccount", ns):
        evidence.append(
            Evidence(
                f"ServiceAccounts in {ns}: {', '.join(existing) or 'none'}",
                EvidenceSource.RELATED,
                f"ServiceAccount list of namespace {ns}",
            )
        )
    return Advice(
        cause=f"The pod template of {ctx.workload} runs as ServiceAccount {name}, which does not "
        f"exist in namespace {ns}, so the API server refuses its pods.",
        summary=f"Create ServiceAccount {name} or fix serviceAccountName in the template.",
        risk=RiskTier.LOW,
        steps=tuple(steps),
        commands=tuple(commands),
        evidence=tuple(evidence),
    )


def webhook_denied(rejection: WebhookDenied, ctx: Context) -> Advice:
    reason = " ".join(rejection.reason.split())
    commands = ["kubectl get validatingwebhookconfigurations,mutatingwebhookconfigurations"]
    policies = _KYVERNO_POLICY.findall(rejection.reason) if "kyverno" in rejection.webhook else []
    for policy in policies:
        commands.append(
            f"kubectl get clusterpolicies,policies -A --field-selector metadata.name={policy} "
            "-o yaml"
        )
    if match := _GATEKEEPER_CONSTRAINT.match(rejection.reason):
        commands.append(f"kubectl get constraints -A | grep {match.group(1)}")
    named = f" (policy {', '.join(policies)})" if policies else ""
    return Advice(
        cause=f"Admission webhook {rejection.webhook}{named} denies the pods of {ctx.workload}: "
        f"{reason.rstrip('.')}.",
        summary="Change the workload's template to satisfy the policy the webhook quotes, or "
        "have its owner grant an exception.",
        risk=RiskTier.LOW,
        steps=(
            f"Read the policy message from {rejection.webhook} above and change the template "
            "accordingly (labels, resources, image registry, securityContext, ...).",
            "Check the change without creating anything: kubectl apply --dry-run=server.",
        ),
        commands=(*commands, f"kubectl get {ctx.workload.kubectl_ref} -o yaml"),
    )


def webhook_unavailable(rejection: WebhookUnavailable, ctx: Context) -> Advice:
    steps = []
    commands = ["kubectl get validatingwebhookconfigurations,mutatingwebhookconfigurations"]
    if rejection.service:
        svc_ns, _, svc = rejection.service.rpartition("/")
        where = f" -n {svc_ns}" if svc_ns else ""
        steps.append(
            f"Bring back the webhook's backend, Service {rejection.service}: its pods must be "
            "Ready (see the findings for that namespace)."
        )
        commands[:0] = [f"kubectl get endpoints {svc}{where}", f"kubectl get pods{where}"]
    steps.append(
        "If the webhook belongs to a tool that was uninstalled, delete its stale webhook "
        "configuration; setting failurePolicy: Ignore is a last resort (pods then skip that "
        "check cluster-wide)."
    )
    return Advice(
        cause=f"The API server cannot call admission webhook {rejection.webhook} "
        f"({rejection.error}); with failurePolicy Fail every pod it should check is refused, "
        f"so {ctx.workload} gets no new pod.",
        summary=f"Restore the backend of webhook {rejection.webhook} (or remove a stale webhook "
        "configuration).",
        risk=RiskTier.MEDIUM,
        steps=tuple(steps),
        commands=tuple(commands),
    )
