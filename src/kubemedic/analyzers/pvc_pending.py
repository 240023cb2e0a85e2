"""PersistentVolumeClaims stuck Pending, and which link of the storage chain is broken.

The claim's events name the link: a StorageClass that does not exist, no class at all (no
default, no matching PersistentVolume), a provisioner that never answers, or the CSI driver's
own error. ``WaitForFirstConsumer`` is the normal wait of a claim whose pod is not scheduled
yet and is not reported (the pod's scheduling finding covers a pod that cannot be placed).
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from kubemedic._internal.timeutils import human_duration
from kubemedic.analyzers._build import event_evidence
from kubemedic.analyzers._registry import Analyzer
from kubemedic.analyzers._template_patch import recreate_claim, recreated_from
from kubemedic.analyzers._volumes import CLASS_NOT_FOUND, DEFAULT_CLASS_ANNOTATION, default_class
from kubemedic.analyzers._workload import SETTLE, location, workload_finding
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence, EvidenceSource, Finding, Remediation
from kubemedic.models.k8s import Event, KObject, Pod, dig
from kubemedic.models.severity import RiskTier, Severity

ID = "KM-PVC-PENDING"
SELECTED_NODE = "volume.kubernetes.io/selected-node"
_PROVISIONER = re.compile(r"external provisioner ['\"]([^'\"]+)['\"]")
_RPC_DESC = re.compile(r"desc = (.+)$", re.DOTALL)
_GENERIC_WORDS = frozenset({"driver", "csi", "provisioner", "io", "com", "org", "k8s"})
"""Parts of provisioner names that name no product (``driver.longhorn.io``)."""
_ACCESS_MODE = re.compile(r"MULTI_NODE|[Aa]ccess ?[Mm]ode")


@dataclass(frozen=True, slots=True)
class Verdict:
    """Which link is broken, in words and commands."""

    summary: str
    cause: str
    fix: str
    risk: RiskTier
    commands: tuple[str, ...]
    events: tuple[Event, ...] = ()
    evidence: tuple[Evidence, ...] = ()
    steps: tuple[str, ...] = ()


def analyze(view: ClusterView) -> Iterator[Finding]:
    pending = [
        c
        for c in view.objects("PersistentVolumeClaim")
        if c.status.get("phase") == "Pending" and c.deletion_timestamp is None
    ]
    if not pending:
        return
    users = _claim_users(view, {c.namespace for c in pending})
    for claim in pending:
        verdict = _verdict(view, claim)
        if verdict is not None:
            yield _finding(view, claim, verdict, users.get((claim.namespace, claim.name), ()))


def _claim_users(view: ClusterView, namespaces: set[str]) -> dict[tuple[str, str], list[Pod]]:
    users: dict[tuple[str, str], list[Pod]] = defaultdict(list)
    for pod in view.pods:
        if pod.namespace in namespaces and pod.phase not in ("Succeeded", "Failed"):
            for volume in pod.volumes:
                name = dig(volume, "persistentVolumeClaim", "claimName")
                if name:
                    users[(pod.namespace, name)].append(pod)
    return users


def _verdict(view: ClusterView, claim: KObject) -> Verdict | None:
    events = view.events_for(claim)
    failed = [e for e in events if e.reason == "ProvisioningFailed"]
    class_name = claim.spec.get("storageClassName")
    storage_class = view.get("StorageClass", "", class_name) if class_name else None
    missing = CLASS_NOT_FOUND.search(failed[-1].message) if failed else None
    if missing or (class_name and storage_class is None and view.knows("StorageClass")):
        name = missing["name"] if missing else str(class_name)
        return _missing_class(view, claim, name, tuple(failed))
    if failed:
        return _provisioner_error(claim, tuple(failed))
    if any(e.reason == "FailedBinding" for e in events):
        return _no_class(view, claim, tuple(e for e in events if e.reason == "FailedBinding"))
    waiting = dig(storage_class.raw, "volumeBindingMode") if storage_class else None
    if SELECTED_NODE not in claim.annotations and (
        waiting == "WaitForFirstConsumer"
        or (events and events[-1].reason == "WaitForFirstConsumer")
    ):
        return None  # normal: binding waits for the first pod to be scheduled
    asked = [e for e in events if e.reason == "ExternalProvisioning"]
    if asked and not any(e.reason == "Provisioning" for e in events):
        started = asked[0].first_seen  # undated: asked for as long as it can have been
        if started is None or view.observed_at - started >= SETTLE:
            return _silent_provisioner(view, claim, tuple(asked))
    return None


def _class_list(view: ClusterView) -> tuple[list[str], str | None]:
    names = sorted(o.name for o in view.objects("StorageClass"))
    default = default_class(view)
    return names, default.name if default is not None else None


def _missing_class(
    view: ClusterView, claim: KObject, name: str, events: tuple[Event, ...]
) -> Verdict:
    names, default = _class_list(view)
    closest = difflib.get_close_matches(name, names, n=1, cutoff=0.5)
    choice = closest[0] if closest else default
    listed = [f"{n} (the default)" if n == default else n for n in names]
    known = f" Existing classes: {', '.join(listed)}." if names else ""
    fix = (
        f"Use an existing StorageClass{f' ({choice})' if choice else ''}: storageClassName is "
        "immutable, so delete the Pending claim and create it again with the right class "
        "(nothing is lost: it was never bound). For a StatefulSet, fix volumeClaimTemplates."
    )
    steps = (
        "The commands delete the Pending claim and create it again"
        f"{recreated_from(claim)} but with storageClassName {choice}."
        if choice
        else "Pick a class from the list, then delete the claim and create it again with it.",
        "Fix storageClassName in the manifest that creates the claim too, or create StorageClass "
        f"{name} if that name is the intended one.",
    )
    return Verdict(
        summary=f"StorageClass {name} does not exist",
        cause=f"The claim asks for StorageClass {name}, which does not exist, so no volume is "
        f"provisioned.{known}",
        fix=fix,
        risk=RiskTier.LOW,
        commands=("kubectl get storageclass", *(recreate_claim(claim, choice) if choice else ())),
        events=events,
        steps=steps,
    )


def _no_class(view: ClusterView, claim: KObject, events: tuple[Event, ...]) -> Verdict:
    names, default = _class_list(view)
    cause = (
        f"The claim names no StorageClass and no PersistentVolume matches it: {events[-1].message}."
    )
    if view.knows("StorageClass") and not names:
        cause += " The cluster has no StorageClass."
    elif view.knows("StorageClass") and not default:
        cause += f" No class is marked default ({', '.join(names)} exist)."
    steps = []
    commands = ["kubectl get storageclass", "kubectl get pv"]
    if len(names) == 1:  # the claim's own fix: the one class there is
        commands += recreate_claim(claim, names[0])
        steps.append(
            f"The commands create the claim again{recreated_from(claim)} but with "
            f"storageClassName {names[0]}, the only class of the cluster (it never bound, so "
            "nothing is lost)."
        )
    if names and not default:
        patch = '{"metadata":{"annotations":{"' + DEFAULT_CLASS_ANNOTATION + '":"true"}}}'
        steps.append(
            f"Or mark a class default (kubectl patch storageclass {names[0]} -p '{patch}'): "
            "Kubernetes 1.28+ gives it to this Pending claim, and to every claim created "
            "without a class from then on."
        )
    return Verdict(
        summary="no StorageClass and no matching PersistentVolume",
        cause=cause,
        fix="Give the claim a StorageClass (recreate it: storageClassName is immutable), mark a "
        "class as the cluster default, or create a PersistentVolume that matches its size and "
        "access modes.",
        risk=RiskTier.MEDIUM,
        commands=tuple(commands),
        events=events,
        steps=tuple(steps),
    )


def _provisioner_error(claim: KObject, events: tuple[Event, ...]) -> Verdict:
    class_name = claim.spec.get("storageClassName") or "(default)"
    message = events[-1].message
    match = _RPC_DESC.search(message)
    said = match.group(1) if match else message
    cause = (
        f"The provisioner of StorageClass {class_name} tried to create the volume and failed: "
        f"{message}"
    )
    modes = claim.spec.get("accessModes") or ()
    if "ReadWriteMany" in modes and _ACCESS_MODE.search(message):
        cause += (
            " The claim asks for ReadWriteMany, which this driver's block volumes cannot give: "
            "use ReadWriteOnce, or a StorageClass backed by shared storage (NFS, EFS, CephFS, "
            "Azure Files, Filestore)."
        )
    return Verdict(
        summary=f"the provisioner failed: {said[:100]}" + ("..." if len(said) > 100 else ""),
        cause=cause,
        fix="Act on the provisioner's error: StorageClass parameters, access mode or size the "
        "backend supports, cloud quota or permissions, zone.",
        risk=RiskTier.LOW,
        commands=(
            f"kubectl describe pvc {claim.name} -n {claim.namespace}",
            f"kubectl describe storageclass {class_name}",
        ),
        events=events,
    )


def _silent_provisioner(view: ClusterView, claim: KObject, events: tuple[Event, ...]) -> Verdict:
    match = _PROVISIONER.search(events[-1].message)
    provisioner = match.group(1) if match else "the external provisioner"
    began = events[0].first_seen
    waited = f" {human_duration((view.observed_at - began).total_seconds())}" if began else ""
    evidence = []
    if match and view.knows("CSIDriver") and view.get("CSIDriver", "", provisioner) is None:
        evidence.append(
            Evidence(
                f"no CSIDriver named {provisioner} is registered",
                EvidenceSource.RELATED,
                "CSIDriver list",
            )
        )
    short = _distinctive(provisioner)
    return Verdict(
        summary=f"provisioner {provisioner} does not answer",
        cause=f"Kubernetes has been waiting{waited} for "
        f"{provisioner} to create the volume and it never started: the provisioner (CSI "
        "controller) is not installed, not running, or not registered under that name.",
        fix=f"Install or repair {provisioner}'s controller (its pods, logs and cloud "
        "permissions), or use a StorageClass whose provisioner runs in this cluster.",
        risk=RiskTier.LOW,
        commands=("kubectl get csidrivers", f"kubectl get pods -A | grep -i {short}"),
        events=events,
        evidence=tuple(evidence),
    )


def _distinctive(provisioner: str) -> str:
    """The word of a provisioner's name its controller pods are likely named after:
    ``longhorn`` of ``driver.longhorn.io``, ``ebs`` of ``ebs.csi.aws.com``."""
    words = [w for w in re.split(r"[./]", provisioner) if w and w not in _GENERIC_WORDS]
    return words[0] if words else provisioner


def _finding(view: ClusterView, claim: KObject, verdict: Verdict, users: Sequence[Pod]) -> Finding:
    evidence = [
        Evidence(
            f"phase Pending, {_request(claim)}, storageClassName "
            f"{claim.spec.get('storageClassName', '(unset: cluster default)')}",
            EvidenceSource.STATUS,
            location(claim, "status.phase"),
        ),
        *(event_evidence(e) for e in verdict.events[-2:]),
        *verdict.evidence,
    ]
    blocked = ""
    if users:
        names = ", ".join(p.name for p in users[:5])
        blocked = f" Pods waiting for it: {names}."
        evidence.append(
            Evidence(f"used by pods {names}", EvidenceSource.RELATED, f"pods in {claim.namespace}")
        )
    return workload_finding(
        view,
        claim,
        id=ID,
        analyzer="pvc-pending",
        severity=Severity.HIGH if users else Severity.MEDIUM,
        category=Category.PVC_PENDING,
        summary=f"PersistentVolumeClaim {claim.name} is Pending: {verdict.summary}",
        root_cause=verdict.cause + blocked,
        evidence=evidence,
        events=verdict.events,
        pods=users,
        since=claim.created_at,
        related=tuple(dict.fromkeys(view.workload_of(p) for p in users)),
        own=True,
        remediation=Remediation(
            summary=verdict.fix,
            risk=verdict.risk,
            reversible=True,
            expected_outcome="The claim becomes Bound within a minute and the pods using it "
            "are scheduled.",
            commands=verdict.commands,
            steps=verdict.steps,
        ),
    )


def _request(claim: KObject) -> str:
    """What the claim asks for, as far as the input shows it."""
    size = dig(claim.spec, "resources", "requests", "storage")
    modes = ",".join(claim.spec.get("accessModes") or ())
    if not size and not modes:
        return "size and access modes not shown"
    return f"requests {size or '(size not shown)'} {modes or '(access modes not shown)'}"


ANALYZER = Analyzer(
    name="pvc-pending",
    description="PersistentVolumeClaims stuck Pending: missing or no StorageClass, a silent "
    "provisioner, or a provisioning error.",
    categories=(Category.PVC_PENDING,),
    analyze=analyze,
)
