"""Pod Security Standards, evaluated field by field as pod-security-admission does.

Each control is the PSA check of the same id (``policy/check_*.go`` in
kubernetes/pod-security-admission), at the newest version: the sysctls allowed through v1.37,
``container_engine_t`` for SELinux (v1.31), host fields in probes and lifecycle handlers (v1.34),
``hostUsers: false`` relaxing procMount/runAsNonRoot/runAsUser, and Windows pods exempt from the
restricted privilege-escalation, seccomp and capabilities controls. A violation names the exact
field of the workload (``spec.template.spec.containers[app].securityContext.privileged``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from kubemedic.checks._templates import Container, Template
from kubemedic.models.security import PodSecurityLevel, Violation

BASELINE = PodSecurityLevel.BASELINE
RESTRICTED = PodSecurityLevel.RESTRICTED

DEFAULT_CAPABILITIES = frozenset(
    {
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    }
)
SAFE_SYSCTLS = frozenset(
    {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
        "net.ipv4.tcp_rmem",
        "net.ipv4.tcp_wmem",
        "net.ipv4.tcp_slow_start_after_idle",
        "net.ipv4.tcp_notsent_lowat",
    }
)
SELINUX_TYPES = frozenset(
    {"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}
)
RESTRICTED_VOLUMES = frozenset(
    {
        "configMap",
        "downwardAPI",
        "emptyDir",
        "projected",
        "secret",
        "csi",
        "persistentVolumeClaim",
        "ephemeral",
        "image",
    }
)
APPARMOR_ANNOTATION = "container.apparmor.security.beta.kubernetes.io/"
_PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
_HANDLERS = ("httpGet", "tcpSocket")
_UNSET = "unset"

Control = Callable[[Template], Iterator[Violation]]


def _text(value: object) -> str:
    if value is None:
        return _UNSET
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    return str(value)


def _map(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def pod_context(template: Template) -> Mapping[str, Any]:
    return _map(template.spec.get("securityContext"))


def _windows(template: Template) -> bool:
    return _map(template.spec.get("os")).get("name") == "windows"


def _user_namespaced(template: Template) -> bool:
    return template.spec.get("hostUsers") is False


def _violation(
    control: str, level: PodSecurityLevel, field: str, value: object, allowed: str
) -> Violation:
    return Violation(control, level, field, _text(value), allowed)


# -- baseline ------------------------------------------------------------------------------


def windows_host_process(template: Template) -> Iterator[Violation]:
    allowed = "false or unset"
    pod = _map(pod_context(template).get("windowsOptions")).get("hostProcess")
    if pod is True:
        field = template.field("securityContext", "windowsOptions", "hostProcess")
        yield _violation("windowsHostProcess", BASELINE, field, pod, allowed)
    for c in template.containers:
        value = _map(c.security_context.get("windowsOptions")).get("hostProcess")
        if value is True:
            field = f"{c.path}.securityContext.windowsOptions.hostProcess"
            yield _violation("windowsHostProcess", BASELINE, field, value, allowed)


def host_namespaces(template: Template) -> Iterator[Violation]:
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if template.spec.get(key) is True:
            yield _violation(
                "hostNamespaces", BASELINE, template.field(key), True, "false or unset"
            )


def privileged(template: Template) -> Iterator[Violation]:
    for c in template.containers:
        if c.security_context.get("privileged") is True:
            field = f"{c.path}.securityContext.privileged"
            yield _violation("privileged", BASELINE, field, True, "false or unset")


def added_capabilities(c: Container) -> list[str]:
    add = _map(c.security_context.get("capabilities")).get("add")
    return [str(a) for a in add] if isinstance(add, list) else []


def capabilities_baseline(template: Template) -> Iterator[Violation]:
    for c in template.containers:
        extra = [cap for cap in added_capabilities(c) if cap not in DEFAULT_CAPABILITIES]
        if extra:
            field = f"{c.path}.securityContext.capabilities.add"
            allowed = "only the default set (" + ", ".join(sorted(DEFAULT_CAPABILITIES)) + ")"
            yield _violation("capabilities_baseline", BASELINE, field, extra, allowed)


def host_path_volumes(template: Template) -> Iterator[Violation]:
    for volume in _volumes(template):
        if "hostPath" in volume:
            path = _map(volume.get("hostPath")).get("path")
            field = template.field(f"volumes[{volume.get('name')}]", "hostPath")
            yield _violation("hostPathVolumes", BASELINE, field, path, "no hostPath volume")


def host_ports(template: Template) -> Iterator[Violation]:
    for c in template.containers:
        for port in c.spec.ports:
            host = port.get("hostPort")
            if isinstance(host, int) and host != 0:
                field = f"{c.path}.ports[{port.get('containerPort')}].hostPort"
                yield _violation("hostPorts", BASELINE, field, host, "0 or unset")


def host_probes_and_lifecycle(template: Template) -> Iterator[Violation]:
    for c in template.containers:
        handlers = [(probe, _map(c.spec.raw.get(probe))) for probe in _PROBES]
        lifecycle = _map(c.spec.raw.get("lifecycle"))
        handlers += [(f"lifecycle.{hook}", _map(lifecycle.get(hook))) for hook in lifecycle]
        for where, handler in handlers:
            for kind in _HANDLERS:
                host = _map(handler.get(kind)).get("host")
                if isinstance(host, str) and host:
                    field = f"{c.path}.{where}.{kind}.host"
                    yield _violation(
                        "hostProbesAndHostLifecycle", BASELINE, field, host, '"" or unset'
                    )


def app_armor(template: Template) -> Iterator[Violation]:
    allowed = "RuntimeDefault, Localhost or unset"
    for key, annotation in template.annotations.items():
        if str(key).startswith(APPARMOR_ANNOTATION):
            text = str(annotation)
            if text not in ("", "runtime/default") and not text.startswith("localhost/"):
                field = f"{template.annotations_path}[{key}]"
                yield _violation(
                    "appArmorProfile", BASELINE, field, text, "runtime/default, localhost/*"
                )
    pod = _map(pod_context(template).get("appArmorProfile")).get("type")
    if pod == "Unconfined":
        field = template.field("securityContext", "appArmorProfile", "type")
        yield _violation("appArmorProfile", BASELINE, field, pod, allowed)
    for c in template.containers:
        value = _map(c.security_context.get("appArmorProfile")).get("type")
        if value == "Unconfined":
            field = f"{c.path}.securityContext.appArmorProfile.type"
            yield _violation("appArmorProfile", BASELINE, field, value, allowed)


def se_linux(template: Template) -> Iterator[Violation]:
    places = [(template.field("securityContext"), pod_context(template))]
    places += [(f"{c.path}.securityContext", c.security_context) for c in template.containers]
    for path, context in places:
        options = _map(context.get("seLinuxOptions"))
        kind = options.get("type")
        if isinstance(kind, str) and kind not in SELINUX_TYPES:
            allowed = "container_t, container_init_t, container_kvm_t, container_engine_t or unset"
            yield _violation(
                "seLinuxOptions", BASELINE, f"{path}.seLinuxOptions.type", kind, allowed
            )
        for key in ("user", "role"):
            value = options.get(key)
            if isinstance(value, str) and value:
                field = f"{path}.seLinuxOptions.{key}"
                yield _violation("seLinuxOptions", BASELINE, field, value, '"" or unset')


def _proc_mounts(template: Template, control: str, level: PodSecurityLevel) -> Iterator[Violation]:
    for c in template.containers:
        value = c.security_context.get("procMount")
        if value not in (None, "Default"):
            field = f"{c.path}.securityContext.procMount"
            yield _violation(control, level, field, value, "Default or unset")


def proc_mount(template: Template) -> Iterator[Violation]:
    if not _user_namespaced(template):
        yield from _proc_mounts(template, "procMount", BASELINE)


def _seccomp_types(template: Template) -> Iterator[tuple[str, object]]:
    yield (
        template.field("securityContext", "seccompProfile", "type"),
        _map(pod_context(template).get("seccompProfile")).get("type"),
    )
    for c in template.containers:
        value = _map(c.security_context.get("seccompProfile")).get("type")
        yield f"{c.path}.securityContext.seccompProfile.type", value


def seccomp_baseline(template: Template) -> Iterator[Violation]:
    for field, value in _seccomp_types(template):
        if value == "Unconfined":
            allowed = "RuntimeDefault, Localhost or unset"
            yield _violation("seccompProfile_baseline", BASELINE, field, value, allowed)


def sysctls(template: Template) -> Iterator[Violation]:
    entries = pod_context(template).get("sysctls")
    for entry in entries if isinstance(entries, list) else ():
        name = _map(entry).get("name")
        if name not in SAFE_SYSCTLS:
            field = template.field("securityContext", f"sysctls[{name}]")
            yield _violation("sysctls", BASELINE, field, name, "the safe set only")


# -- restricted ----------------------------------------------------------------------------


def _volumes(template: Template) -> list[Mapping[str, Any]]:
    volumes = template.spec.get("volumes")
    return [_map(v) for v in volumes] if isinstance(volumes, list) else []


def restricted_volumes(template: Template) -> Iterator[Violation]:
    for volume in _volumes(template):
        sources = [key for key in volume if key != "name" and key not in RESTRICTED_VOLUMES]
        for source in sources:
            field = template.field(f"volumes[{volume.get('name')}]", source)
            allowed = ", ".join(sorted(RESTRICTED_VOLUMES))
            yield _violation("restrictedVolumes", RESTRICTED, field, source, allowed)


def allow_privilege_escalation(template: Template) -> Iterator[Violation]:
    if _windows(template):
        return
    for c in template.containers:
        value = c.security_context.get("allowPrivilegeEscalation")
        if value is not False:
            field = f"{c.path}.securityContext.allowPrivilegeEscalation"
            yield _violation("allowPrivilegeEscalation", RESTRICTED, field, value, "false")


def run_as_non_root(template: Template) -> Iterator[Violation]:
    if _user_namespaced(template):
        return
    pod = pod_context(template).get("runAsNonRoot")
    if pod is False:
        field = template.field("securityContext", "runAsNonRoot")
        yield _violation("runAsNonRoot", RESTRICTED, field, pod, "true")
    for c in template.containers:
        value = c.security_context.get("runAsNonRoot")
        if value is False or (value is None and pod is not True):
            field = f"{c.path}.securityContext.runAsNonRoot"
            yield _violation("runAsNonRoot", RESTRICTED, field, value, "true, here or for the pod")


def run_as_user(template: Template) -> Iterator[Violation]:
    if _user_namespaced(template):
        return
    places = [(template.field("securityContext"), pod_context(template))]
    places += [(f"{c.path}.securityContext", c.security_context) for c in template.containers]
    for path, context in places:
        if context.get("runAsUser") == 0:
            yield _violation("runAsUser", RESTRICTED, f"{path}.runAsUser", 0, "non-zero or unset")


def seccomp_restricted(template: Template) -> Iterator[Violation]:
    if _windows(template):
        return
    allowed = "RuntimeDefault or Localhost"
    types = list(_seccomp_types(template))
    pod_field, pod = types[0]
    pod_ok = pod in ("RuntimeDefault", "Localhost")
    if pod is not None and not pod_ok:
        yield _violation("seccompProfile_restricted", RESTRICTED, pod_field, pod, allowed)
    for field, value in types[1:]:
        if (value is None and not pod_ok) or (
            value is not None and value not in ("RuntimeDefault", "Localhost")
        ):
            why = allowed + (", here or for the pod" if value is None else "")
            yield _violation("seccompProfile_restricted", RESTRICTED, field, value, why)


def capabilities_restricted(template: Template) -> Iterator[Violation]:
    if _windows(template):
        return
    for c in template.containers:
        capabilities = _map(c.security_context.get("capabilities"))
        drop = capabilities.get("drop")
        dropped = [str(d) for d in drop] if isinstance(drop, list) else []
        if "ALL" not in dropped:
            field = f"{c.path}.securityContext.capabilities.drop"
            yield _violation(
                "capabilities_restricted", RESTRICTED, field, drop, "a list including ALL"
            )
        extra = [cap for cap in added_capabilities(c) if cap != "NET_BIND_SERVICE"]
        if extra:
            field = f"{c.path}.securityContext.capabilities.add"
            yield _violation(
                "capabilities_restricted", RESTRICTED, field, extra, "NET_BIND_SERVICE only"
            )


def proc_mount_restricted(template: Template) -> Iterator[Violation]:
    if _user_namespaced(template):  # baseline lets these through; restricted does not
        yield from _proc_mounts(template, "procMount", RESTRICTED)


CONTROLS: Mapping[str, Control] = {
    "windowsHostProcess": windows_host_process,
    "hostNamespaces": host_namespaces,
    "privileged": privileged,
    "capabilities_baseline": capabilities_baseline,
    "hostPathVolumes": host_path_volumes,
    "hostPorts": host_ports,
    "hostProbesAndHostLifecycle": host_probes_and_lifecycle,
    "appArmorProfile": app_armor,
    "seLinuxOptions": se_linux,
    "procMount": proc_mount,
    "seccompProfile_baseline": seccomp_baseline,
    "sysctls": sysctls,
    "restrictedVolumes": restricted_volumes,
    "allowPrivilegeEscalation": allow_privilege_escalation,
    "runAsNonRoot": run_as_non_root,
    "runAsUser": run_as_user,
    "seccompProfile_restricted": seccomp_restricted,
    "capabilities_restricted": capabilities_restricted,
    "procMount_restricted": proc_mount_restricted,
}
"""Every PSA control by id, baseline ones first."""


def violations(template: Template) -> tuple[Violation, ...]:
    return tuple(v for control in CONTROLS.values() for v in control(template))


def level_of(found: tuple[Violation, ...]) -> PodSecurityLevel:
    """The highest level with no violation among ``found``."""
    if any(v.level is BASELINE for v in found):
        return PodSecurityLevel.PRIVILEGED
    return BASELINE if found else RESTRICTED
