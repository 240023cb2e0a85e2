"""Why a container died: exit-code and signal semantics, runtime errors, the log's last word.

CrashLoopBackOff only says that a container keeps dying. The reason is spread over the
termination record (exit code, signal, reason, termination message), the container runtime's
error when the process could not even start, and the last lines of the instance that died.
:func:`classify_crash` weighs them in order of strength — runtime message, then exit code, then
log line — names the category and explains it with this cluster's values. Other analyzers (Jobs,
init containers) describe a failed container with :func:`diagnose_container`, which also reads
the cluster around it: the volume a refused write lies on, and the node's architecture when the
container dies at once with nothing decisive in its log.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from kubemedic._internal.timeutils import human_duration
from kubemedic.analyzers._arch import arch_mismatch
from kubemedic.analyzers._build import matching_events
from kubemedic.analyzers._exit_codes import RUNTIME_REASONS, exit_meaning, ran_for
from kubemedic.analyzers._image_rules import known_refusal
from kubemedic.analyzers._log_rules import PHRASES, LogKind, classify_line
from kubemedic.analyzers._logs import LogSignature, brief, find_signature, last_line
from kubemedic.analyzers._volume_access import VolumeAccess, volume_access
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.k8s import ContainerSpec, ContainerStatus, Event, Pod, TerminatedState

STARTUP_SECONDS = 10
"""An instance that ends sooner than this died while starting up."""

_FILE_WORDS = re.compile(r"(?i)\b(?:file|director|open|writ|creat|mkdir|chown|chmod|lock|data)")
"""A refusal that names no path still concerns storage when it says one of these."""
_WRITE_REFUSALS = frozenset({LogKind.FILE_PERMISSION, LogKind.READ_ONLY_FS})
_RUNTIME_DETAIL = re.compile(r"^.*(?:unable to start container process|OCI runtime \w+ failed): ")
_RUNTIME_EVENT = re.compile(
    r"OCI runtime|failed to create (?:containerd )?task|failed to start|exec"
)

_KIND_CATEGORY: dict[LogKind, Category] = {
    LogKind.COMMAND_NOT_FOUND: Category.CRASHLOOP_COMMAND_NOT_FOUND,
    LogKind.EXEC_PERMISSION: Category.CRASHLOOP_PERMISSION_DENIED,
    LogKind.PORT_PERMISSION: Category.CRASHLOOP_PERMISSION_DENIED,
    LogKind.FILE_PERMISSION: Category.CRASHLOOP_PERMISSION_DENIED,
    LogKind.READ_ONLY_FS: Category.CRASHLOOP_PERMISSION_DENIED,
    LogKind.EXEC_FORMAT: Category.CRASHLOOP_EXEC_FORMAT,
}

KNOWN_COMMANDS = (
    "python", "python3", "node", "npm", "npx", "java", "sh", "bash", "gunicorn", "uvicorn",
    "celery", "flask", "nginx", "httpd", "php", "php-fpm", "ruby", "bundle", "rails", "dotnet",
    "perl", "envoy", "redis-server", "postgres", "mysqld", "caddy", "traefik", "supervisord",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Crash:
    """Why one container ended, in the terms a person acts on."""

    category: Category
    container: str
    exit_code: int | None
    reason: str
    meaning: str
    runtime_message: str
    signature: LogSignature | None
    last_line: str
    subject: str
    run_seconds: float | None
    finished_at: datetime | None
    explanation: str
    arch_note: str = ""
    """How the cluster shows the image is built for another CPU, when no log line says so."""
    volume: VolumeAccess | None = None
    """The volume a refused write lies on, and how it is owned."""

    @property
    def headline(self) -> str:
        """``exit 1 — KeyError: 'DATABASE_URL'``: the code and the line that explains it."""
        code = f"exit {self.exit_code}" if self.exit_code is not None else self.reason
        if self.runtime_message:
            quote = brief(_RUNTIME_DETAIL.sub("", self.runtime_message).removesuffix(": unknown"))
        else:
            quote = self.signature.brief if self.signature else ""
        return f"{code} — {quote}" if quote else code


def is_decisive(signature: LogSignature | None) -> bool:
    """Whether a log line names a cause (or raises), rather than merely mentioning an error."""
    return signature is not None and signature.kind is not LogKind.ERROR


def run_phrase(seconds: float | None) -> str:
    """``died 2s after starting (during start-up)`` or ``ran 14m before it ended``."""
    if seconds is None:
        return ""
    if seconds < 1:
        return "died immediately after starting"
    if seconds < STARTUP_SECONDS:
        return f"died {seconds:.0f}s after starting, during start-up"
    return f"ran {human_duration(seconds)} before it ended"


def classify_crash(
    spec: ContainerSpec,
    term: TerminatedState | None,
    *,
    restart_policy: str = "Always",
    log: Sequence[str] = (),
    runtime_message: str = "",
) -> Crash:
    """Name why ``spec``'s container ended, from its termination, runtime error and log tail."""
    reason = term.reason if term else "RunContainerError"
    runtime = runtime_message or (term.message if term and reason in RUNTIME_REASONS else "")
    app_message = term.message if term and reason not in RUNTIME_REASONS else ""
    signature = find_signature(log) or find_signature(app_message.splitlines())
    code = term.exit_code if term else None
    category, subject = _category(spec, code, reason, restart_policy, runtime, signature)
    crash = Crash(
        category=category,
        container=spec.name,
        exit_code=code,
        reason=reason,
        meaning=exit_meaning(code, reason) if code is not None else "",
        runtime_message=runtime.strip(),
        signature=signature,
        last_line=last_line(log or app_message.splitlines()),
        subject=subject,
        run_seconds=ran_for(term),
        finished_at=term.finished_at if term else None,
        explanation="",
    )
    return _explained(crash, spec)


def diagnose_container(view: ClusterView, pod: Pod, status: ContainerStatus) -> Crash | None:
    """Classify the last end of a container of ``pod``, gathering its log and runtime errors."""
    spec = pod.container(status.name)
    term = status.last_termination
    waiting = status.state.waiting_reason
    tail = view.crash_log(pod.namespace, pod.name, status.name)
    if spec is None:
        return None
    # A status pasted or trimmed without its lastState still shows the back-off, and the
    # log still tells why; without either there is nothing to classify.
    backed_off = term is None and waiting == "CrashLoopBackOff" and tail is not None
    if term is None and waiting not in RUNTIME_REASONS and not backed_off:
        return None
    crash = classify_crash(
        spec,
        term,
        restart_policy=spec.restart_policy or pod.restart_policy,
        log=tail.lines if tail else (),
        runtime_message=runtime_error(view, pod, status),
    )
    crash = replace(crash, reason=waiting) if backed_off else crash
    return on_volume(view, pod, spec, architecture_mismatch(view, pod, spec, crash))


def on_volume(view: ClusterView, pod: Pod, spec: ContainerSpec, crash: Crash) -> Crash:
    """A write refused on a mounted volume: the user against the volume's ownership model."""
    sig = crash.signature
    if crash.category is not Category.CRASHLOOP_PERMISSION_DENIED or crash.runtime_message:
        return crash
    if sig is None or sig.kind not in _WRITE_REFUSALS:
        return crash
    path = sig.subject if sig.subject.startswith("/") else ""
    if not path and not _FILE_WORDS.search(sig.line):
        return crash
    access = volume_access(view, pod, spec, path, sig.line)
    if access is None:
        return crash
    moved = replace(crash, category=Category.VOLUME_PERMISSION_DENIED, volume=access)
    return _explained(moved, spec)


def architecture_mismatch(view: ClusterView, pod: Pod, spec: ContainerSpec, crash: Crash) -> Crash:
    """An unexplained non-zero exit of a binary built for another CPU than its node's.

    Only when nothing else explains the end (no runtime error, no decisive log line): then the
    image name or the replicas running on nodes of another architecture are the evidence.
    """
    if (
        crash.category is not Category.CRASHLOOP_APP_ERROR
        or crash.runtime_message
        or is_decisive(crash.signature)
        or not crash.exit_code
    ):
        return crash
    found = arch_mismatch(view, pod, spec)
    if found is None:
        return crash
    program = spec.command[0] if spec.command else ""
    moved = replace(
        crash, category=Category.CRASHLOOP_EXEC_FORMAT, subject=program, arch_note=found.reason
    )
    return _explained(moved, spec)


def runtime_error(view: ClusterView, pod: Pod, status: ContainerStatus) -> str:
    """The runtime's own error when it could not start the process, if one was recorded."""
    term = status.last_termination
    if term is not None and term.reason in RUNTIME_REASONS and term.message:
        return term.message
    if status.state.waiting_reason == "RunContainerError" and status.state.waiting_message:
        return status.state.waiting_message
    for event in reversed(runtime_events(view, pod, status.name)):
        return event.message.removeprefix("Error: ")
    return ""


def runtime_events(view: ClusterView, pod: Pod, container: str) -> list[Event]:
    """``Failed`` events in which the runtime explains why it could not start the container."""
    return [
        e for e in matching_events(view, pod, ("Failed",), container=container) if is_runtime(e)
    ]


def is_runtime(event: Event) -> bool:
    """A ``Failed`` event in which the runtime explains why it could not start a container."""
    return bool(_RUNTIME_EVENT.search(event.message)) and "pull" not in event.message


def _category(
    spec: ContainerSpec,
    code: int | None,
    reason: str,
    restart_policy: str,
    runtime: str,
    signature: LogSignature | None,
) -> tuple[Category, str]:
    """Runtime message first, then the exit code, then the log's decisive line.

    A clean exit under restartPolicy Always is a crash loop of its own only when the log names
    no cause: scripts that print "DEPLOY_ENV is undefined" or a traceback and then end normally
    exit 0 too, and the line is what to fix.
    """
    said = classify_line(runtime) if runtime else None
    if said is not None and said[0] in _KIND_CATEGORY:
        return _KIND_CATEGORY[said[0]], said[1]
    logged = signature.subject if signature else ""
    program = spec.command[0] if spec.command else ""
    if code == 126:
        return Category.CRASHLOOP_PERMISSION_DENIED, logged or program
    if code == 127:
        return Category.CRASHLOOP_COMMAND_NOT_FOUND, logged or program
    if (
        code == 0
        and reason != "Error"
        and restart_policy == "Always"
        and not is_decisive(signature)
    ):
        return Category.CRASHLOOP_COMPLETED_EXITS_ZERO, program
    if signature is not None and signature.kind in _KIND_CATEGORY:
        return _KIND_CATEGORY[signature.kind], logged
    return Category.CRASHLOOP_APP_ERROR, logged


_FOREGROUND: tuple[tuple[re.Pattern[str], str, str], ...] = (
    # (how a command leaves the foreground, what to do, the foreground command when known)
    (re.compile(r"^nginx\b(?!.*daemon off)"), "add -g 'daemon off;'", "nginx -g 'daemon off;'"),
    (re.compile(r"--daemonize[= ]yes"), "set --daemonize no", ""),
    (re.compile(r"^(?:httpd|apachectl)\b(?!.*FOREGROUND)"), "run it with -DFOREGROUND", ""),
    (re.compile(r"^php-fpm\b(?!.*(?:-F|--nodaemonize))"), "add -F (--nodaemonize)", ""),
    (re.compile(r"\s(?:-D|--daemon)\b"), "drop the daemon flag", ""),
    (re.compile(r"\bservice \S+ start\b"), "start the server binary itself, not the service", ""),
    (re.compile(r"&\s*$"), "drop the trailing & so the shell waits for the server", ""),
)


def foreground_hint(command_line: str) -> tuple[str, str] | None:
    """(what to change, foreground command if known) when a command daemonises its server."""
    for pattern, advice, foreground in _FOREGROUND:
        if pattern.search(command_line):
            return advice, foreground
    return None


def typo_fix(command: str) -> str | None:
    """A well-known program the missing command is probably a misspelling of."""
    name = command.rsplit("/", 1)[-1]
    guesses = difflib.get_close_matches(name, KNOWN_COMMANDS, n=1, cutoff=0.75)
    return guesses[0] if guesses and guesses[0] != name else None


def _explained(crash: Crash, spec: ContainerSpec) -> Crash:
    text = _EXPLAIN[crash.category](crash, spec)
    evidence = _quoted_evidence(crash)
    ran = run_phrase(crash.run_seconds)
    parts = [text + (f" {evidence}" if evidence else "")]
    if ran and crash.category is not Category.CRASHLOOP_COMPLETED_EXITS_ZERO:
        parts.append(f"The last instance {ran}.")
    return replace(crash, explanation=" ".join(parts))


def _quoted_evidence(crash: Crash) -> str:
    if crash.runtime_message:
        return f'The container runtime reported: "{crash.runtime_message}".'
    sig = crash.signature
    if sig is None:
        said = crash.category is Category.CRASHLOOP_APP_ERROR or not crash.meaning
        return "" if said else f"({crash.meaning})."
    text = f'The log says: "{sig.line}"'
    if sig.where:
        text += f" (raised at {sig.where})"
    if sig.context:
        text += f', with "{sig.context}"'
    meaning = crash.meaning if crash.exit_code != 0 else ""
    return text + (f"; {meaning}." if meaning else ".")


def mount_of(spec: ContainerSpec, path: str) -> Mapping[str, Any] | None:
    """The volume mount of ``spec`` a path lies under, if any (the deepest one)."""
    mounts = [
        m
        for m in spec.volume_mounts
        if (root := str(m.get("mountPath") or ""))
        and (path == root or path.startswith(root.rstrip("/") + "/"))
    ]
    return max(mounts, key=lambda m: len(str(m.get("mountPath"))), default=None)


def _explain_command(crash: Crash, spec: ContainerSpec) -> str:
    subject = crash.subject or "its command"
    mount = mount_of(spec, subject)
    if mount is not None:
        return (
            f"Container {spec.name} runs {subject!r}, which does not exist: it lies under "
            f"{mount.get('mountPath')}, where volume {mount.get('name')} is mounted, and that "
            "volume does not provide it (a missing ConfigMap/Secret key or a wrong path)."
        )
    text = f"Container {spec.name} runs {subject!r}, which does not exist in image {spec.image}"
    guess = typo_fix(crash.subject) if crash.subject else None
    if guess:
        text += f" (probably a misspelling of {guess!r})"
    elif subject.rsplit("/", 1)[-1] in ("sh", "bash") and _is_shell_less(spec.image):
        text += " (distroless and scratch images have no shell)"
    return text + "."


def _explain_permission(crash: Crash, spec: ContainerSpec) -> str:
    kind = crash.signature.kind if crash.signature and not crash.runtime_message else None
    subject = crash.subject or "its entrypoint"
    if kind is LogKind.PORT_PERMISSION:
        return (
            f"Container {spec.name} may not listen on {subject}: ports below 1024 need root or the "
            "NET_BIND_SERVICE capability, and it runs without them."
        )
    if kind is LogKind.READ_ONLY_FS:
        return (
            f"Container {spec.name} may not write to {subject}: that path is on a read-only "
            "filesystem (securityContext.readOnlyRootFilesystem, or a read-only mount)."
        )
    if kind is LogKind.FILE_PERMISSION:
        user = spec.security_context.get("runAsUser")
        who = f"user {user}" if isinstance(user, int) else "the user it runs as"
        return (
            f"Container {spec.name} is denied access to {subject}: {who} may not write or read "
            "that path, which the image leaves to root."
        )
    return (
        f"Container {spec.name} cannot execute {subject!r}: the file lacks the executable bit "
        "(or sits on a noexec mount, or has a CRLF/unknown interpreter line)."
    )


def _explain_exec_format(crash: Crash, spec: ContainerSpec) -> str:
    binary = crash.subject or "the entrypoint"
    if crash.arch_note:
        return (
            f"Image {spec.image} holds {binary} built for another CPU architecture than the "
            f"node's: {crash.arch_note}. The kernel refuses such a binary (exec format error), "
            "so the container ends at once, before the application can log anything"
        )
    return (
        f"Image {spec.image} holds {binary} built for another CPU architecture than the node's "
        "(exec format error), so the kernel cannot run it."
    )


def _explain_volume(crash: Crash, spec: ContainerSpec) -> str:
    return crash.volume.explain(spec.name) if crash.volume else _explain_permission(crash, spec)


def _explain_exit_zero(crash: Crash, spec: ContainerSpec) -> str:
    ran = f" after {human_duration(crash.run_seconds)}" if crash.run_seconds is not None else ""
    text = (
        f"The main process of container {spec.name} exited successfully (exit 0){ran}, but the "
        "pod's restartPolicy is Always, so every exit is restarted and the pod crash-loops: it is "
        "a one-shot command, or the server daemonised itself and left the foreground."
    )
    line = " ".join(spec.command + spec.args)
    hint = foreground_hint(line) if line else None
    if hint is not None:
        text += f" `{line}` sends its server to the background ({hint[0]})."
    if crash.last_line:
        text += f' Its last log line: "{crash.last_line}".'
    return text


def _explain_app(crash: Crash, spec: ContainerSpec) -> str:
    sig = crash.signature
    if sig is None:
        meaning = crash.meaning or "an error"
        return f"Container {spec.name} ends with {meaning}."
    if sig.kind is LogKind.EXCEPTION and sig.line.startswith(("panic:", "fatal error:")):
        return f"Container {spec.name} exits because the Go runtime panicked."
    if sig.kind is LogKind.EXCEPTION and sig.line.startswith("Error: "):
        return f"Container {spec.name} exits on the error it reports."
    refusal = known_refusal(sig.line)
    if refusal is not None:
        phrase = f"{spec.image} refuses to start: {refusal.said(refusal.meaning, sig.line)}"
    else:
        named, unnamed = PHRASES[sig.kind]
        phrase = named.format(sig.subject) if sig.subject else unnamed
    text = f"Container {spec.name} exits because {phrase}."
    if crash.exit_code == 0:
        text += " It prints the error yet exits 0, so only its log tells why it keeps ending."
    return text


def _is_shell_less(image: str) -> bool:
    return "distroless" in image or image.startswith("scratch")


_EXPLAIN = {
    Category.CRASHLOOP_COMMAND_NOT_FOUND: _explain_command,
    Category.CRASHLOOP_PERMISSION_DENIED: _explain_permission,
    Category.VOLUME_PERMISSION_DENIED: _explain_volume,
    Category.CRASHLOOP_EXEC_FORMAT: _explain_exec_format,
    Category.CRASHLOOP_COMPLETED_EXITS_ZERO: _explain_exit_zero,
    Category.CRASHLOOP_APP_ERROR: _explain_app,
}
