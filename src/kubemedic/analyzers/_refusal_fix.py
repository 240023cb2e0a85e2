"""The change that answers a well-known image's start-up refusal, as commands for the workload.

``_image_rules`` says what a refusal means and, in one sentence, what fixes it; here that
sentence becomes commands with this pod's names: the password variable set from a Secret,
``PGDATA`` moved into a subdirectory of the volume, a ``subPath`` for MySQL's data directory,
the kernel setting Elasticsearch checks. What only the application's owner can decide (a
password, a JDBC URL) stays a ``<placeholder>`` in an otherwise complete command.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable

from kubemedic.analyzers._build import Fix
from kubemedic.analyzers._crash import mount_of
from kubemedic.analyzers._crash_case import CrashCase
from kubemedic.analyzers._image_rules import Refusal
from kubemedic.analyzers._template_patch import recreate_step, template_patch
from kubemedic.models.severity import RiskTier

SYSCTL_IMAGE = "busybox:1.36"
_ENV_KINDS = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "CronJob"})
"""Workloads whose pod template ``kubectl set env`` changes in place."""


def refusal_fix(case: CrashCase, refusal: Refusal, generic: Fix | None) -> Fix:
    """The refusal's own fix; the generic advice for its kind when the refusal has no
    commands of its own (an unresolvable upstream still gets its Service checked)."""
    line = case.crash.signature.line if case.crash.signature else ""
    subject = refusal.subject_of(line)
    own, risk = _COMMANDS.get(refusal.id, _no_commands)(case, subject)
    generic = None if own else generic  # the refusal's own commands say it better
    steps = generic.steps if generic else ()
    if not own and not (generic and generic.commands):
        recreate = recreate_step(case.workload, pod=case.pod)
        steps += (recreate,) if recreate else ()
    commands = tuple(dict.fromkeys(own + (generic.commands if generic else ())))
    return Fix(refusal.said(refusal.fix, line), steps + _fill_in(commands), commands, risk)


_PLACEHOLDERS = {
    "<value>": "the value to set (a password you choose: it is kept only in the Secret)",
    "<postgresql|mysql>": "postgresql or mysql, the database's kind",
    "<host>": "the database's Service (kubectl get services lists them)",
    "<port>": "the port that Service serves the database on",
    "<database>": "the name of the database",
}
"""What only the application's owner knows, and what to put in its place."""


def _fill_in(commands: tuple[str, ...]) -> tuple[str, ...]:
    """The step that says what goes in place of each placeholder the commands leave."""
    left = [name for name in _PLACEHOLDERS if any(name in c for c in commands)]
    if not left:
        return ()
    said = "; ".join(f"in place of {name} put {_PLACEHOLDERS[name]}" for name in left)
    return (f"{said[0].upper()}{said[1:]}.",)


Commands = tuple[tuple[str, ...], RiskTier]


def _no_commands(case: CrashCase, subject: str) -> Commands:
    return (), RiskTier.LOW


def _secret_env(case: CrashCase, variable: str) -> Commands:
    """A Secret holding ``variable`` and the workload reading it from there."""
    if case.workload.kind not in _ENV_KINDS:
        return (), RiskTier.LOW
    secret = f"{case.workload.name}-{variable.lower().replace('_', '-')}"
    ref, ns = case.workload.kubectl_ref, case.pod.namespace
    return (
        f"kubectl create secret generic {secret} -n {ns} --from-literal={variable}=<value>",
        f"kubectl set env {ref} -c {case.spec.name} --from=secret/{secret} --keys={variable}",
    ), RiskTier.LOW


def _password(case: CrashCase, subject: str) -> Commands:
    variable = subject
    if variable.startswith("MYSQL_") and "mariadb" in case.spec.image:
        variable = variable.replace("MYSQL_", "MARIADB_", 1)
    return _secret_env(case, variable)


def _env_value(variable: str, value: str) -> Callable[[CrashCase, str], Commands]:
    def commands(case: CrashCase, subject: str) -> Commands:
        if case.workload.kind not in _ENV_KINDS:
            return (), RiskTier.LOW
        setting = shlex.quote(f"{variable}={value.replace('{subject}', subject)}")
        services = (f"kubectl get services -n {case.pod.namespace}",) if "<" in value else ()
        return (
            *services,
            f"kubectl set env {case.workload.kubectl_ref} -c {case.spec.name} {setting}",
        ), RiskTier.LOW

    return commands


def _mysql_sub_path(case: CrashCase, subject: str) -> Commands:
    mount = mount_of(case.spec, subject or "/var/lib/mysql")
    if mount is None:
        return (), RiskTier.LOW
    fixed = {**mount, "subPath": "mysql"}
    return case.patch({"volumeMounts": [fixed]}), RiskTier.MEDIUM


def _max_map_count(case: CrashCase, subject: str) -> Commands:
    init = {
        "name": "sysctl-max-map-count",
        "image": SYSCTL_IMAGE,
        "command": ["sysctl", "-w", "vm.max_map_count=262144"],
        "securityContext": {"privileged": True, "runAsUser": 0},
    }
    patch = template_patch(case.workload, {"initContainers": [init]})
    return ((patch,) if patch else ()), RiskTier.MEDIUM


def _mounted_config(case: CrashCase, subject: str) -> Commands:
    """The ConfigMap mounted where the rejected configuration file lies, to read and edit."""
    path = subject.rsplit(":", 1)[0] if subject.startswith("/") else ""
    mount = mount_of(case.spec, path) if path else None
    if mount is None:
        return (), RiskTier.LOW
    volume = next((v for v in case.pod.volumes if v.get("name") == mount.get("name")), {})
    config = volume.get("configMap")
    name = config.get("name") if isinstance(config, dict) else None
    if not name:
        return (), RiskTier.LOW
    return (f"kubectl get configmap {name} -n {case.pod.namespace} -o yaml",), RiskTier.LOW


_COMMANDS: dict[str, Callable[[CrashCase, str], Commands]] = {
    "postgres.no-password": _password,
    "mysql.no-password": _password,
    "bitnami.empty-password": _password,
    "postgres.data-dir-not-empty": _env_value("PGDATA", "{subject}/pgdata"),
    "spring.datasource-url": _env_value(
        "SPRING_DATASOURCE_URL", "jdbc:<postgresql|mysql>://<host>:<port>/<database>"
    ),
    "mysql.data-dir-not-empty": _mysql_sub_path,
    "mysql.data-dir-unusable": _mysql_sub_path,
    "elasticsearch.max-map-count": _max_map_count,
    "nginx.bad-config": _mounted_config,
    "postgres.bad-config": _mounted_config,
}
