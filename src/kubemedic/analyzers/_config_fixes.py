"""Fixes for a missing ConfigMap, Secret or key, as kubectl commands.

Three ways out: point the reference at an existing object that fits, create what is missing, or
mark the reference optional (never for credentials, which the app would then start without).
The commands are one way, run in order; the others are steps. Correcting the workload's own
reference comes first: creating or filling an object needs values only a person knows (Secret
values are never known here: they carry ``<value>`` placeholders).
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from kubemedic.analyzers._build import Fix
from kubemedic.analyzers._config_refs import CONFIGMAP, SECRET, ConfigRef
from kubemedic.analyzers._template_patch import template_patch
from kubemedic.models.findings import ObjectRef

_CREDENTIAL = re.compile(r"pass|pwd|token|secret|key|credential|auth|cert|private", re.IGNORECASE)

# How a reference reads the other kind: env, envFrom and volume fields.
_SWITCHED = {
    "configMapKeyRef": "secretKeyRef",
    "secretKeyRef": "configMapKeyRef",
    "configMapRef": "secretRef",
    "secretRef": "configMapRef",
    "configMap": "secret.secretName",
    "secret": "configMap.name",
}

Rewrite = Callable[[ConfigRef, Mapping[str, Any]], Mapping[str, Any]]


def missing_object_fix(
    workload: ObjectRef,
    kind: str,
    name: str,
    users: Sequence[ConfigRef],
    alternative: str | None,
    namesake_kind: str | None = None,
    copy: tuple[str, Sequence[str]] | None = None,
) -> Fix:
    """Create the object with the keys the pod reads, or point the references at another:
    ``alternative`` of the same kind, or the object of ``namesake_kind`` named ``name``.
    ``copy`` (a namespace and the keys its object of that name holds) creates it as a copy."""
    keys = sorted({ref.key for ref in users if ref.key})
    verb = "configmap" if kind == CONFIGMAP else "secret generic"
    create = f"kubectl create {verb} {name} -n {workload.namespace}" + "".join(
        f" --from-literal={key}=<value>" for key in keys
    )
    if any(ref.key is None and ref.container is not None for ref in users):
        create += " --from-env-file=<path>"  # envFrom: one variable per line
    elif any(ref.key is None for ref in users) or not keys:
        create += " --from-file=<path>"  # a volume: one file per key
    copied = _copy(kind, name, workload.namespace, copy, users) if copy else None
    if copied is not None:
        create = copied
    create_summary = f"create {kind} {name} in {workload.namespace}" + (
        f" with key{'s' if len(keys) > 1 else ''} {', '.join(keys)}" if keys else ""
    )
    create_step = (
        f"{kind} {name} in namespace {workload.namespace} (references never cross namespaces), "
        + (
            f"as a copy of the one in namespace {copy[0]} if it holds the values meant for "
            f"{workload.namespace}"
            if copied and copy
            else "from the same source as the rest of the release" + _fill_in(create)
        )
    )
    patch = reference_patch(workload, users, _renamed(alternative)) if alternative else None
    if alternative:
        summary = f"Point the reference at the existing {kind} {alternative}, or {create_summary}"
        steps = [
            f"If {alternative} is the intended {kind}, change the reference to it"
            + (" (the command below)." if patch else "."),
            f"Otherwise create {create_step}" + (f": {create}" if patch else "."),
        ]
    elif namesake_kind:
        switch = ", ".join(dict.fromkeys(_switch(ref) for ref in users))
        summary = (
            f"Read the existing {namesake_kind} {name} instead ({switch}), or {create_summary}"
        )
        steps = [
            f"If {namesake_kind} {name} holds the intended data, change the reference to read "
            f"it: {switch}.",
            f"Otherwise create {create_step}.",
        ]
    else:
        summary = create_summary[0].upper() + create_summary[1:]
        steps = [f"Create {create_step}."]
    commands = [patch] if patch else [create]  # the others are alternatives, not next steps
    lost = _credentials_lost(kind, name, users)
    if lost:
        steps.append(
            f"Do not mark the reference optional: the container would start without {lost}, "
            "then run unauthenticated or fail later, further from the cause."
        )
    else:
        optional = reference_patch(workload, users, _optional)
        steps.append(
            "If the workload can run without it, mark the reference optional: true instead"
            + (f": {optional}" if optional else ".")
        )
    return Fix(f"{summary}.", tuple(steps), tuple(commands))


_FILL_IN = {
    "=<value>": "each key's value in place of <value>",
    "--from-env-file=<path>": "a file of KEY=value lines in place of <path>",
    "--from-file=<path>": "the file (or a directory of files, one per key) in place of <path>",
}
"""What a person puts in place of each placeholder of a create command."""


def _fill_in(create: str) -> str:
    """`` (with ... in place of <value>)``: what goes where in ``create`` ("" if complete)."""
    said = [text for option, text in _FILL_IN.items() if option in create]
    return f" (with {'; '.join(said)})" if said else ""


def _copy(
    kind: str,
    name: str,
    namespace: str,
    copy: tuple[str, Sequence[str]],
    users: Sequence[ConfigRef],
) -> str | None:
    """``kubectl create`` copying the keys the pod reads (all, when it reads the whole object)
    from the object of the same name in another namespace; None when no key is known."""
    source, held = copy
    read = {ref.key for ref in users}
    keys = sorted(held if None in read else {k for k in read if k})
    if not keys:
        return None
    resource = "configmap" if kind == CONFIGMAP else "secret"
    decode = "" if kind == CONFIGMAP else " | base64 -d"
    paths = {key: shlex.quote("{.data." + key.replace(".", "\\.") + "}") for key in keys}
    literals = "".join(
        f' --from-literal={key}="$(kubectl get {resource} {name} -n {source} -o jsonpath='
        f'{paths[key]}{decode})"'
        for key in keys
    )
    verb = "configmap" if kind == CONFIGMAP else "secret generic"
    return f"kubectl create {verb} {name} -n {namespace}{literals}"


def _switch(ref: ConfigRef) -> str:
    """``configMapKeyRef → secretKeyRef``: the edit that makes a reference read the other kind."""
    if ref.field == "projected":
        kinds = ("configMap", "secret") if ref.kind == CONFIGMAP else ("secret", "configMap")
        return f"projected source {kinds[0]} → {kinds[1]}"
    return f"{ref.field} → {_SWITCHED[ref.field]}"


def _credentials_lost(kind: str, name: str, users: Sequence[ConfigRef]) -> str:
    """The credentials a pod would start without if the reference were optional ("" if none).

    Every Secret holds credentials; a ConfigMap does when a key or env var it feeds is named
    like one (password, token, key, ...).
    """
    if kind == SECRET:
        named = [ref.env_name or ref.key for ref in users]
        return ", ".join(dict.fromkeys(n for n in named if n)) or f"the data of Secret {name}"
    risky = [n for ref in users for n in (ref.env_name, ref.key) if n and _CREDENTIAL.search(n)]
    return ", ".join(dict.fromkeys(risky))


def missing_key_fix(
    workload: ObjectRef,
    kind: str,
    name: str,
    key: str,
    users: Sequence[ConfigRef],
    alternative: str | None,
) -> Fix:
    """Add the key, or make the references read the existing ``alternative`` key."""
    section = "data" if kind == CONFIGMAP else "stringData"
    payload = json.dumps({section: {key: "<value>"}}, separators=(",", ":"))
    resource = "configmap" if kind == CONFIGMAP else "secret"
    add = f"kubectl patch {resource} {name} -n {workload.namespace} --type merge -p " + shlex.quote(
        payload
    )
    where = (
        f"Add key {key} to {kind} {name} where it is generated (chart, kustomization), or with "
        "the command, its value in place of <value>"
    )
    patch = reference_patch(workload, users, _rekeyed(key, alternative)) if alternative else None
    if patch is None:
        return Fix(f"Add key {key} to {kind} {workload.namespace}/{name}.", (f"{where}.",), (add,))
    # The reference is the workload's own: correcting it comes first; adding the key changes
    # an object other workloads may read, and needs a value only a person knows.
    return Fix(
        f"Make the reference read the existing key {alternative} of {kind} {name} (keys are "
        f"case-sensitive), or add key {key} to it.",
        (
            f"If {alternative} holds the intended value, the command below points the "
            "reference at it.",
            f"Otherwise {where[0].lower()}{where[1:]}, then apply it: {add}",
        ),
        (patch,),
    )


def reference_patch(workload: ObjectRef, refs: Sequence[ConfigRef], rewrite: Rewrite) -> str | None:
    """A template patch rewriting each reference's source (env, envFrom or volume).

    None when a reference sits in a projected volume, whose sources can only be replaced whole.
    """
    containers: dict[tuple[str, str], dict[str, Any]] = {}
    volumes: dict[str, dict[str, Any]] = {}
    for ref in refs:
        if ref.container is not None:
            group = "initContainers" if ref.container.is_init else "containers"
            entry = containers.setdefault((group, ref.container.name), {"name": ref.container.name})
            if ref.env_name is not None:
                value_from = {ref.field: dict(rewrite(ref, ref.source))}
                entry.setdefault("env", []).append({"name": ref.env_name, "valueFrom": value_from})
            else:
                env_from = entry.setdefault("envFrom", [dict(e) for e in ref.container.env_from])
                current = env_from[ref.index].get(ref.field) or ref.source
                env_from[ref.index] = {
                    **env_from[ref.index],
                    ref.field: dict(rewrite(ref, current)),
                }
        elif ref.volume is not None and ref.field != "projected":
            current = volumes.get(ref.volume, {}).get(ref.field) or ref.source
            volumes[ref.volume] = {"name": ref.volume, ref.field: dict(rewrite(ref, current))}
        else:
            return None
    spec: dict[str, Any] = {}
    for (group, _), entry in containers.items():
        spec.setdefault(group, []).append(entry)
    if volumes:
        spec["volumes"] = list(volumes.values())
    return template_patch(workload, spec) if spec else None


def _renamed(name: str) -> Rewrite:
    def rewrite(ref: ConfigRef, source: Mapping[str, Any]) -> Mapping[str, Any]:
        field = "secretName" if ref.volume is not None and ref.field == "secret" else "name"
        return {**source, field: name}

    return rewrite


def _optional(ref: ConfigRef, source: Mapping[str, Any]) -> Mapping[str, Any]:
    return {**source, "optional": True}


def _rekeyed(old: str, new: str) -> Rewrite:
    def rewrite(ref: ConfigRef, source: Mapping[str, Any]) -> Mapping[str, Any]:
        if ref.volume is None:
            return {**source, "key": new}
        items = [
            {**item, "key": new} if item.get("key") == old else dict(item)
            for item in source.get("items") or ()
            if isinstance(item, Mapping)
        ]
        return {**source, "items": items}

    return rewrite
