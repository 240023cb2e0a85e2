"""Pod Security Standards: every workload's actual level, and a finding per control it breaks.

The level table (``postures``) shows each workload's highest PSS level and every field that
keeps it lower, whatever ``--level`` asks; findings are made only for the controls of the level
the audit demands (baseline by default, restricted with ``--level restricted``). A namespace
that enforces no level through its ``pod-security.kubernetes.io/enforce`` label is a finding too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from kubemedic.checks import _pss
from kubemedic.checks._common import checkov, cis, finding, kubescape, nsa, pss, rule, spec_fact
from kubemedic.checks._registry import Check
from kubemedic.checks._templates import Container, Template, templates
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import ObjectRef
from kubemedic.models.security import (
    AuditOptions,
    Fix,
    PodSecurityLevel,
    Rule,
    SecurityFinding,
    Violation,
    WorkloadPosture,
)
from kubemedic.models.severity import Severity

FAMILY = "pod-security"
ENFORCE_LABEL = "pod-security.kubernetes.io/enforce"
_POD_SECURITY = nsa("Pod security")
_NON_ROOT = nsa("Pod security — non-root containers")

RULES: Mapping[str, Rule] = {
    "windowsHostProcess": rule(
        "KM-SEC-PSS-HOST-PROCESS", "Windows HostProcess container", Severity.CRITICAL, FAMILY,
        "A HostProcess container runs as a process on the Windows node, with its privileges.",
        pss("baseline: HostProcess"), cis("5.2.11"), _POD_SECURITY,
    ),
    "hostNamespaces": rule(
        "KM-SEC-PSS-HOST-NAMESPACES", "Shares the node's network, PID or IPC namespace",
        Severity.HIGH, FAMILY,
        "hostNetwork, hostPID or hostIPC lets the pod see the node's traffic, processes or "
        "shared memory.",
        pss("baseline: Host Namespaces"), cis("5.2.3"), cis("5.2.4"), cis("5.2.5"), _POD_SECURITY,
        checkov("CKV_K8S_17", "CKV_K8S_18", "CKV_K8S_19"), kubescape("C-0038", "C-0041"),
    ),
    "privileged": rule(
        "KM-SEC-PSS-PRIVILEGED", "Privileged container", Severity.CRITICAL, FAMILY,
        "A privileged container has every capability and the node's devices: root on the node.",
        pss("baseline: Privileged Containers"), cis("5.2.2"), _POD_SECURITY,
        checkov("CKV_K8S_16"), kubescape("C-0057"),
    ),
    "capabilities_baseline": rule(
        "KM-SEC-PSS-CAPABILITIES", "Adds Linux capabilities beyond the default set",
        Severity.HIGH, FAMILY,
        "Capabilities such as NET_RAW, NET_ADMIN or SYS_ADMIN widen what a compromised "
        "container can do to the node and its neighbours.",
        pss("baseline: Capabilities"), cis("5.2.8"), cis("5.2.9"), _POD_SECURITY,
        checkov("CKV_K8S_25", "CKV_K8S_28", "CKV_K8S_39"), kubescape("C-0046"),
    ),
    "hostPathVolumes": rule(
        "KM-SEC-PSS-HOST-PATH", "Mounts a hostPath volume", Severity.HIGH, FAMILY,
        "A hostPath volume exposes the node's file system (a container runtime socket there "
        "is the node itself).",
        pss("baseline: HostPath Volumes"), cis("5.2.12"), _POD_SECURITY,
        checkov("CKV_K8S_27"), kubescape("C-0048", "C-0074"),
    ),
    "hostPorts": rule(
        "KM-SEC-PSS-HOST-PORTS", "Binds a port on the node", Severity.MEDIUM, FAMILY,
        "A hostPort exposes the container on the node's address, around Services and "
        "NetworkPolicies.",
        pss("baseline: Host Ports"), cis("5.2.13"), checkov("CKV_K8S_26"), kubescape("C-0044"),
    ),
    "hostProbesAndHostLifecycle": rule(
        "KM-SEC-PSS-PROBE-HOST", "Probe or lifecycle handler targets another host",
        Severity.MEDIUM, FAMILY,
        "A host in an httpGet or tcpSocket handler makes the kubelet connect wherever the "
        "manifest says.",
        pss("baseline: Host Probes / Lifecycle Hooks"),
    ),
    "appArmorProfile": rule(
        "KM-SEC-PSS-APPARMOR", "AppArmor disabled", Severity.MEDIUM, FAMILY,
        "An Unconfined AppArmor profile removes the runtime's default confinement.",
        pss("baseline: AppArmor"), _POD_SECURITY, kubescape("C-0055"),
    ),
    "seLinuxOptions": rule(
        "KM-SEC-PSS-SELINUX", "Custom SELinux type, user or role", Severity.MEDIUM, FAMILY,
        "A custom SELinux type, user or role can escape the container's label.",
        pss("baseline: SELinux"), kubescape("C-0055"),
    ),
    "procMount": rule(
        "KM-SEC-PSS-PROC-MOUNT", "Unmasked /proc", Severity.MEDIUM, FAMILY,
        "procMount Unmasked exposes the node's /proc paths the runtime masks by default.",
        pss("baseline: /proc Mount Type"),
    ),
    "seccompProfile_baseline": rule(
        "KM-SEC-PSS-SECCOMP-UNCONFINED", "Seccomp explicitly disabled", Severity.MEDIUM, FAMILY,
        "seccompProfile Unconfined lets the container make every system call.",
        pss("baseline: Seccomp"), cis("5.7.2"), checkov("CKV_K8S_31"), kubescape("C-0210"),
    ),
    "sysctls": rule(
        "KM-SEC-PSS-SYSCTLS", "Sets unsafe sysctls", Severity.MEDIUM, FAMILY,
        "Sysctls outside the namespaced safe set change the node's kernel for every pod.",
        pss("baseline: Sysctls"),
    ),
    "restrictedVolumes": rule(
        "KM-SEC-PSS-VOLUME-TYPES", "Volume type outside the restricted set", Severity.MEDIUM,
        FAMILY,
        "Only configMap, downwardAPI, emptyDir, projected, secret, csi, persistentVolumeClaim, "
        "ephemeral and image volumes are allowed by the restricted profile.",
        pss("restricted: Volume Types"),
    ),
    "allowPrivilegeEscalation": rule(
        "KM-SEC-PSS-PRIVILEGE-ESCALATION", "Privilege escalation not disabled", Severity.MEDIUM,
        FAMILY,
        "Without allowPrivilegeEscalation: false a process can gain privileges through setuid "
        "binaries.",
        pss("restricted: Privilege Escalation"), cis("5.2.6"), _POD_SECURITY,
        checkov("CKV_K8S_20"), kubescape("C-0016"),
    ),
    "runAsNonRoot": rule(
        "KM-SEC-PSS-RUN-AS-NON-ROOT", "May run as root", Severity.MEDIUM, FAMILY,
        "Without runAsNonRoot: true the container runs as root whenever its image says so.",
        pss("restricted: Running as Non-root"), cis("5.2.7"), _NON_ROOT,
        checkov("CKV_K8S_23"), kubescape("C-0013"),
    ),
    "runAsUser": rule(
        "KM-SEC-PSS-RUN-AS-ROOT", "Runs as user 0", Severity.HIGH, FAMILY,
        "runAsUser: 0 runs the container as root on purpose.",
        pss("restricted: Running as Non-root user"), cis("5.2.7"), _NON_ROOT, checkov("CKV_K8S_40"),
    ),
    "seccompProfile_restricted": rule(
        "KM-SEC-PSS-SECCOMP", "No seccomp profile", Severity.LOW, FAMILY,
        "The restricted profile requires RuntimeDefault or Localhost seccomp, set for the pod "
        "or every container.",
        pss("restricted: Seccomp"), cis("5.7.2"), checkov("CKV_K8S_31"), kubescape("C-0210"),
    ),
    "capabilities_restricted": rule(
        "KM-SEC-PSS-CAPABILITIES-DROP", "Capabilities not dropped", Severity.LOW, FAMILY,
        "The restricted profile requires dropping ALL capabilities and adding back at most "
        "NET_BIND_SERVICE.",
        pss("restricted: Capabilities"), cis("5.2.10"), _POD_SECURITY,
        checkov("CKV_K8S_37"), kubescape("C-0055"),
    ),
}  # fmt: skip
NAMESPACE_RULE = rule(
    "KM-SEC-PSS-NOT-ENFORCED",
    "Namespace enforces no Pod Security level",
    Severity.LOW,
    FAMILY,
    "Without a pod-security.kubernetes.io/enforce label (or with 'privileged'), the API "
    "server admits any pod into the namespace, whatever its manifests say today.",
    pss("admission labels"),
    cis("5.2.1"),
)


def postures(view: ClusterView) -> tuple[WorkloadPosture, ...]:
    """Every workload's Pod Security level and the fields that keep it lower."""
    return view.derived(_postures)


def _postures(view: ClusterView) -> tuple[WorkloadPosture, ...]:
    found = []
    for template in templates(view):
        violations = _pss.violations(template)
        namespace = view.get("Namespace", "", template.workload.namespace)
        enforced = namespace.labels.get(ENFORCE_LABEL) if namespace else None
        found.append(
            WorkloadPosture(template.workload, _pss.level_of(violations), violations, enforced)
        )
    return tuple(found)


def run(view: ClusterView, options: AuditOptions) -> Iterator[SecurityFinding]:
    by_workload = {t.workload: t for t in templates(view)}
    for posture in postures(view):
        template = by_workload[posture.workload]
        demanded = [v for v in posture.violations if v.level.rank <= options.level.rank]
        by_control: dict[str, list[Violation]] = {}
        for violation in demanded:
            by_control.setdefault(violation.control, []).append(violation)
        for control, violations in by_control.items():
            yield _finding(template, posture, RULES[control], violations)
    yield from _unenforced(view)


def _finding(
    template: Template, posture: WorkloadPosture, of: Rule, violations: list[Violation]
) -> SecurityFinding:
    level = violations[0].level.value
    fields = ", ".join(dict.fromkeys(v.field.rsplit(".", 1)[-1] for v in violations))
    summary = (
        f"{posture.workload} is not {level}: {of.title.lower()} ({fields}); "
        f"its pods meet the {posture.level.value} level"
    )
    evidence = [
        spec_fact(
            f"{v.field} is {v.value}; {level} allows {v.allowed}", f"{posture.workload} {v.field}"
        )
        for v in violations
    ]
    return finding(
        of,
        posture.workload,
        summary,
        evidence,
        _fix(template, violations[0].control, violations),
        detail=violations[0].control,
    )


def _unenforced(view: ClusterView) -> Iterator[SecurityFinding]:
    namespaces = {t.workload.namespace for t in templates(view)}
    for name in sorted(namespaces):
        namespace = view.get("Namespace", "", name)
        if namespace is None:
            continue  # not read: nothing can be said about its labels
        level = namespace.labels.get(ENFORCE_LABEL)
        if level not in (None, PodSecurityLevel.PRIVILEGED.value):
            continue
        ref = ObjectRef("Namespace", name)
        fact = f"label {ENFORCE_LABEL} is {level or 'not set'}"
        command = f"kubectl label namespace {name} {ENFORCE_LABEL}=baseline --overwrite"
        dry_run = (
            f"kubectl label --dry-run=server namespace {name} {ENFORCE_LABEL}=baseline --overwrite"
        )
        yield finding(
            NAMESPACE_RULE,
            ref,
            f"namespace {name} admits pods of any Pod Security level ({fact})",
            [spec_fact(fact, f"Namespace {name} metadata.labels")],
            Fix(
                "Enforce at least baseline; the server-side dry run first lists the running "
                "pods that would violate it.",
                (dry_run, command),
            ),
        )


# -- fixes: one pod-spec fragment per control ---------------------------------------------


def _fix(template: Template, control: str, violations: list[Violation]) -> Fix:
    summary = _FIX_SUMMARIES[control]
    fragment = _fragment(template, control, violations)
    if not fragment:
        return Fix(summary)
    commands, patch = template.patch(fragment, summary)
    return Fix(summary, commands, patch)


def _fragment(template: Template, control: str, violations: list[Violation]) -> dict[str, Any]:
    """The pod-spec fragment (strategic merge) that clears these violations, or {} when the
    change needs a person (volumes to replace)."""
    fields = [v.field for v in violations]
    if control == "hostNamespaces":
        return {field.rsplit(".", 1)[-1]: False for field in fields}
    if control == "sysctls":
        entries = _pss.pod_context(template).get("sysctls")
        safe = [
            s
            for s in (entries if isinstance(entries, list) else ())
            if isinstance(s, Mapping) and s.get("name") in _pss.SAFE_SYSCTLS
        ]
        return {"securityContext": {"sysctls": safe}}
    build = _CONTAINER_FIXES.get(control)
    if build is None:
        return {}
    fragment: dict[str, Any] = {}
    for c in template.containers:
        if any(field.startswith(c.path + ".") for field in fields):
            fragment.setdefault(c.group, []).append({"name": c.name, **build(c)})
    pod_fields = _POD_FIXES.get(control)
    pod_path = template.field("securityContext") + "."
    if pod_fields is not None and (
        control in _POD_FIX_ALWAYS or any(field.startswith(pod_path) for field in fields)
    ):
        fragment["securityContext"] = pod_fields
    return fragment


def _context(**fields: Any) -> dict[str, Any]:
    return {"securityContext": fields}


def _keep_default_capabilities(c: Container) -> dict[str, Any]:
    kept = [cap for cap in _pss.added_capabilities(c) if cap in _pss.DEFAULT_CAPABILITIES]
    return _context(capabilities={"add": kept})


def _drop_all_capabilities(c: Container) -> dict[str, Any]:
    add = ["NET_BIND_SERVICE"] if "NET_BIND_SERVICE" in _pss.added_capabilities(c) else []
    return _context(capabilities={"drop": ["ALL"], "add": add})


def _no_host_ports(c: Container) -> dict[str, Any]:
    ports = [
        {"containerPort": port.get("containerPort"), "hostPort": None}
        for port in c.spec.ports
        if port.get("hostPort")
    ]
    return {"ports": ports}


def _no_handler_hosts(c: Container) -> dict[str, Any]:
    fixed: dict[str, Any] = {}
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        handler = c.spec.raw.get(probe)
        if isinstance(handler, Mapping):
            hosts = {kind: {"host": None} for kind in ("httpGet", "tcpSocket") if kind in handler}
            if hosts:
                fixed[probe] = hosts
    return fixed


_CONTAINER_FIXES: Mapping[str, Callable[[Container], dict[str, Any]]] = {
    "privileged": lambda c: _context(privileged=False),
    "windowsHostProcess": lambda c: _context(windowsOptions={"hostProcess": False}),
    "capabilities_baseline": _keep_default_capabilities,
    "hostPorts": _no_host_ports,
    "hostProbesAndHostLifecycle": _no_handler_hosts,
    "appArmorProfile": lambda c: _context(appArmorProfile={"type": "RuntimeDefault"}),
    "seLinuxOptions": lambda c: _context(seLinuxOptions=None),
    "procMount": lambda c: _context(procMount=None),
    "seccompProfile_baseline": lambda c: _context(seccompProfile=None),
    "seccompProfile_restricted": lambda c: _context(seccompProfile=None),
    "allowPrivilegeEscalation": lambda c: _context(allowPrivilegeEscalation=False),
    "runAsNonRoot": lambda c: _context(runAsNonRoot=None),
    "runAsUser": lambda c: _context(runAsUser=None),
    "capabilities_restricted": _drop_all_capabilities,
}
"""What to set on a container named by a violation (None removes a field)."""
_POD_FIXES: Mapping[str, dict[str, Any]] = {
    "seccompProfile_baseline": {"seccompProfile": {"type": "RuntimeDefault"}},
    "seccompProfile_restricted": {"seccompProfile": {"type": "RuntimeDefault"}},
    "runAsNonRoot": {"runAsNonRoot": True},
    "runAsUser": {"runAsUser": None},
    "windowsHostProcess": {"windowsOptions": {"hostProcess": False}},
    "appArmorProfile": {"appArmorProfile": {"type": "RuntimeDefault"}},
    "seLinuxOptions": {"seLinuxOptions": None},
}
"""What to set in the pod's securityContext when a violation is there (or, for the controls in
``_POD_FIX_ALWAYS``, whenever the control is broken: the pod-level value covers every
container)."""
_POD_FIX_ALWAYS = frozenset(
    {"seccompProfile_baseline", "seccompProfile_restricted", "runAsNonRoot"}
)
_FIX_SUMMARIES: Mapping[str, str] = {
    "windowsHostProcess": "Run as a normal Windows container (hostProcess: false).",
    "hostNamespaces": "Stop sharing the node's namespaces; reach node services through the "
    "network or a Service instead.",
    "privileged": "Drop privileged mode; add back only the capabilities the process needs.",
    "capabilities_baseline": "Remove the added capabilities outside the default set.",
    "hostPathVolumes": "Replace each hostPath volume with a PersistentVolumeClaim, an emptyDir "
    "or a projected/configMap volume; node agents that truly need the node belong in a "
    "namespace that enforces privileged, away from applications.",
    "hostPorts": "Remove hostPort; expose the port through a Service.",
    "hostProbesAndHostLifecycle": "Remove the host from probes and lifecycle handlers so the "
    "kubelet targets the pod itself.",
    "appArmorProfile": "Use the RuntimeDefault AppArmor profile (and remove any "
    "container.apparmor.security.beta.kubernetes.io annotation set to unconfined).",
    "seLinuxOptions": "Remove the custom SELinux options; the runtime assigns container_t.",
    "procMount": "Use the default /proc mount.",
    "seccompProfile_baseline": "Use the RuntimeDefault seccomp profile for the pod and remove "
    "Unconfined from its containers.",
    "sysctls": "Keep only the safe sysctls; set node-level ones on the nodes themselves.",
    "restrictedVolumes": "Replace these volumes with a PersistentVolumeClaim (through a CSI "
    "driver or a StorageClass) or an allowed volume type.",
    "allowPrivilegeEscalation": "Set allowPrivilegeEscalation: false on every container.",
    "runAsNonRoot": "Set runAsNonRoot: true; if the image's user is root, also set a "
    "non-zero runAsUser the image's files allow.",
    "runAsUser": "Remove runAsUser: 0 (or set a non-zero user the image's files allow) and set "
    "runAsNonRoot: true.",
    "seccompProfile_restricted": "Set seccompProfile type RuntimeDefault for the pod.",
    "capabilities_restricted": "Drop ALL capabilities; add back NET_BIND_SERVICE only if the "
    "process binds a port below 1024.",
}

CHECK = Check(
    name="pod-security",
    description="Pod Security Standards level of every workload, field by field",
    rules=(*RULES.values(), NAMESPACE_RULE),
    run=run,
)
