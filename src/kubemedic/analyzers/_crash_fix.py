"""What to do about a crash, written for the workload and the cause that was found.

A generic "check the logs" is what users already know. These fixes start from the classified
crash: correct a misspelt command with a patch, make a script executable, publish an image for
the node's architecture, run a daemonising server in the foreground — and, for applications
that exit on an error, what ``_app_fix`` derives from the log line. Always against the owning
workload, never against a pod its controller would replace.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from collections.abc import Callable
from dataclasses import replace

from kubemedic.analyzers._app_fix import app_fix
from kubemedic.analyzers._build import Fix
from kubemedic.analyzers._crash import foreground_hint, mount_of
from kubemedic.analyzers._crash_case import ROLLOUT_KINDS, CrashCase
from kubemedic.analyzers._intended_command import finding_command, intended_command
from kubemedic.analyzers._log_rules import LogKind
from kubemedic.analyzers._template_patch import template_patch
from kubemedic.analyzers._volume_fix import volume_permission_fix
from kubemedic.models.categories import Category
from kubemedic.models.findings import Remediation
from kubemedic.models.k8s import ContainerSpec, dig
from kubemedic.models.severity import RiskTier


def crash_remediation(case: CrashCase) -> Remediation:
    """The remediation for a classified crash, with the commands to apply and follow it."""
    fix = _FIXES[case.crash.category](case)
    pod, name, workload = case.pod, case.spec.name, case.workload
    status = pod.container_status(name)
    restarted = status is not None and status.restart_count > 0
    previous = " --previous" if restarted and not case.crash.runtime_message else ""
    logs = f"kubectl logs {pod.name} -n {pod.namespace} -c {name}{previous} --tail=50"
    watch = (f"kubectl rollout status {workload.kubectl_ref}",)
    follow_up = (logs, *(watch if workload.kind in ROLLOUT_KINDS else ()))
    return replace(fix, commands=fix.commands + follow_up).remediation(
        f"Container {name} keeps running: no new restarts, the pod turns Ready and "
        "restartCount stops growing."
    )


def _command_fix(case: CrashCase) -> Fix:
    spec = case.spec
    missing = case.crash.subject or (spec.command[0] if spec.command else "the command")
    mount = mount_of(spec, missing)
    if mount is not None:
        return Fix(
            f"Provide {missing} through volume {mount.get('name')} (mounted at "
            f"{mount.get('mountPath')}): add the missing key to its ConfigMap or Secret, or "
            "correct the path in `command`.",
            (
                "List the keys the volume's source holds and compare them with the file name "
                "(keys become file names; `items` can rename or filter them).",
            ),
        )
    meant = intended_command(case.view, case.pod, spec, missing) if case.crash.subject else None
    guess, why = meant if meant else ("", "")
    fields = _retyped(spec, missing, guess) if guess else {}
    steps = [
        "Fix `command`/`args` on the workload: `command` replaces the image ENTRYPOINT, "
        "`args` its CMD; prefer overriding only `args`.",
        "If the image is slim or distroless, add the tool to the image or call the binary by "
        "its absolute path without `sh -c`.",
    ]
    find = finding_command(spec, case.pod.namespace)
    if guess:
        steps.insert(0, f"If {guess} is not what was meant, list what the image has: {find}")
    summary = f"Correct the command of {spec.name}: {missing!r} is not in image {spec.image}"
    return Fix(
        summary + (f"; it most likely means {guess!r} ({why})." if guess else "."),
        (*steps, *case.recreate(fields)) if fields else tuple(steps),
        case.patch(fields) if fields else (find,),
    )


def _retyped(spec: ContainerSpec, missing: str, guess: str) -> dict[str, list[str]]:
    """``command`` or ``args`` with the mistyped program replaced wherever it is run, also
    inside a shell script (``sh -c "pyhton app.py"``)."""
    word = re.compile(rf"(?<![\w./-]){re.escape(missing)}(?![\w./-])")
    for field, words in (("command", spec.command), ("args", spec.args)):
        fixed = [word.sub(guess, w) for w in words]
        if fixed != list(words):
            return {field: fixed}
    return {}


def _permission_fix(case: CrashCase) -> Fix:
    crash, spec = case.crash, case.spec
    kind = crash.signature.kind if crash.signature and not crash.runtime_message else None
    subject = crash.subject or "the entrypoint"
    if kind is LogKind.PORT_PERMISSION:
        return Fix(
            f"Make {spec.name} listen on a port of 1024 or above (and point the Service's "
            f"targetPort at it), or grant it NET_BIND_SERVICE to keep {subject}.",
            (
                "Preferred: change the listen port in the app configuration (e.g. 8080), then "
                "the containerPort, probes and Service targetPort.",
                "Alternative (needs a security review): add the NET_BIND_SERVICE capability.",
            ),
            case.patch({"securityContext": {"capabilities": {"add": ["NET_BIND_SERVICE"]}}}),
            RiskTier.MEDIUM,
        )
    if kind in (LogKind.FILE_PERMISSION, LogKind.READ_ONLY_FS):
        return _file_permission_fix(case, subject)
    runs_script = spec.command[:1] == (subject,) and subject.endswith(".sh")
    return Fix(
        f"Make {subject} executable in the image (RUN chmod +x {subject}, or COPY --chmod=755) "
        "and rebuild; or start it through its interpreter.",
        (
            "Check the file's mode and first line in the image (ls -l; head -1): a CRLF line "
            "ending after #! fails too.",
            "Scripts mounted from a ConfigMap need defaultMode: 0755; other volumes must not be "
            "mounted noexec.",
        ),
        case.patch({"command": ["/bin/sh", *spec.command]}) if runs_script else (),
    )


def _file_permission_fix(case: CrashCase, subject: str) -> Fix:
    spec = case.spec
    mounted = mount_of(spec, subject)
    if mounted is not None:
        user = dig(case.pod.spec, "securityContext", "runAsUser")
        group = user if isinstance(user, int) else 1000
        patch = template_patch(case.workload, {"securityContext": {"fsGroup": group}})
        return Fix(
            f"Make volume {mounted.get('name')} (mounted at {mounted.get('mountPath')}) writable "
            f"for the container's user: set the pod's securityContext.fsGroup to {group}.",
            ("fsGroup makes the kubelet give supported volumes to that group on mount.",),
            (patch,) if patch else (),
        )
    directory = posixpath.dirname(subject.rstrip("/")) or subject
    volume = "writable-" + (posixpath.basename(directory) or "dir")
    containers = "initContainers" if spec.is_init else "containers"
    patch = template_patch(
        case.workload,
        {
            "volumes": [{"name": volume, "emptyDir": {}}],
            containers: [
                {"name": spec.name, "volumeMounts": [{"name": volume, "mountPath": directory}]}
            ],
        },
    )
    return Fix(
        f"Give {spec.name} a writable {directory}: mount an emptyDir there (a non-root user "
        "cannot write into directories the image gives to root), or use a non-root image variant.",
        (
            "Check which user the container runs as (securityContext.runAsUser or the image "
            "USER) and who owns the path in the image.",
        ),
        (patch,) if patch else (),
    )


def _exec_format_fix(case: CrashCase) -> Fix:
    image = case.spec.image
    return Fix(
        f"Publish {image} for the node's CPU architecture (a multi-arch image), or run the pod "
        "only on nodes of the architecture the image was built for.",
        (
            "Rebuild for every node architecture: docker buildx build --platform "
            "linux/amd64,linux/arm64 --push ...",
            f"See which platforms the image has where you build it: docker buildx imagetools "
            f"inspect {image}",
            "Or pin the workload with nodeSelector kubernetes.io/arch=<the image's arch>.",
        ),
        (
            f"kubectl get node {case.pod.node_name} -o jsonpath='{{.status.nodeInfo.architecture}}'"
            if case.pod.node_name
            else "kubectl get nodes -L kubernetes.io/arch",
        ),
        RiskTier.MEDIUM,
    )


def _exit_zero_fix(case: CrashCase) -> Fix:
    spec = case.spec
    line = " ".join(spec.command + spec.args)
    hint = foreground_hint(line) if line else None
    job = f"kubectl create job {spec.name}-once --image={spec.image}" + (
        f" -- {line}" if line else ""
    )
    steps = (
        "A server must stay in the foreground as the container's main process: the container "
        "lives exactly as long as that process.",
        f"A one-shot task belongs in a Job, not a {case.workload.kind}: {job}",
    )
    if hint is None:
        return Fix(
            f"Keep {spec.name}'s main process in the foreground, or run a one-shot task as a Job.",
            steps,
        )
    advice, foreground = hint
    commands = case.patch({"command": shlex.split(foreground)}) if foreground else ()
    return Fix(
        f"Run {spec.name}'s server in the foreground: `{line}` daemonises, {advice}.",
        steps,
        commands,
    )


_FIXES: dict[Category, Callable[[CrashCase], Fix]] = {
    Category.CRASHLOOP_COMMAND_NOT_FOUND: _command_fix,
    Category.CRASHLOOP_PERMISSION_DENIED: _permission_fix,
    Category.VOLUME_PERMISSION_DENIED: volume_permission_fix,
    Category.CRASHLOOP_EXEC_FORMAT: _exec_format_fix,
    Category.CRASHLOOP_COMPLETED_EXITS_ZERO: _exit_zero_fix,
    Category.CRASHLOOP_APP_ERROR: app_fix,
}
