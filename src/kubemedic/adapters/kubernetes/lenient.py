"""Read objects as people paste them: a missing field the diagnosis can do without is a warning.

Users trim what they share: Events lose their long generated names, objects their namespace,
pods their status, and files gain a document that is not an object at all. None of that should
cost them the diagnosis of everything else. Each gap becomes a ``ScanWarning`` naming the
file, line, object and field, and the object is read without it; only what cannot be used at
all (no kind, or no name to report it by) is left out, with a warning too. A missing namespace
is inferred (``namespaces``), and the warning says from what.

Warnings are worded once namespaces are settled, and their lines are found then, in one
compose of each file that has any: the objects of a complete dump pay nothing for this.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from kubemedic.adapters.kubernetes.api import is_cluster_scoped
from kubemedic.adapters.kubernetes.manifests import Manifest
from kubemedic.adapters.kubernetes.namespaces import (
    lacks_involved_namespace,
    name_involved,
    place_all,
)
from kubemedic.errors import InputError
from kubemedic.models.findings import ObjectRef
from kubemedic.models.scan_warning import ScanWarning

_OBJECT = "{object}"
"""Stands for the object in a message, described once its namespace is known."""

_YAML_TYPES: dict[type, str] = {
    str: "string",
    int: "number",
    float: "number",
    bool: "boolean",
    list: "list",
}

_SAVE_HINT = "save objects with kubectl: kubectl get pods,events -n NAMESPACE -o yaml > pods.yaml"


@dataclass(slots=True)
class _Gap:
    """A warning waiting for its line and for its object's final namespace."""

    manifest: Manifest
    position: tuple[int, int | None]
    obj: Mapping[str, Any] | None
    missing: str | None
    message: str


@dataclass(frozen=True, slots=True)
class _Kept:
    """An object read without something that is settled only once everything is read."""

    manifest: Manifest
    position: tuple[int, int | None]
    obj: dict[str, Any]


@dataclass(slots=True)
class Gaps:
    """What the objects read so far lack; :meth:`finish` settles it into warnings."""

    _gaps: list[_Gap] = field(default_factory=list)
    _unplaced: list[_Kept] = field(default_factory=list)
    _vague_events: list[_Kept] = field(default_factory=list)

    def admit(
        self, manifest: Manifest, document: int, item: int | None, obj: dict[str, Any]
    ) -> tuple[str, str] | None:
        """Check one object: its kind and namespace ("" while unknown), None to leave it out."""
        kind = obj.get("kind")
        if not isinstance(kind, str) or not kind:
            self._skip(manifest, document, item, "not a Kubernetes object (it has no kind)", "kind")
            return None
        metadata = obj.get("metadata")
        if not isinstance(metadata, dict):
            metadata = obj["metadata"] = {}
        position = (document, item)
        name = metadata.get("name")
        if not isinstance(name, str) or not name:
            if kind != "Event":
                problem = (
                    f"{kind} has no metadata.name, and an object must be named to be diagnosed"
                )
                self._skip(manifest, document, item, problem, "metadata.name", obj)
                return None
            message = f"{_OBJECT} has no metadata.name; read without it"
            self._gap(manifest, position, obj, "metadata.name", message)
        if kind == "Pod":
            self._check_pod(manifest, position, obj)
        elif kind == "Event":
            self._check_event(manifest, position, obj)
        namespace = metadata.get("namespace")
        if isinstance(namespace, str) and namespace:
            return kind, namespace
        if not is_cluster_scoped(kind):
            self._unplaced.append(_Kept(manifest, position, obj))
        return kind, ""

    def skip(self, manifest: Manifest, document: int, item: int | None, value: object) -> None:
        """Leave out a value that is not an object at all (a string, a number, a list)."""
        found = _YAML_TYPES.get(type(value), type(value).__name__)
        self._skip(manifest, document, item, f"not a Kubernetes object (found a {found})")

    def _skip(
        self,
        manifest: Manifest,
        document: int,
        item: int | None,
        problem: str,
        missing: str | None = None,
        obj: Mapping[str, Any] | None = None,
    ) -> None:
        """Leave out what cannot be used as a Kubernetes object, saying where it was."""
        where = manifest.place(document, item)
        message = f"{where}: {problem}; skipped" if where else f"{problem}; skipped"
        self._gap(manifest, (document, item), obj, missing, message)

    def _gap(
        self,
        manifest: Manifest,
        position: tuple[int, int | None],
        obj: Mapping[str, Any] | None,
        missing: str | None,
        message: str,
    ) -> None:
        self._gaps.append(_Gap(manifest, position, obj, missing, message))

    def _check_pod(
        self, manifest: Manifest, position: tuple[int, int | None], pod: Mapping[str, Any]
    ) -> None:
        status = pod.get("status")
        if not isinstance(status, dict) or not status:
            message = (
                f"{_OBJECT} has no status: its phase and container states are unknown, so only "
                "its spec and events are read (kubectl get pod -o yaml includes the status)"
            )
            self._gap(manifest, position, pod, "status", message)
        spec = pod.get("spec")
        if not isinstance(spec, dict) or not spec.get("containers"):
            message = (
                f"{_OBJECT} has no spec.containers: the images, resources and probes of its "
                "containers are unknown"
            )
            self._gap(manifest, position, pod, "spec.containers", message)

    def _check_event(
        self, manifest: Manifest, position: tuple[int, int | None], event: dict[str, Any]
    ) -> None:
        involved = event.get("involvedObject") or event.get("regarding")
        if not isinstance(involved, dict):
            message = f"{_OBJECT} has no involvedObject: it cannot be tied to what it is about"
            self._gap(manifest, position, event, "involvedObject", message)
        elif not involved.get("namespace") and lacks_involved_namespace(event):
            self._vague_events.append(_Kept(manifest, position, event))

    def finish(
        self, objects: list[dict[str, Any]], listed: set[tuple[str, str]]
    ) -> tuple[ScanWarning, ...]:
        """Give every object read without a namespace one, and word every warning.

        A list whose items had no namespace counts as complete in the namespaces they get.
        """
        placements = place_all((kept.obj for kept in self._unplaced), objects)
        for kept, placement in zip(self._unplaced, placements, strict=True):
            message = (
                f'{_OBJECT} has no metadata.namespace; taken as "{placement.namespace}", '
                f"{placement.reason}"
            )
            self._gap(kept.manifest, kept.position, kept.obj, "metadata.namespace", message)
            kind = str(kept.obj.get("kind"))
            if (kind, "") in listed:
                listed.add((kind, placement.namespace))
        listed.difference_update({(str(kept.obj.get("kind")), "") for kept in self._unplaced})
        for kept in self._vague_events:
            namespace = name_involved(kept.obj)
            message = (
                f"{_OBJECT} does not name the namespace of what it is about; taken as "
                f'"{namespace}", the Event\'s own, since events are stored there'
            )
            about = "involvedObject" if "involvedObject" in kept.obj else "regarding"
            self._gap(kept.manifest, kept.position, kept.obj, f"{about}.namespace", message)
        return tuple(self._warnings())

    def _warnings(self) -> Iterator[ScanWarning]:
        """Every warning, file by file in reading order, by line within a file."""
        by_file: dict[str, list[_Gap]] = {}
        for gap in self._gaps:
            by_file.setdefault(str(gap.manifest.path), []).append(gap)
        for file, gaps in by_file.items():
            lines = gaps[0].manifest.lines([gap.position for gap in gaps])
            ranked = sorted(range(len(gaps)), key=lambda i: (lines[i] or 0, i))
            for index in ranked:
                gap = gaps[index]
                ref = _ref(gap.obj) if gap.obj is not None else None
                message = gap.message
                if gap.obj is not None:
                    message = message.replace(_OBJECT, _describe(gap.obj))
                yield ScanWarning(message, file, lines[index], ref, gap.missing)

    def nothing_read(self, paths: str) -> InputError:
        """The error for an input that holds no Kubernetes object: the first thing that is
        not one, with its file and line, else the input named as empty."""
        if not self._gaps:
            return InputError(
                "no Kubernetes objects found: the input is empty, or holds only empty lists",
                path=paths,
                hint=_SAVE_HINT,
            )
        first = self._gaps[0]
        [line] = first.manifest.lines([first.position])
        others = len(self._gaps) - 1
        more = f" (and {others} more that cannot be read)" if others else ""
        return InputError(
            f"no Kubernetes objects found: {first.message.removesuffix('; skipped')}{more}",
            path=str(first.manifest.path),
            line=line,
            hint=_SAVE_HINT,
        )


def _ref(obj: Mapping[str, Any]) -> ObjectRef:
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    return ObjectRef(
        str(obj.get("kind") or ""), str(meta.get("name") or ""), str(meta.get("namespace") or "")
    )


def _describe(obj: Mapping[str, Any]) -> str:
    """``Pod shop/web-1``; ``Event BackOff about Pod shop/web-1`` for an Event without a name."""
    ref = _ref(obj)
    if ref.name:
        return str(ref)
    if ref.kind == "Event":
        involved = obj.get("involvedObject") or obj.get("regarding")
        reason = f"Event {obj.get('reason') or ''}".rstrip()
        if not isinstance(involved, dict) or not involved.get("name"):
            return reason
        return f"{reason} about {_ref({'kind': involved.get('kind'), 'metadata': involved})}"
    return f"a {ref.kind} in namespace {ref.namespace}" if ref.namespace else f"a {ref.kind}"
