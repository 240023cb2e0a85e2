"""What the kubelet reads from the API before it starts a container, and the errors it reports.

Volumes (ConfigMap, Secret, projected) must exist before anything else happens; env and
envFrom references are resolved just before a container is created; pull secrets are read
when an image is pulled. Every failure carries the exact message a real kubelet writes.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from typing import Any

import orjson

from kubemedic.sandbox.store import Store

Obj = dict[str, Any]
_REFERENCE = re.compile(r"\$\((\w+)\)")


class ConfigProblem(Exception):
    """A reference the kubelet cannot resolve; the message is the kubelet's."""


def _decode(value: object) -> str:
    try:
        return base64.b64decode(str(value)).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return ""


def _source(store: Store, kind: str, namespace: str, name: str) -> Mapping[str, str] | None:
    obj = store.try_get(kind, namespace, name)
    if obj is None:
        return None
    if kind == "Secret":
        data = {k: _decode(v) for k, v in (obj.get("data") or {}).items()}
        data.update({str(k): str(v) for k, v in (obj.get("stringData") or {}).items()})
        return data
    data = {str(k): str(v) for k, v in (obj.get("data") or {}).items()}
    data.update({str(k): "" for k in obj.get("binaryData") or {}})
    return data


def _missing(kind: str, name: str) -> str:
    return f'{"configmap" if kind == "ConfigMap" else "secret"} "{name}" not found'


def mount_volumes(store: Store, pod: Obj) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """File contents of ConfigMap/Secret volumes by path, and (volume, problem) failures."""
    namespace = pod["metadata"]["namespace"]
    spec = pod.get("spec") or {}
    mounts: dict[str, list[tuple[str, str]]] = {}
    for container in (spec.get("initContainers") or []) + (spec.get("containers") or []):
        for mount in container.get("volumeMounts") or []:
            target = (str(mount.get("mountPath")), str(mount.get("subPath") or ""))
            mounts.setdefault(str(mount.get("name")), []).append(target)
    contents: dict[str, str] = {}
    failures: list[tuple[str, str]] = []
    for volume in spec.get("volumes") or []:
        name = str(volume.get("name"))
        sources = _volume_sources(volume)
        for kind, ref, items, optional in sources:
            data = _source(store, kind, namespace, ref)
            if data is None:
                if not optional:
                    failures.append((name, _missing(kind, ref)))
                continue
            wanted = items or {key: key for key in data}
            for key, path in wanted.items():
                if key not in data:
                    if not optional:
                        label = "configmap" if kind == "ConfigMap" else "secret"
                        failures.append(
                            (name, f"{label} references non-existent config key: {key}")
                        )
                    continue
                for mount_path, sub_path in mounts.get(name, []):
                    if not sub_path:
                        contents[f"{mount_path.rstrip('/')}/{path}"] = data[key]
                    elif sub_path == path:  # one file of the volume, at the mount path itself
                        contents[mount_path.rstrip("/")] = data[key]
    return contents, failures


def _volume_sources(volume: Obj) -> list[tuple[str, str, dict[str, str], bool]]:
    found: list[tuple[str, str, dict[str, str], bool]] = []

    def add(kind: str, source: Obj | None, name_field: str) -> None:
        if not isinstance(source, dict):
            return
        items = {str(i.get("key")): str(i.get("path")) for i in source.get("items") or []}
        found.append((kind, str(source.get(name_field) or ""), items, bool(source.get("optional"))))

    add("ConfigMap", volume.get("configMap"), "name")
    add("Secret", volume.get("secret"), "secretName")
    for projected in (volume.get("projected") or {}).get("sources") or []:
        add("ConfigMap", projected.get("configMap"), "name")
        add("Secret", projected.get("secret"), "name")
    return found


def resolve_env(
    store: Store, pod: Obj, container: Obj, node_ip: str, pod_ip: str
) -> dict[str, str]:
    """The container's environment; ConfigProblem with the kubelet's message if a ref fails."""
    namespace = pod["metadata"]["namespace"]
    env: dict[str, str] = {
        "HOSTNAME": pod["metadata"]["name"],
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    }
    for source in container.get("envFrom") or []:
        prefix = str(source.get("prefix") or "")
        for kind, field in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
            ref = source.get(field)
            if not isinstance(ref, dict):
                continue
            data = _source(store, kind, namespace, str(ref.get("name")))
            if data is None:
                if not ref.get("optional"):
                    raise ConfigProblem(_missing(kind, str(ref.get("name"))))
                continue
            env.update({prefix + k: v for k, v in data.items()})
    for item in container.get("env") or []:
        name = str(item.get("name"))
        if "valueFrom" not in item:
            env[name] = _REFERENCE.sub(
                lambda m: env.get(m.group(1), m.group(0)), str(item.get("value", ""))
            )
            continue
        value = _value_from(store, pod, container, item["valueFrom"] or {}, node_ip, pod_ip)
        if value is not None:
            env[name] = value
    return env


def _value_from(
    store: Store, pod: Obj, container: Obj, source: Obj, node_ip: str, pod_ip: str
) -> str | None:
    namespace = pod["metadata"]["namespace"]
    for kind, field in (("ConfigMap", "configMapKeyRef"), ("Secret", "secretKeyRef")):
        ref = source.get(field)
        if not isinstance(ref, dict):
            continue
        name, key = str(ref.get("name")), str(ref.get("key"))
        data = _source(store, kind, namespace, name)
        if data is None:
            if ref.get("optional"):
                return None
            raise ConfigProblem(_missing(kind, name))
        if key not in data:
            if ref.get("optional"):
                return None
            raise ConfigProblem(f"couldn't find key {key} in {kind} {namespace}/{name}")
        return data[key]
    field_ref = source.get("fieldRef")
    if isinstance(field_ref, dict):
        return _field(pod, str(field_ref.get("fieldPath")), node_ip, pod_ip)
    resource_ref = source.get("resourceFieldRef")
    if isinstance(resource_ref, dict):
        resource = str(resource_ref.get("resource"))
        group, _, name = resource.partition(".")
        return str(((container.get("resources") or {}).get(group) or {}).get(name, "0"))
    return None


def _field(pod: Obj, path: str, node_ip: str, pod_ip: str) -> str:
    meta = pod["metadata"]
    simple = {
        "metadata.name": meta.get("name"),
        "metadata.namespace": meta.get("namespace"),
        "metadata.uid": meta.get("uid"),
        "spec.nodeName": (pod.get("spec") or {}).get("nodeName"),
        "spec.serviceAccountName": (pod.get("spec") or {}).get("serviceAccountName"),
        "status.hostIP": node_ip,
        "status.podIP": pod_ip,
    }
    if path in simple:
        return str(simple[path] or "")
    match = re.fullmatch(r"metadata\.(labels|annotations)\['([^']+)'\]", path)
    if match:
        return str((meta.get(match.group(1)) or {}).get(match.group(2), ""))
    return ""


def expand(words: list[str], env: Mapping[str, str]) -> list[str]:
    """``$(VAR)`` references in command and args, expanded from the container's env."""
    return [_REFERENCE.sub(lambda m: env.get(m.group(1), m.group(0)), w) for w in words]


def pull_credentials(store: Store, pod: Obj) -> tuple[set[str], list[str]]:
    """Registry hosts the pod holds pull credentials for, and pull secrets that are missing."""
    namespace = pod["metadata"]["namespace"]
    spec = pod.get("spec") or {}
    names = [str(s.get("name")) for s in spec.get("imagePullSecrets") or []]
    account = store.try_get(
        "ServiceAccount", namespace, str(spec.get("serviceAccountName") or "default")
    )
    names += [str(s.get("name")) for s in (account or {}).get("imagePullSecrets") or []]
    hosts: set[str] = set()
    missing: list[str] = []
    for name in names:
        secret = store.try_get("Secret", namespace, name)
        if secret is None:
            missing.append(name)
            continue
        data = secret.get("data") or {}
        raw = data.get(".dockerconfigjson") or data.get(".dockercfg")
        try:
            config = orjson.loads(_decode(raw)) if raw else {}
        except orjson.JSONDecodeError:
            continue
        auths = config.get("auths", config) if isinstance(config, dict) else {}
        for host in auths:
            bare = re.sub(r"^https?://", "", str(host)).split("/")[0]
            hosts.add("docker.io" if bare in ("index.docker.io", "registry-1.docker.io") else bare)
    return hosts, missing
