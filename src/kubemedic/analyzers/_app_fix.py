"""Fixes for applications that exit on an error, chosen by what the decisive log line names.

A missing variable gets ``kubectl set env``, a missing file the mount it should come from, a
refused or unresolvable dependency the Service to check (or create), rejected credentials the
Secret behind them, an exhausted heap its size against the memory limit.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable

from kubemedic.analyzers._build import Fix
from kubemedic.analyzers._crash_case import ROLLOUT_KINDS, CrashCase
from kubemedic.analyzers._env_source import env_source, keys_command
from kubemedic.analyzers._exit_codes import SIGKILL_EXIT
from kubemedic.analyzers._image_rules import known_refusal
from kubemedic.analyzers._log_rules import LogKind
from kubemedic.analyzers._previous_revision import previous_revision
from kubemedic.analyzers._refusal_fix import refusal_fix
from kubemedic.analyzers._template_patch import in_place
from kubemedic.models.k8s import dig
from kubemedic.models.severity import RiskTier


def app_fix(case: CrashCase) -> Fix:
    """The fix for an application error: by the log line's kind, else by the exit code."""
    sig = case.crash.signature
    advice = _APP_ADVICE.get(sig.kind) if sig else None
    refusal = known_refusal(sig.line) if sig else None
    if refusal is not None:  # a well-known image's refusal: its own fix, then the generic one
        return refusal_fix(case, refusal, advice(case) if advice else None)
    if advice is not None:
        return advice(case)
    if sig is None and case.crash.exit_code == SIGKILL_EXIT:
        return _killed_fix(case)
    what = f'"{sig.brief}"' if sig else case.crash.meaning or "the error"
    where = f" at {sig.where}" if sig and sig.where else ""
    steps = (
        "Read the previous instance's log for the lines before the error.",
        "Compare the failing revision with the last good one (image, env, args).",
    )
    return Fix(
        f"Fix the error{where} ({what}); if it started with a new release, roll back.",
        *_rollback(case, steps),
    )


def _rollback(case: CrashCase, steps: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Steps and commands that roll back: to the previous revision when one is known to exist;
    else, for kinds with a rollout history, the command that lists it."""
    previous = previous_revision(case.view, case.pod) if case.view else None
    if previous is not None:
        return steps, (previous.undo,)
    ref, kind = case.workload.kubectl_ref, case.workload.kind
    listed = case.view is not None and case.view.knows("ReplicaSet", case.pod.namespace)
    if kind not in ROLLOUT_KINDS or (kind == "Deployment" and listed):
        return steps, ()  # nothing to roll back, or no earlier ReplicaSet
    return (
        (
            *steps,
            f"If the history lists an earlier revision, roll back: kubectl rollout undo {ref}",
        ),
        (f"kubectl rollout history {ref}",),
    )


def _killed_fix(case: CrashCase) -> Fix:
    """SIGKILL that was not the container's own memory limit."""
    spec = case.spec
    if case.node_oom is not None:
        request = spec.resources.request_text("memory") or "none"
        limit = spec.resources.limit_text("memory") or "none"
        return Fix(
            f"Stop overcommitting node {case.pod.node_name}: its kernel OOM killer chose "
            f"{spec.name} (memory request {request}, limit {limit}). Set the memory request to "
            "the real working set and a limit, so the scheduler places pods where memory exists.",
            (
                "Compare requests with actual usage on that node: kubectl top pods -A "
                "--sort-by=memory (pods using far more than they request cause node OOM).",
            ),
            (f"kubectl describe node {case.pod.node_name}",),
            RiskTier.MEDIUM,
        )
    return Fix(
        f"Find what sent SIGKILL to {spec.name}: Killing events around the restart, the node's "
        "memory, or a process ignoring SIGTERM until terminationGracePeriodSeconds ran out.",
        (
            "If the app ignores SIGTERM, handle it (shut down cleanly) or run it under an init "
            "such as tini so the signal reaches it.",
        ),
        (f"kubectl get events -n {case.pod.namespace} --field-selector "
         f"involvedObject.name={case.pod.name}",),
    )  # fmt: skip


def _env_fix(case: CrashCase) -> Fix:
    """Restore the variable from where the cluster defines it: the previous revision (by rolling
    back to it), else the namespace key named like it; else find the value with kubectl."""
    ref, name = case.workload.kubectl_ref, case.spec.name
    var = case.crash.signature.subject if case.crash.signature else "VARIABLE"
    source = env_source(case.view, case.pod, case.spec, var) if case.view else None
    entry = {"env": [dict(source.definition)]} if source and not source.literal else None
    if source is not None and source.previous is not None:
        alone = case.patch(entry) if entry else ()
        return Fix(
            f"Restore {var} on container {name}: {source.previous.name} sets it "
            f"({source.described}) and the latest rollout removed it; return to that revision.",
            (f"Or add only {var} back to the current template: {alone[0]}",) if alone else (),
            (source.previous.undo,),
        )
    if source is not None and entry is not None:
        return Fix(
            f"Set {var} on container {name} from {source.origin}, the key named like it.",
            case.recreate(entry),
            case.patch(entry),
        )
    settable = in_place(case.workload)
    return Fix(
        f"Set the environment variable {var} on container {name} (from a Secret if it holds a "
        "credential); list the keys the namespace's Secrets and ConfigMaps hold to find it.",
        (
            f"Put the value {var} must have in place of <value>; or read it from a Secret: "
            f"kubectl set env {ref} -c {name} --from=secret/<secret> --keys=<key> (a Secret "
            "and key the first command lists; the key's name becomes the variable's, "
            "upper-cased)."
            if settable
            else case.recreate({"env": [{"name": var, "value": "<value>"}]})[0],
        ),
        (
            keys_command(case.pod.namespace),
            *((f"kubectl set env {ref} -c {name} {var}=<value>",) if settable else ()),
        ),
    )


def _file_fix(case: CrashCase) -> Fix:
    path = case.crash.signature.subject if case.crash.signature else ""
    return Fix(
        f"Provide {path or 'the missing file'}: mount the ConfigMap or Secret that holds it at "
        f"{posixpath.dirname(path) or 'its directory'}, or fix the path the application reads.",
        (
            "Compare the path with the container's volumeMounts: a mount hides what the image "
            "has in that directory, and subPath mounts a single key.",
        ),
        (f"kubectl get {case.workload.kubectl_ref} -o jsonpath='{{..volumeMounts}}'",),
    )


def _dependency_fix(case: CrashCase) -> Fix:
    target = case.crash.signature.subject if case.crash.signature else ""
    found = case.dependency
    steps = (
        "Check the host and port in the app's configuration against the Service's name, "
        "namespace and port.",
        "Dependencies start in any order in Kubernetes: retrying with back-off at start-up "
        "avoids the crash loop altogether.",
    )
    if found is None:
        return Fix(
            f"Make {target or 'the dependency'} reachable from {case.spec.name}, and let the app "
            "retry with back-off instead of exiting.",
            steps,
        )
    if found.problem:
        summary = f"{found.fact[0].upper()}{found.fact[1:]}: " + (
            "fix the host name in the app's configuration or deploy that Service"
            if found.missing
            else "fix the pods behind it"
        )
    else:
        summary = f"Make {target} reachable from {case.spec.name}"
    return Fix(
        summary + ", and let the app retry with back-off instead of exiting.",
        steps,
        (found.check_command,),
    )


def _auth_fix(case: CrashCase) -> Fix:
    user = case.crash.signature.subject if case.crash.signature else ""
    secrets = sorted(
        {
            str(ref.get("name"))
            for env in case.spec.env
            if isinstance(ref := dig(env, "valueFrom", "secretKeyRef"), dict)
        }
        | {
            str(dig(src, "secretRef", "name"))
            for src in case.spec.env_from
            if dig(src, "secretRef")
        }
    )
    where = f" (Secret {', '.join(secrets)})" if secrets else ""
    return Fix(
        f"Make the credentials {case.spec.name} uses{where} match the server's"
        + (f" for user {user}" if user else "")
        + ": a rotated password or a Secret from another environment is rejected.",
        (
            "Compare the Secret's keys with what the application reads (names only; do not "
            "print the values), and the user with the one the server knows.",
        ),
        tuple(f"kubectl describe secret {name} -n {case.pod.namespace}" for name in secrets),
    )


def _heap_fix(case: CrashCase) -> Fix:
    limit = case.spec.resources.limit_text("memory")
    return Fix(
        "Size the runtime heap to the container: about 75% of the memory limit"
        + (f" ({limit})" if limit else "")
        + " via --max-old-space-size (Node.js) or -XX:MaxRAMPercentage=75 (JVM), and raise the "
        "limit if the working set needs more.",
        ("If memory grows until each crash, look for a leak (heap snapshot) before raising.",),
    )


def _port_in_use_fix(case: CrashCase) -> Fix:
    port = case.crash.signature.subject if case.crash.signature else ""
    return Fix(
        f"Give each process its own port: {port or 'the port'} is already taken inside the pod "
        "(containers of a pod share one network namespace).",
        ("Check the other containers' ports and whether the app starts its server twice.",),
    )


def _usage_fix(case: CrashCase) -> Fix:
    spec = case.spec
    subject = case.crash.signature.subject if case.crash.signature else ""
    args = " ".join(spec.command + spec.args) or "(image defaults)"
    return Fix(
        f"Fix the arguments of {spec.name} ({subject or 'see the usage message'}); it runs: "
        f"{args}.",
        ("Compare the flags with the program's --help for this image version.",),
    )


_APP_ADVICE: dict[LogKind, Callable[[CrashCase], Fix]] = {
    LogKind.MISSING_ENV: _env_fix,
    LogKind.MISSING_FILE: _file_fix,
    LogKind.CONNECTION_REFUSED: _dependency_fix,
    LogKind.DNS: _dependency_fix,
    LogKind.HEAP_EXHAUSTED: _heap_fix,
    LogKind.AUTH_FAILED: _auth_fix,
    LogKind.ADDRESS_IN_USE: _port_in_use_fix,
    LogKind.USAGE: _usage_fix,
}
