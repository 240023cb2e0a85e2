"""Where a pod reads ConfigMaps and Secrets, and what the kubelet says when one is missing.

A missing object or key is reported by the kubelet once, for the first reference it trips
over, in one of several wordings (env and envFrom at container creation, volumes at mount
time). Listing every reference from the spec lets the analyzer say *which* container, env var
or volume needs the object, and check the others against the objects that were collected.
Only key names are ever read from a Secret, never values.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from kubemedic.models.k8s import ContainerSpec, KObject, Pod, dig

CONFIGMAP = "ConfigMap"
SECRET = "Secret"  # noqa: S105 - a kind, not a password

_MISSING_KEY = re.compile(
    r"couldn't find key (?P<key>\S+) in (?P<kind>ConfigMap|Secret) (?P<ns>[^/\s]+)/(?P<name>\S+)"
)
_MISSING_OBJECT = re.compile(r'\b(?P<kind>configmaps?|secrets?) "(?P<name>[^"]+)" not found')
_MISSING_VOLUME_KEY = re.compile(
    r'references non-existent (?P<kind>config|secret) key:? "?(?P<key>[^"\s]+?)"?(?:$|[\s,\]])'
)
_HASH_SUFFIXED = re.compile(r"-[a-z0-9]{5,10}")
_VOLUME = re.compile(r'for volume "(?P<volume>[^"]+)"')


@dataclass(frozen=True, slots=True)
class ConfigRef:
    """One place in a pod spec that reads a ConfigMap or Secret (optionally one key of it)."""

    kind: str
    name: str
    key: str | None
    optional: bool
    usage: str
    path: str
    field: str
    source: Mapping[str, Any]
    container: ContainerSpec | None = None
    volume: str | None = None
    env_name: str | None = None
    index: int = 0
    mounted_by: tuple[str, ...] = ()

    @property
    def readers(self) -> tuple[str, ...]:
        """The containers that need this reference to start."""
        if self.container is not None:
            return (self.container.name,)
        return self.mounted_by


@dataclass(frozen=True, slots=True)
class ReportedMissing:
    """An object or key the kubelet said is missing (``name`` empty when it only named a key)."""

    kind: str
    name: str
    key: str | None
    volume: str | None = None


def pod_config_refs(pod: Pod) -> tuple[ConfigRef, ...]:
    """Every ConfigMap and Secret reference of the pod: env, envFrom and volumes."""
    refs: list[ConfigRef] = []
    for container in pod.init_containers + pod.containers:
        refs += _env_refs(container)
    for volume in pod.volumes:
        refs += _volume_refs(pod, volume)
    return tuple(refs)


def _env_refs(container: ContainerSpec) -> Iterator[ConfigRef]:
    group = "initContainers" if container.is_init else "containers"
    where = f"spec.{group}[{container.name}]"
    for env in container.env:
        env_name = str(env.get("name") or "")
        for field, kind in (("configMapKeyRef", CONFIGMAP), ("secretKeyRef", SECRET)):
            source = dig(env, "valueFrom", field)
            if isinstance(source, Mapping):
                yield ConfigRef(
                    kind=kind,
                    name=str(source.get("name") or ""),
                    key=str(source.get("key") or ""),
                    optional=source.get("optional") is True,
                    usage=f"env {env_name} of container {container.name}",
                    path=f"{where}.env[{env_name}].valueFrom.{field}",
                    field=field,
                    source=source,
                    container=container,
                    env_name=env_name,
                )
    for index, env_from in enumerate(container.env_from):
        for field, kind in (("configMapRef", CONFIGMAP), ("secretRef", SECRET)):
            source = env_from.get(field)
            if isinstance(source, Mapping):
                yield ConfigRef(
                    kind=kind,
                    name=str(source.get("name") or ""),
                    key=None,
                    optional=source.get("optional") is True,
                    usage=f"envFrom of container {container.name}",
                    path=f"{where}.envFrom[{index}].{field}",
                    field=field,
                    source=source,
                    container=container,
                    index=index,
                )


def _volume_refs(pod: Pod, volume: Mapping[str, Any]) -> Iterator[ConfigRef]:
    name = str(volume.get("name") or "")
    mounts = [
        (c.name, str(m.get("mountPath") or ""))
        for c in pod.init_containers + pod.containers
        for m in c.volume_mounts
        if m.get("name") == name
    ]
    where = ", ".join(f"{c} at {path}" for c, path in mounts)
    usage = f"volume {name}" + (f" (mounted by {where})" if where else "")
    readers = tuple(dict.fromkeys(c for c, _ in mounts))
    sources: list[tuple[str, str, int, Mapping[str, Any]]] = []
    for field, kind in (("configMap", CONFIGMAP), ("secret", SECRET)):
        if isinstance(volume.get(field), Mapping):
            sources.append((kind, field, 0, volume[field]))
    for index, projected in enumerate(dig(volume, "projected", "sources") or ()):
        for field, kind in (("configMap", CONFIGMAP), ("secret", SECRET)):
            if isinstance(dig(projected, field), Mapping):
                sources.append((kind, "projected", index, projected[field]))
    for kind, field, index, source in sources:
        name_field = "secretName" if field == "secret" else "name"
        path = f"spec.volumes[{name}]." + (
            f"projected.sources[{index}]" if field == "projected" else field
        )
        items = [i for i in source.get("items") or () if isinstance(i, Mapping)]
        keys: list[str | None] = [str(i.get("key") or "") for i in items] or [None]
        for key in keys:
            yield ConfigRef(
                kind=kind,
                name=str(source.get(name_field) or ""),
                key=key,
                optional=source.get("optional") is True,
                usage=usage,
                path=path,
                field=field,
                source=source,
                volume=name,
                index=index,
                mounted_by=readers,
            )


def parse_config_error(message: str) -> tuple[ReportedMissing, ...]:
    """The ConfigMaps, Secrets and keys a kubelet message says are missing."""
    found: list[ReportedMissing] = []
    volume_match = _VOLUME.search(message)
    volume = volume_match.group("volume") if volume_match else None
    for match in _MISSING_KEY.finditer(message):
        found.append(ReportedMissing(match["kind"], match["name"], match["key"], volume))
    for match in _MISSING_OBJECT.finditer(message):
        kind = CONFIGMAP if match["kind"].startswith("configmap") else SECRET
        found.append(ReportedMissing(kind, match["name"], None, volume))
    for match in _MISSING_VOLUME_KEY.finditer(message):
        kind = CONFIGMAP if match["kind"] == "config" else SECRET
        found.append(ReportedMissing(kind, "", match["key"], volume))
    return tuple(found)


def key_names(obj: KObject) -> tuple[str, ...]:
    """The keys a ConfigMap or Secret holds, sorted. Names only: values are never read."""
    fields = ("data", "binaryData") if obj.kind == CONFIGMAP else ("data", "stringData")
    keys: set[str] = set()
    for field in fields:
        section = obj.raw.get(field)
        if isinstance(section, Mapping):
            keys.update(str(k) for k in section)
    return tuple(sorted(keys))


def closest(wanted: str, candidates: Iterable[str], cutoff: float = 0.75) -> str | None:
    """The candidate a person most likely meant: the same name ignoring case and separators,
    the name with a generated hash suffix, else the nearest spelling."""
    pool = [c for c in candidates if c != wanted]
    folded = _fold(wanted)
    for candidate in pool:
        if _fold(candidate) == folded:
            return candidate
    for candidate in pool:
        if is_hash_suffixed(candidate, wanted):
            return candidate
    lowered = {c.lower(): c for c in pool}
    match = difflib.get_close_matches(wanted.lower(), list(lowered), n=1, cutoff=cutoff)
    return lowered[match[0]] if match else None


def is_hash_suffixed(candidate: str, wanted: str) -> bool:
    """``app-config-7g8k2m9h4t`` for ``app-config``: a name generated from a base name."""
    return candidate != wanted and bool(_HASH_SUFFIXED.fullmatch(candidate.removeprefix(wanted)))


def _fold(text: str) -> str:
    return re.sub(r"[-_.]", "", text.lower())
