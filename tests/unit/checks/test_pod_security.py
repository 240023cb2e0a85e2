"""Pod Security Standards: each workload's level, and each violation naming its field."""

from __future__ import annotations

from typing import Any

from kubemedic.checks import pod_security
from kubemedic.checks.pod_security import postures
from kubemedic.models.findings import ObjectRef
from kubemedic.models.security import PodSecurityLevel, WorkloadPosture

from .builders import MANIFESTS, RESTRICTED, container, deployment, ids, obj, view

HARDENED = {
    "securityContext": {
        "runAsNonRoot": True,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
}
HARDENED_CONTAINER = {
    "securityContext": {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"], "add": ["NET_BIND_SERVICE"]},
    }
}


def _posture(*objects: dict[str, Any]) -> WorkloadPosture:
    [posture] = postures(view(*objects))
    return posture


def test_a_privileged_container_is_below_baseline_and_named_by_its_field() -> None:
    web = deployment("web", containers=[container(securityContext={"privileged": True})])
    posture = _posture(web)
    assert posture.level is PodSecurityLevel.PRIVILEGED
    privileged = [v for v in posture.violations if v.control == "privileged"]
    assert [(v.field, v.value) for v in privileged] == [
        ("spec.template.spec.containers[app].securityContext.privileged", "true")
    ]
    [finding] = [
        f for f in pod_security.run(view(web), MANIFESTS) if f.id == "KM-SEC-PSS-PRIVILEGED"
    ]
    assert finding.object == ObjectRef("Deployment", "web", "shop")
    assert finding.severity.value == "critical"
    assert '"privileged":false' in finding.fix.commands[0]
    assert finding.fix.commands[0].startswith("kubectl patch deployment/web -n shop")
    assert any(str(r) == "CIS 5.2.2" for r in finding.rule.references)


def test_a_hardened_template_meets_restricted_and_yields_nothing_even_at_restricted() -> None:
    web = deployment("web", containers=[container(**HARDENED_CONTAINER)], **HARDENED)
    assert _posture(web).level is PodSecurityLevel.RESTRICTED
    assert list(pod_security.run(view(web), RESTRICTED)) == []


def test_a_plain_template_is_baseline_and_restricted_findings_come_only_when_asked() -> None:
    web = deployment("web")
    posture = _posture(web)
    assert posture.level is PodSecurityLevel.BASELINE
    assert {v.control for v in posture.violations} == {
        "allowPrivilegeEscalation",
        "runAsNonRoot",
        "seccompProfile_restricted",
        "capabilities_restricted",
    }
    assert list(pod_security.run(view(web), MANIFESTS)) == []
    assert ids(pod_security.run(view(web), RESTRICTED)) == [
        "KM-SEC-PSS-CAPABILITIES-DROP",
        "KM-SEC-PSS-PRIVILEGE-ESCALATION",
        "KM-SEC-PSS-RUN-AS-NON-ROOT",
        "KM-SEC-PSS-SECCOMP",
    ]


def test_host_namespaces_host_path_ports_and_capabilities_each_name_their_field() -> None:
    agent = obj(
        "DaemonSet",
        "agent",
        "monitoring",
        "apps/v1",
        spec={
            "selector": {"matchLabels": {"app": "agent"}},
            "template": {
                "metadata": {"labels": {"app": "agent"}},
                "spec": {
                    "hostNetwork": True,
                    "hostPID": True,
                    "volumes": [{"name": "root", "hostPath": {"path": "/"}}],
                    "containers": [
                        container(
                            "agent",
                            ports=[{"containerPort": 9100, "hostPort": 9100}],
                            securityContext={"capabilities": {"add": ["SYS_TIME", "CHOWN"]}},
                        )
                    ],
                },
            },
        },
    )
    fields = {v.field: v.value for v in _posture(agent).violations if v.level.value == "baseline"}
    assert fields == {
        "spec.template.spec.hostNetwork": "true",
        "spec.template.spec.hostPID": "true",
        "spec.template.spec.volumes[root].hostPath": "/",
        "spec.template.spec.containers[agent].ports[9100].hostPort": "9100",
        "spec.template.spec.containers[agent].securityContext.capabilities.add": "[SYS_TIME]",
    }


def test_apparmor_seccomp_selinux_sysctls_and_proc_mount_follow_the_psa_allowed_values() -> None:
    web = deployment(
        "web",
        containers=[
            container(
                securityContext={
                    "seccompProfile": {"type": "Unconfined"},
                    "seLinuxOptions": {"type": "spc_t"},
                    "procMount": "Unmasked",
                }
            )
        ],
        securityContext={
            "sysctls": [
                {"name": "net.ipv4.tcp_keepalive_time", "value": "60"},
                {"name": "kernel.msgmax", "value": "65536"},
            ]
        },
    )
    web["spec"]["template"]["metadata"]["annotations"] = {
        "container.apparmor.security.beta.kubernetes.io/app": "unconfined"
    }
    controls = {v.control: v.field for v in _posture(web).violations if v.level.value == "baseline"}
    assert controls == {
        "appArmorProfile": "spec.template.metadata.annotations"
        "[container.apparmor.security.beta.kubernetes.io/app]",
        "seLinuxOptions": "spec.template.spec.containers[app].securityContext.seLinuxOptions.type",
        "procMount": "spec.template.spec.containers[app].securityContext.procMount",
        "seccompProfile_baseline": (
            "spec.template.spec.containers[app].securityContext.seccompProfile.type"
        ),
        "sysctls": "spec.template.spec.securityContext.sysctls[kernel.msgmax]",
    }


def test_user_namespaces_relax_run_as_non_root_and_windows_pods_skip_linux_controls() -> None:
    userns = deployment("userns", hostUsers=False, containers=[container(**HARDENED_CONTAINER)])
    userns["spec"]["template"]["spec"]["securityContext"] = {
        "seccompProfile": {"type": "RuntimeDefault"}
    }
    assert _posture(userns).level is PodSecurityLevel.RESTRICTED
    windows = deployment("win", os={"name": "windows"}, securityContext={"runAsNonRoot": True})
    assert _posture(windows).level is PodSecurityLevel.RESTRICTED


def test_run_as_user_zero_and_restricted_volume_types_break_restricted() -> None:
    web = deployment(
        "web",
        containers=[container(**HARDENED_CONTAINER)],
        securityContext={**HARDENED["securityContext"], "runAsUser": 0},
        volumes=[{"name": "share", "nfs": {"server": "nas", "path": "/x"}}],
    )
    violations = {(v.control, v.field) for v in _posture(web).violations}
    assert violations == {
        ("runAsUser", "spec.template.spec.securityContext.runAsUser"),
        ("restrictedVolumes", "spec.template.spec.volumes[share].nfs"),
    }


def test_replicas_of_a_deployment_are_judged_once_through_its_template() -> None:
    web = deployment("web", containers=[container(securityContext={"privileged": True})])
    owner = {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "uid-shop-web"}
    replica_set = obj(
        "ReplicaSet",
        "web-5d9c7",
        api="apps/v1",
        metadata={"uid": "rs-uid", "ownerReferences": [{**owner, "controller": True}]},
        spec={"template": web["spec"]["template"]},
    )
    pods = [
        obj(
            "Pod",
            f"web-5d9c7-{suffix}",
            metadata={
                "ownerReferences": [
                    {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-5d9c7",
                     "uid": "rs-uid", "controller": True}
                ]
            },
            spec=web["spec"]["template"]["spec"],
        )
        for suffix in ("a1", "b2")
    ]  # fmt: skip
    findings = list(pod_security.run(view(web, replica_set, *pods), MANIFESTS))
    assert [(f.id, f.object.kind) for f in findings] == [("KM-SEC-PSS-PRIVILEGED", "Deployment")]


def test_a_namespace_without_an_enforce_label_is_reported_and_one_with_it_is_not() -> None:
    open_ns = obj("Namespace", "shop", "")
    enforced = obj(
        "Namespace",
        "billing",
        "",
        metadata={"labels": {"pod-security.kubernetes.io/enforce": "restricted"}},
    )
    findings = list(
        pod_security.run(
            view(open_ns, enforced, deployment("web"), deployment("api", "billing")), MANIFESTS
        )
    )
    assert [(f.id, f.object) for f in findings] == [
        ("KM-SEC-PSS-NOT-ENFORCED", ObjectRef("Namespace", "shop"))
    ]
    assert "kubectl label --dry-run=server namespace shop" in findings[0].fix.commands[0]
