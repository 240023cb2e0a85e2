"""Where the value of a missing environment variable can come from, found in the cluster.

A variable the application requires and its container lacks is usually one the previous
revision set, or one a Secret or ConfigMap of the namespace holds under a key named like it
(``DATABASE_URL`` and ``database-url``). Either gives the exact definition to restore, so a
fix can say it instead of ``<value>``. Only key names are read from Secrets, never values.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kubemedic.analyzers._config_index import ConfigIndex
from kubemedic.analyzers._config_refs import CONFIGMAP, SECRET
from kubemedic.analyzers._previous_revision import PreviousRevision, previous_revision
from kubemedic.models.cluster import ClusterView
from kubemedic.models.k8s import ContainerSpec, Pod, dig

_KEY_REFS = {SECRET: "secretKeyRef", CONFIGMAP: "configMapKeyRef"}
_OBJECT_REFS = {"secretKeyRef": SECRET, "configMapKeyRef": CONFIGMAP}
_KEYS_TEMPLATE = (
    "{{range .items}}{{.kind}} {{.metadata.name}}:{{range $key, $_ := .data}} {{$key}}{{end}}"
    '{{"\\n"}}{{end}}'
)


@dataclass(frozen=True, slots=True)
class EnvSource:
    """A definition of the variable, and where it was found."""

    definition: Mapping[str, Any]
    """The env entry to restore: ``{"name": ..., "valueFrom": {...}}`` or with a ``value``."""
    origin: str
    previous: PreviousRevision | None = None
    """The revision that set it, when that is where it was found."""

    @property
    def literal(self) -> bool:
        """True when the definition holds the value itself (never printed: it may be secret)."""
        return "value" in self.definition

    @property
    def described(self) -> str:
        """``key database-url of Secret backend-secrets``, or ``a literal value``."""
        for field, kind in _OBJECT_REFS.items():
            ref = dig(self.definition, "valueFrom", field)
            if isinstance(ref, Mapping):
                return f"key {ref.get('key')} of {kind} {ref.get('name')}"
        return "a literal value" if self.literal else "a field of the pod"


def env_source(view: ClusterView, pod: Pod, spec: ContainerSpec, var: str) -> EnvSource | None:
    """The variable's definition in the previous revision, else the one key of a namespace
    Secret or ConfigMap named like it (those the container already reads from first)."""
    previous = previous_revision(view, pod)
    before = previous.container(spec.name) if previous is not None else None
    for entry in before.env if before is not None else ():
        if entry.get("name") == var and previous is not None:
            return EnvSource(entry, f"{previous.name} of {previous.workload}", previous)
    index = view.derived(ConfigIndex)
    wanted = _folded(var)
    found = [
        (kind, name, key)
        for kind in (SECRET, CONFIGMAP)
        for name in index.names_in(kind, pod.namespace)
        for key in index.keys_of(kind, pod.namespace, name)
        if _folded(key) == wanted
    ]
    read = _objects_read(spec)
    preferred = [f for f in found if (f[0], f[1]) in read] or found
    if len(preferred) != 1:
        return None
    kind, name, key = preferred[0]
    entry = {"name": var, "valueFrom": {_KEY_REFS[kind]: {"name": name, "key": key}}}
    return EnvSource(entry, f"key {key} of {kind} {pod.namespace}/{name}")


def keys_command(namespace: str) -> str:
    """``kubectl get`` listing the key names (never the values) of the namespace's Secrets and
    ConfigMaps: where a value can be looked for with kubectl alone."""
    return (
        f"kubectl get secrets,configmaps -n {namespace} -o "
        f"go-template={shlex.quote(_KEYS_TEMPLATE)}"
    )


def _objects_read(spec: ContainerSpec) -> set[tuple[str, str]]:
    read = set()
    for entry in spec.env:
        for field, kind in _OBJECT_REFS.items():
            name = dig(entry, "valueFrom", field, "name")
            if isinstance(name, str):
                read.add((kind, name))
    for source in spec.env_from:
        for field, kind in (("secretRef", SECRET), ("configMapRef", CONFIGMAP)):
            name = dig(source, field, "name")
            if isinstance(name, str):
                read.add((kind, name))
    return read


def _folded(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())
