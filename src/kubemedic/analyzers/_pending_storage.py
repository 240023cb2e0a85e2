"""Pending on storage: a claim that does not exist or will not bind, explained down the chain.

The scheduler only says "unbound immediate PersistentVolumeClaims"; the claim's own events and
its StorageClass say why (no such class, no provisioner running, the provisioner's error).
"""

from __future__ import annotations

import re

from kubemedic.analyzers._build import event_evidence, related_evidence
from kubemedic.analyzers._pending_case import Explanation, PendingCase
from kubemedic.analyzers._template_patch import recreate_claim, recreated_from
from kubemedic.analyzers._volumes import Claim, default_class, is_default_class
from kubemedic.models.categories import Category
from kubemedic.models.findings import Evidence, ObjectRef, Remediation
from kubemedic.models.severity import RiskTier

_MISSING_CLAIM = re.compile(r'persistentvolumeclaim "(?P<name>[^"]+)" not found', re.IGNORECASE)


def explain_storage(case: PendingCase) -> Explanation:
    """The pod's claims that keep it from scheduling, and what each one lacks."""
    troubled = [c for c in case.claims if c.problem is not None]
    missing = _claims_missing_per_scheduler(case)
    problems = [c.problem for c in troubled if c.problem] + [
        f'PersistentVolumeClaim "{name}" does not exist in namespace {case.pod.namespace}'
        for name in missing
        if all(c.name != name for c in troubled)
    ]
    if not problems and case.verdict is not None:
        problems = [r.text for r in case.verdict.rejections]
    cause = f"Pod {case.pod.name} cannot be scheduled until its volumes can bind: "
    cause += "; ".join(problems).rstrip(".") + "."
    classes = _class_listing(case)
    if any(c.storage_class_missing for c in troubled) and classes:
        cause += f" StorageClasses in the cluster: {classes}."
    evidence: list[Evidence] = []
    for claim in troubled or case.claims:
        evidence += _claim_evidence(claim, known_missing=claim.name in missing)
    return Explanation(
        category=Category.SCHEDULING_UNBOUND_PVC,
        summary="Pod cannot be scheduled: "
        + (problems[0] if problems else "its PersistentVolumeClaim is not bound"),
        root_cause=cause,
        evidence=tuple(evidence),
        remediation=_fix(case, troubled, missing),
        related=tuple(
            ObjectRef("PersistentVolumeClaim", name, case.pod.namespace)
            for name in dict.fromkeys([c.name for c in troubled] + missing)
        ),
    )


def _claims_missing_per_scheduler(case: PendingCase) -> list[str]:
    if case.verdict is None:
        return []
    return [m["name"] for m in _MISSING_CLAIM.finditer(case.verdict.message)]


def _claim_evidence(claim: Claim, *, known_missing: bool) -> list[Evidence]:
    where = f"PersistentVolumeClaim {claim.namespace}/{claim.name}"
    if claim.pvc is None:
        fact = "does not exist" if claim.missing or known_missing else "was not collected"
        return [related_evidence(where, f"claim {claim.name} (volume {claim.volume}) {fact}")]
    requested = claim.storage_class_name
    class_text = (
        "the default StorageClass" if requested is None else f'storageClassName "{requested}"'
    )
    evidence = [
        related_evidence(f"{where} status.phase", f"phase {claim.phase or 'unknown'}, {class_text}")
    ]
    if claim.storage_class is not None:
        evidence.append(
            related_evidence(
                f"StorageClass {claim.storage_class.name}",
                f"provisioner {claim.provisioner or 'none'}, "
                f"volumeBindingMode {claim.binding_mode}",
            )
        )
    elif claim.storage_class_missing:
        evidence.append(
            related_evidence(f"StorageClass {requested}", f'StorageClass "{requested}" not found')
        )
    if claim.telling_event is not None:
        evidence.append(event_evidence(claim.telling_event))
    return evidence


def _class_listing(case: PendingCase) -> str:
    classes = case.view.objects("StorageClass")
    return ", ".join(c.name + (" (default)" if is_default_class(c) else "") for c in classes)


def _default_class(case: PendingCase) -> str:
    """The class to use instead: the default one, else the only one ("" when unknown)."""
    classes = case.view.objects("StorageClass")
    found = default_class(case.view) or (classes[0] if len(classes) == 1 else None)
    return found.name if found is not None else ""


def _fix(case: PendingCase, troubled: list[Claim], missing: list[str]) -> Remediation:
    ns = case.pod.namespace
    wrong_class = [c for c in troubled if c.storage_class_missing]
    if wrong_class and wrong_class[0].pvc is not None:
        claim, pvc = wrong_class[0], wrong_class[0].pvc
        good = _default_class(case)
        return Remediation(
            summary=f"Recreate PersistentVolumeClaim {claim.name} with an existing StorageClass "
            + (f'("{good}") ' if good else "")
            + f'instead of "{claim.storage_class_name}"; storageClassName cannot be changed on an '
            "existing claim.",
            risk=RiskTier.LOW,  # the claim never bound: it holds no data
            reversible=True,
            expected_outcome=f"{claim.name} binds to a new volume and the pod is scheduled.",
            steps=(
                "The claim is still Pending, so it holds no data; recreating it loses nothing.",
                "Fix storageClassName in the manifest that creates it"
                + (f' (set "{good}")' if good else "")
                + ", or create the missing StorageClass if the name is the intended one.",
                *(
                    (
                        f"The commands create the claim again{recreated_from(pvc)} but with "
                        f'storageClassName "{good}".',
                    )
                    if good
                    else ()
                ),
            ),
            commands=(
                "kubectl get storageclass",
                *(recreate_claim(pvc, good) if good else ()),
            ),
        )
    absent = [c.name for c in troubled if c.missing] + missing
    if absent:
        return Remediation(
            summary=f"Create PersistentVolumeClaim {absent[0]} in {ns}, or point the pod's "
            "claimName at the claim that exists.",
            risk=RiskTier.LOW,
            reversible=True,
            expected_outcome=f"{absent[0]} exists and binds; the pod is scheduled.",
            steps=("Compare claimName in the pod template with the claims in the namespace.",),
            commands=(f"kubectl get pvc -n {ns}",),
        )
    waiting = [c for c in troubled if c.provisioner]
    steps = [
        "Read the claim's events: a provisioner error names the parameter, quota or zone at fault.",
    ]
    commands = [f"kubectl describe pvc {c.name} -n {ns}" for c in troubled[:2]]
    if waiting:
        steps.append(
            f"Check that the provisioner {waiting[0].provisioner} is installed and its "
            "controller pods are running."
        )
        commands.append("kubectl get csidrivers")
    else:
        steps.append("Set a default StorageClass or a storageClassName, or create a matching PV.")
        commands.append("kubectl get storageclass")
    return Remediation(
        summary="Get the claim bound: fix what its provisioner reports, or give it a "
        "StorageClass or PersistentVolume that can satisfy it.",
        risk=RiskTier.LOW,
        reversible=True,
        expected_outcome="The claim becomes Bound and the pod is scheduled.",
        steps=tuple(steps),
        commands=tuple(commands),
    )
