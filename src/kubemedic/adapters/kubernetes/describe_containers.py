"""Containers as ``kubectl describe`` prints them: the spec and, for a pod, the status.

Shared by pods and by workloads' pod templates. Only what the text shows is set: describe
prints limits, requests, probes, environment and mounts whenever they exist, so their
absence means "not set"; pull policy and security context are never printed and stay absent
(``pasted`` says so once per file), and port names only where a probe tells them.
"""

from __future__ import annotations

import re
from typing import Any

from kubemedic.adapters.kubernetes.describe_text import Field
from kubemedic.adapters.kubernetes.kubectl_time import parse_date, stamp

Raw = dict[str, Any]

_PROBES = (
    ("Liveness", "livenessProbe"),
    ("Readiness", "readinessProbe"),
    ("Startup", "startupProbe"),
)
_PROBE_TIMES = (
    ("delay", "initialDelaySeconds"),
    ("timeout", "timeoutSeconds"),
    ("period", "periodSeconds"),
    ("#success", "successThreshold"),
    ("#failure", "failureThreshold"),
)
_PROBE_SETTING = re.compile(r"\s(delay|timeout|period|#success|#failure)=(\d+)s?")
_URL = re.compile(
    r"(?P<scheme>https?)://(?P<host>\[[^\]]*\]|[^/:]*)(?::(?P<port>[^/]+))?(?P<path>/.*)?"
)
_KEY_REF = re.compile(
    r"<set to the key '(?P<key>[^']*)' (?P<source>in secret|of config map) '(?P<name>[^']*)'>"
    r"(?:\s+Optional:\s+(?P<optional>true|false))?"
)
_FIELD_REF = re.compile(r"(?:.*\s)?\((?P<api>v\d\w*):(?P<path>[^)]+)\)")
_RESOURCE_REF = re.compile(r"(?:.*\s)?\((?P<resource>(?:limits|requests)\.[\w./-]+)\)")
_ENV_FROM = re.compile(
    r"(?P<name>\S+)\s+(?P<kind>ConfigMap|Secret)(?: with prefix '(?P<prefix>[^']*)')?"
    r"(?:\s+Optional:\s+(?P<optional>true|false))?"
)
_MOUNT = re.compile(
    r"(?P<path>\S.*?) from (?P<name>\S+) \((?P<mode>r[ow])(?:,path=\"(?P<sub>[^\"]*)\")?\)"
)
_STATES = frozenset({"waiting", "running", "terminated"})


def container_spec(section: Field) -> Raw:
    """The container's spec, as far as describe shows it."""
    spec: Raw = {"name": section.key}
    if image := section.text("Image"):
        spec["image"] = image
    ports = _ports(section.text("Port", "Ports"), section.text("Host Port", "Host Ports"))
    if ports:
        spec["ports"] = ports
    for key, name in (("Command", "command"), ("Args", "args")):
        found = section.child(key)
        if found is not None:
            spec[name] = [row.strip() for row in found.rows] or found.values()
    resources = {
        name: {c.key: c.value for c in found.children}
        for key, name in (("Limits", "limits"), ("Requests", "requests"))
        if (found := section.child(key)) is not None and found.children
    }
    if resources:
        spec["resources"] = resources
    for key, name in _PROBES:
        probe = probe_of(section.text(key))
        if probe is not None:
            spec[name] = probe
    _name_the_port(spec)
    env = section.first("Environment", "Environment Variables")
    if env is not None and env.children:
        spec["env"] = [_env_var(var) for var in env.children]
    env_from = section.child("Environment Variables from")
    if env_from is not None:
        sources = [s for s in map(_env_source, env_from.values()) if s is not None]
        if sources:
            spec["envFrom"] = sources
    mounts = section.first("Mounts", "Volume Mounts")
    if mounts is not None:
        found_mounts = [m for m in map(_mount, mounts.values()) if m is not None]
        if found_mounts:
            spec["volumeMounts"] = found_mounts
    return spec


def container_status(section: Field) -> Raw:
    """The container's status: state, last state, readiness, restarts, image."""
    status: Raw = {"name": section.key}
    for key, name in (("Image", "image"), ("Image ID", "imageID"), ("Container ID", "containerID")):
        if value := section.text(key):
            status[name] = value
    state = _state(section.child("State"))
    if state:
        status["state"] = state
    last = _state(section.first("Last State", "Last Termination State"))
    if last:
        status["lastState"] = last
    ready = section.text("Ready")
    if ready in ("True", "False"):
        status["ready"] = ready == "True"
    restarts = section.text("Restart Count")
    if restarts.isdigit():
        status["restartCount"] = int(restarts)
    return status


def probe_of(text: str) -> Raw | None:
    """A probe from ``http-get http://:8080/healthz delay=10s timeout=1s period=10s ...``."""
    text = text.strip()
    if not text or text == "<none>":
        return None
    handler, _, _ = text.partition(" delay=")
    probe: Raw = {}
    settings = dict(_PROBE_SETTING.findall(" " + text))
    for label, key in _PROBE_TIMES:
        if label in settings:
            probe[key] = int(settings[label])
    kind, _, target = handler.partition(" ")
    target = target.strip()
    if kind == "http-get":
        match = _URL.fullmatch(target)
        if match is None:
            return probe or None
        action: Raw = {"path": match["path"] or "", "port": _port(match["port"] or "")}
        action["scheme"] = match["scheme"].upper()
        if match["host"]:
            action["host"] = match["host"]
        probe["httpGet"] = action
    elif kind == "tcp-socket":
        host, _, port = target.rpartition(":")
        probe["tcpSocket"] = {"port": _port(port), **({"host": host} if host else {})}
    elif kind == "exec":
        probe["exec"] = {"command": target.strip("[]").split()}
    elif kind == "grpc":
        address, _, service = target.partition(" ")
        grpc: Raw = {"port": _port(address.rpartition(":")[2])}
        if service.strip():
            grpc["service"] = service.strip()
        probe["grpc"] = grpc
    return probe


def _name_the_port(spec: Raw) -> None:
    """Name a container's only port after the named port its probes use.

    Describe prints ports without their names, but a probe on a named port (``http``) can
    only reach a port the container declares under that name: with one port, it is that one.
    """
    ports = spec.get("ports") or []
    names = {
        action["port"]
        for key in ("livenessProbe", "readinessProbe", "startupProbe")
        for action in (spec.get(key, {}).get(kind) for kind in ("httpGet", "tcpSocket", "grpc"))
        if action is not None and isinstance(action.get("port"), str) and action["port"]
    }
    if len(ports) == 1 and len(names) == 1:
        ports[0]["name"] = names.pop()


def _port(text: str) -> int | str:
    return int(text) if text.isdigit() else text


def _ports(ports: str, host_ports: str) -> list[Raw]:
    found: list[Raw] = []
    hosts = [p.strip() for p in host_ports.split(",")]
    for index, item in enumerate(p.strip() for p in ports.split(",")):
        number, _, protocol = item.partition("/")
        if not number.isdigit():
            continue
        port: Raw = {"containerPort": int(number), "protocol": protocol or "TCP"}
        host = hosts[index].partition("/")[0] if index < len(hosts) else ""
        if host.isdigit() and host != "0":
            port["hostPort"] = int(host)
        found.append(port)
    return found


def _env_var(var: Field) -> Raw:
    value = "\n".join([var.value, *var.rows]) if var.rows else var.value
    if match := _KEY_REF.fullmatch(value):
        ref = "secretKeyRef" if match["source"] == "in secret" else "configMapKeyRef"
        selector: Raw = {"name": match["name"], "key": match["key"]}
        if match["optional"] == "true":
            selector["optional"] = True
        return {"name": var.key, "valueFrom": {ref: selector}}
    if match := _FIELD_REF.fullmatch(value):
        field_ref = {"apiVersion": match["api"], "fieldPath": match["path"]}
        return {"name": var.key, "valueFrom": {"fieldRef": field_ref}}
    if match := _RESOURCE_REF.fullmatch(value):
        return {"name": var.key, "valueFrom": {"resourceFieldRef": {"resource": match["resource"]}}}
    return {"name": var.key, "value": value}


def _env_source(text: str) -> Raw | None:
    match = _ENV_FROM.fullmatch(text)
    if match is None:
        return None
    ref: Raw = {"name": match["name"]}
    if match["optional"] == "true":
        ref["optional"] = True
    source: Raw = {"configMapRef" if match["kind"] == "ConfigMap" else "secretRef": ref}
    if match["prefix"]:
        source["prefix"] = match["prefix"]
    return source


def _mount(text: str) -> Raw | None:
    match = _MOUNT.fullmatch(text)
    if match is None:
        return None
    mount: Raw = {"name": match["name"], "mountPath": match["path"]}
    if match["mode"] == "ro":
        mount["readOnly"] = True
    if match["sub"]:
        mount["subPath"] = match["sub"]
    return mount


def _state(section: Field | None) -> Raw:
    """``State: Waiting`` and the lines under it, as a ContainerState."""
    if section is None or section.value.lower() not in _STATES:
        return {}
    kind = section.value.lower()
    detail: Raw = {}
    if reason := section.text("Reason"):
        detail["reason"] = reason
    message = section.child("Message")
    if message is not None and message.values():
        detail["message"] = "\n".join([message.value, *message.rows]).strip()
    for key, name in (("Exit Code", "exitCode"), ("Signal", "signal")):
        number = section.text(key)
        if number.lstrip("-").isdigit():
            detail[name] = int(number)
    for key, name in (("Started", "startedAt"), ("Finished", "finishedAt")):
        moment = stamp(parse_date(section.text(key)))
        if moment is not None:
            detail[name] = moment
    return {kind: detail}
