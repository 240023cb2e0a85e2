"""Secrets hygiene: Secrets in env vars, credentials written in clear, unused Secrets.

A Secret read into an environment variable ends up in crash dumps, ``/proc/<pid>/environ``
and child processes; a credential written as a literal env value or a ConfigMap entry is
readable by everyone who can read the workload or the ConfigMap. Evidence names variables,
Secrets and keys, and says how long a literal is: never its value.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Iterator, Mapping
from typing import Any

from kubemedic.checks._common import (
    checkov,
    cis,
    finding,
    kubescape,
    nsa,
    related_fact,
    rule,
    spec_fact,
)
from kubemedic.checks._registry import Check
from kubemedic.checks._sensitive import literal_credential, sensitive_name
from kubemedic.checks._templates import Container, Template, templates
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import ObjectRef
from kubemedic.models.k8s import KObject
from kubemedic.models.security import AuditOptions, Fix, SecurityFinding
from kubemedic.models.severity import Severity

FAMILY = "secrets"
_GUIDE = nsa("Network separation and hardening — Secrets")
_SYSTEM_TYPES = frozenset(
    {"kubernetes.io/service-account-token", "bootstrap.kubernetes.io/token", "helm.sh/release.v1"}
)
_SYSTEM_CONFIGMAPS = frozenset({"kube-root-ca.crt"})

SECRET_ENV = rule(
    "KM-SEC-SECRET-IN-ENV",
    "Secret exposed through environment variables",
    Severity.MEDIUM,
    FAMILY,
    "Environment variables leak into logs, crash reports, /proc and child processes; Secrets "
    "mounted as files do not, and are updated in place when the Secret changes.",
    cis("5.4.1"),
    _GUIDE,
    checkov("CKV_K8S_35"),
    kubescape("C-0207"),
)
LITERAL = rule(
    "KM-SEC-CREDENTIAL-IN-ENV",
    "Credential written in clear in the pod spec",
    Severity.HIGH,
    FAMILY,
    "A credential set as a literal env value is readable by anyone who can read the workload, "
    "its ReplicaSets and pods, and is stored in etcd and in git unencrypted.",
    _GUIDE,
    kubescape("C-0012"),
)
CONFIGMAP = rule(
    "KM-SEC-CREDENTIAL-IN-CONFIGMAP",
    "Credential stored in a ConfigMap",
    Severity.HIGH,
    FAMILY,
    "ConfigMaps are not Secrets: no encryption at rest, readable by every role that reads "
    "configuration (view included).",
    _GUIDE,
    kubescape("C-0012"),
)
UNUSED = rule(
    "KM-SEC-SECRET-UNUSED",
    "Secret used by nothing",
    Severity.LOW,
    FAMILY,
    "No workload, service account, Ingress or Role refers to the Secret: a credential left "
    "behind that still works until it is revoked.",
)


def run(view: ClusterView, options: AuditOptions) -> Iterator[SecurityFinding]:
    for template in templates(view):
        yield from _env_secrets(template)
        yield from _literal_credentials(template)
    for configmap in view.objects("ConfigMap"):
        yield from _configmap_credentials(configmap)
    yield from _unused(view, options)


# -- Secrets read into env vars --------------------------------------------------------------


def _secret_vars(c: Container) -> Iterator[tuple[str, str, str, str]]:
    """(variable or "", secret, key or "", field) for each env entry that reads a Secret."""
    for entry in c.spec.env:
        ref = _map(_map(entry.get("valueFrom")).get("secretKeyRef"))
        if ref.get("name"):
            name = str(entry.get("name"))
            field = f"{c.path}.env[{name}].valueFrom.secretKeyRef"
            yield name, str(ref["name"]), str(ref.get("key") or ""), field
    for index, entry in enumerate(c.spec.env_from):
        ref = _map(entry.get("secretRef"))
        if ref.get("name"):
            yield "", str(ref["name"]), "", f"{c.path}.envFrom[{index}].secretRef"


def _env_secrets(template: Template) -> Iterator[SecurityFinding]:
    evidence = []
    secrets: dict[str, None] = {}
    fragment: dict[str, Any] = {}
    for c in template.containers:
        found = list(_secret_vars(c))
        if not found:
            continue
        entry: dict[str, Any] = {"name": c.name, "volumeMounts": []}
        for variable, secret, key, field in found:
            fact = (
                f"container {c.name} env {variable} reads key {key} of Secret {secret}"
                if variable
                else f"container {c.name} loads every key of Secret {secret} as env vars"
            )
            evidence.append(spec_fact(fact, f"{template.workload} {field}"))
            if secret not in secrets:
                secrets[secret] = None
            mount = {
                "name": f"secret-{secret}",
                "mountPath": f"/etc/secrets/{secret}",
                "readOnly": True,
            }
            if mount not in entry["volumeMounts"]:
                entry["volumeMounts"].append(mount)
            if variable:
                entry.setdefault("env", []).append({"name": variable, "$patch": "delete"})
        kept = [e for e in c.spec.env_from if not _map(e.get("secretRef")).get("name")]
        if len(kept) != len(c.spec.env_from):
            entry["envFrom"] = kept
        fragment.setdefault(c.group, []).append(entry)
    if not evidence:
        return
    fragment["volumes"] = [{"name": f"secret-{s}", "secret": {"secretName": s}} for s in secrets]
    summary = (
        "Mount the Secrets as files (/etc/secrets/<secret>/<key>) and have the application read "
        "them there; then drop the env vars."
    )
    commands, patch = template.patch(fragment, summary)
    names = ", ".join(secrets)
    yield finding(
        SECRET_ENV,
        template.workload,
        f"{template.workload} reads Secret {names} into environment variables",
        evidence,
        Fix(summary, commands, patch),
        related=[ObjectRef("Secret", s, template.workload.namespace) for s in secrets],
    )


# -- credentials in clear --------------------------------------------------------------------


def _literal_credentials(template: Template) -> Iterator[SecurityFinding]:
    evidence = []
    variables = []
    for c in template.containers:
        for entry in c.spec.env:
            name = str(entry.get("name") or "")
            value = entry.get("value")
            why = literal_credential(name, value)
            if why is None:
                continue
            variables.append(name)
            length = len(value) if isinstance(value, str) else 0
            fact = (
                f"container {c.name} env {name} has a literal value ({length} characters, "
                f"not shown): {why}"
            )
            evidence.append(spec_fact(fact, f"{template.workload} {c.path}.env[{name}].value"))
    if not evidence:
        return
    secret = f"{template.workload.name}-credentials"
    namespace = template.workload.namespace
    literals = " ".join(f'--from-literal={v}="${v}"' for v in variables)
    yield finding(
        LITERAL,
        template.workload,
        f"{template.workload} sets {', '.join(variables)} in clear in its pod spec",
        evidence,
        Fix(
            f"Move the values into a Secret ({secret}), mount it as files, remove the literal "
            "values from the manifest (and from git history), and rotate the credentials: they "
            "have been readable.",
            (f"kubectl create secret generic {secret} -n {namespace} {literals}",),
        ),
    )


def _configmap_credentials(configmap: KObject) -> Iterator[SecurityFinding]:
    if configmap.name in _SYSTEM_CONFIGMAPS:
        return
    data = _map(configmap.raw.get("data"))
    binary = _map(configmap.raw.get("binaryData"))
    evidence = []
    keys = []
    for key, value in data.items():
        why = literal_credential(key, value)
        if why:
            keys.append(key)
            where = f"{configmap.ref} data[{key}]"
            evidence.append(spec_fact(f"key {key}: {why} (value not shown)", where))
    for key in binary:
        if sensitive_name(key):
            keys.append(key)
            where = f"{configmap.ref} binaryData[{key}]"
            evidence.append(
                spec_fact(f"binary key {key}: its name says it holds a credential", where)
            )
    if not evidence:
        return
    secret = f"{configmap.name}-secrets"
    namespace = configmap.namespace
    removals = [
        {"op": "remove", "path": f"/{'data' if k in data else 'binaryData'}/{_pointer(k)}"}
        for k in keys
    ]
    literals = " ".join(f'--from-literal={k}="$VALUE_{i}"' for i, k in enumerate(keys))
    payload = json.dumps(removals, separators=(",", ":"))
    yield finding(
        CONFIGMAP,
        configmap.ref,
        f"ConfigMap {configmap.namespace}/{configmap.name} holds what look like credentials: "
        + ", ".join(keys),
        evidence,
        Fix(
            f"Move these keys into a Secret ({secret}), point the workloads at it, remove them "
            "from the ConfigMap and rotate the credentials.",
            (
                f"kubectl create secret generic {secret} -n {namespace} {literals}",
                f"kubectl patch configmap {configmap.name} -n {namespace} --type json "
                f"-p {shlex.quote(payload)}",
            ),
        ),
        detail=",".join(keys),
    )


def _pointer(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


# -- unused Secrets --------------------------------------------------------------------------


def _referenced(view: ClusterView) -> set[tuple[str, str]]:
    """(namespace, Secret) pairs some template, service account, Ingress or Role names."""
    found: set[tuple[str, str]] = set()
    for template in templates(view):
        namespace = template.workload.namespace
        found.update((namespace, name) for name in _template_secrets(template))
    for account in view.objects("ServiceAccount"):
        for group in ("secrets", "imagePullSecrets"):
            entries = account.raw.get(group)
            for entry in entries if isinstance(entries, list) else ():
                found.add((account.namespace, str(_map(entry).get("name"))))
    for ingress in view.objects("Ingress"):
        tls = ingress.spec.get("tls")
        for entry in tls if isinstance(tls, list) else ():
            found.add((ingress.namespace, str(_map(entry).get("secretName"))))
    for role in view.objects("Role"):  # an application that reads its Secret through the API
        rules = role.raw.get("rules")
        for entry in rules if isinstance(rules, list) else ():
            entry = _map(entry)
            if "secrets" in (entry.get("resources") or ()):
                names = entry.get("resourceNames")
                found.update((role.namespace, str(n)) for n in names or ())
    return found


def _template_secrets(template: Template) -> Iterator[str]:
    volumes = template.spec.get("volumes")
    for volume in volumes if isinstance(volumes, list) else ():
        volume = _map(volume)
        yield str(_map(volume.get("secret")).get("secretName"))
        sources = _map(volume.get("projected")).get("sources")
        for source in sources if isinstance(sources, list) else ():
            yield str(_map(_map(source).get("secret")).get("name"))
    pulls = template.spec.get("imagePullSecrets")
    for entry in pulls if isinstance(pulls, list) else ():
        yield str(_map(entry).get("name"))
    for c in template.containers:
        yield from (secret for _, secret, _, _ in _secret_vars(c))


def _unused(view: ClusterView, options: AuditOptions) -> Iterator[SecurityFinding]:
    referenced = _referenced(view)
    for secret in view.objects("Secret"):
        if (secret.namespace, secret.name) in referenced or _managed(secret):
            continue
        if not (options.complete or view.knows("Pod", secret.namespace)):
            continue  # the pods that might use it were not read
        keys = ", ".join(_map(secret.raw.get("data"))) or "none"
        yield finding(
            UNUSED,
            secret.ref,
            f"Secret {secret.namespace}/{secret.name} is used by no workload, service account, "
            "Ingress or Role",
            [
                related_fact(
                    "no pod template, ServiceAccount, Ingress or Role of the namespace names it",
                    f"namespace {secret.namespace}",
                ),
                spec_fact(
                    f"type {secret.raw.get('type') or 'Opaque'}, keys: {keys}", str(secret.ref)
                ),
            ],
            Fix(
                "If nothing outside Kubernetes objects uses it (a CI job, an operator's custom "
                "resource), revoke the credential and delete the Secret.",
                (f"kubectl delete secret {secret.name} -n {secret.namespace}",),
            ),
        )


def _managed(secret: KObject) -> bool:
    """Created and used by a controller (tokens, Helm releases, owned or cert-manager Secrets)."""
    return (
        secret.raw.get("type") in _SYSTEM_TYPES
        or bool(secret.owner_references)
        or "cert-manager.io/certificate-name" in secret.annotations
    )


def _map(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


CHECK = Check(
    name="secrets",
    description="Secrets in env vars, credentials in clear, unused Secrets",
    rules=(SECRET_ENV, LITERAL, CONFIGMAP, UNUSED),
    run=run,
)
