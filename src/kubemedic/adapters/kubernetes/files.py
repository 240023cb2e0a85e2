"""Offline source: cluster state from YAML/JSON files, directories and cluster-info dumps.

Accepts single files (multi-document YAML, ``List``/``*List`` objects as ``kubectl get -o
yaml|json`` writes them), directories (recursively) and the ``kubectl cluster-info dump
--output-directory`` layout, plus container logs next to them (see ``logfiles``). A list, typed
or plain, is taken as everything of its items' kinds in its items' namespaces, which is what
``kubectl get pods`` or ``kubectl get svc,pods -n shop`` prints; that is what lets analyzers say
an object is absent (``kubectl get pod a b`` prints a List too: users are told to save whole
lists). The view is dated by the latest moment recorded in the data, so the same
files always give the same diagnosis. An object missing a field the diagnosis can do without
is read with a warning (see ``lenient``); a file that cannot be parsed, or an input holding no
Kubernetes object at all, stops the load with an InputError naming the file and line. The view
can tell the file and line each object was read from (``ClusterView.location``), for outputs
that point into the files, such as the security audit's SARIF.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kubemedic._internal.gcpause import paused_gc
from kubemedic._internal.timeutils import parse_time
from kubemedic.adapters.kubernetes.api import is_cluster_scoped
from kubemedic.adapters.kubernetes.lenient import Gaps
from kubemedic.adapters.kubernetes.logfiles import LogFile, PodIndex, read_logs
from kubemedic.adapters.kubernetes.manifests import Manifest, parse
from kubemedic.adapters.kubernetes.objects import list_items, normalize, record_moments
from kubemedic.adapters.kubernetes.pasted import PastedObjects, PastedText
from kubemedic.errors import InputError
from kubemedic.models.cluster import ClusterView, SourceLocation
from kubemedic.models.k8s import Raw
from kubemedic.models.scan_warning import ScanWarning

MANIFEST_SUFFIXES = frozenset({".yaml", ".yml", ".json"})
LOG_SUFFIXES = frozenset({".log"})
LOG_NAMES = frozenset({"logs.txt"})

_DUMP_LISTS = frozenset(
    {
        "events",
        "pods",
        "services",
        "deployments",
        "replicasets",
        "daemonsets",
        "replicationcontrollers",
        "replication-controllers",
    }
)
"""Per-namespace files of ``kubectl cluster-info dump --output-directory``."""

_UNDATED = (
    "the files record no time (no creation, status or event time): ages cannot be judged, "
    "so every event is taken as current"
)


def load_files(paths: Iterable[Path], *, locations: bool = False) -> ClusterView:
    """Read every manifest and log under ``paths`` into one view.

    With ``locations`` the view can say in which file and line each object was read (an audit
    names them); without, nothing is kept per object for it (a diagnosis of a large dump).

    The cyclic collector is paused meanwhile (see ``paused_gc``): a dump is millions of
    small acyclic dicts, and collections triggered by their allocation find nothing to free.
    """
    paths = tuple(paths)
    named = ", ".join(str(p) for p in paths)
    with paused_gc():
        snapshot = _Snapshot(origins=_Origins() if locations else None)
        for path in paths:
            snapshot.add_path(path)
        pasted = snapshot.add_pasted()
        if not snapshot.manifests_seen:
            if pasted.logs:
                raise InputError(
                    "only kubectl logs output was found: a log is read with its pod",
                    path=named,
                    hint="add the pod's YAML (kubectl get pod NAME -o yaml) or its "
                    "kubectl describe pod output",
                )
            skipped = list(dict.fromkeys(str(w) for w in pasted.warnings if w.line))
            if skipped:  # kubectl output was found, but nothing in it could be read
                raise InputError(
                    "no Kubernetes object could be read: " + "; ".join(skipped[:3]), path=named
                )
            raise InputError(
                "no Kubernetes manifests found (looked for .yaml, .yml and .json files)",
                path=named,
            )
        if not snapshot.objects and not snapshot.listed:
            raise snapshot.gaps.nothing_read(named)
        warnings = snapshot.gaps.finish(snapshot.objects, snapshot.listed) + pasted.warnings
        logs, unread = read_logs(snapshot.log_files, snapshot.pods, pasted.logs)
        warnings += unread
        observed_at = _latest_time(snapshot.moments)
        if observed_at is None:
            observed_at = datetime.now(tz=UTC)
            warnings += (ScanWarning(_UNDATED),)
        return ClusterView(
            snapshot.objects,
            observed_at=observed_at,
            source="files: " + named,
            listed=snapshot.listed,
            logs=logs,
            warnings=warnings,
            locate=snapshot.origins.locate if snapshot.origins else None,
        )


@dataclass(slots=True)
class _Origins:
    """Where each object was read; lines are found on the first question about a file (one
    compose of it at most, none for YAML read piece by piece), so a diagnosis pays nothing."""

    _places: dict[int, tuple[Manifest, tuple[int, int | None]]] = field(default_factory=dict)
    _lines: dict[int, int | None] = field(default_factory=dict)

    def add(
        self, obj: dict[str, Any], manifest: Manifest, position: tuple[int, int | None]
    ) -> None:
        self._places[id(obj)] = (manifest, position)

    def locate(self, raw: Raw) -> SourceLocation | None:
        place = self._places.get(id(raw))
        if place is None:
            return None
        manifest = place[0]
        if id(raw) not in self._lines:
            keys = [key for key, (other, _) in self._places.items() if other is manifest]
            lines = manifest.lines([self._places[key][1] for key in keys])
            self._lines.update(zip(keys, lines, strict=True))
        return SourceLocation(str(manifest.path), self._lines[id(raw)])


@dataclass(slots=True)
class _Snapshot:
    """What has been read so far."""

    objects: list[dict[str, Any]] = field(default_factory=list)
    listed: set[tuple[str, str]] = field(default_factory=set)
    log_files: list[LogFile] = field(default_factory=list)
    pods: PodIndex = field(default_factory=PodIndex)
    moments: set[object] = field(default_factory=set)
    gaps: Gaps = field(default_factory=Gaps)
    manifests_seen: int = 0
    pasted: PastedText = field(default_factory=PastedText)
    origins: _Origins | None = None

    def add_path(self, path: Path) -> None:
        if not path.exists():
            raise InputError("no such file or directory", path=str(path))
        if path.is_dir():
            for file in _walk(path):
                self._add_file(file, explicit=False)
        else:
            self._add_file(path, explicit=True)

    def _add_file(self, file: Path, *, explicit: bool) -> None:
        if self.pasted.add(file):  # kubectl describe or table text, told by its content
            return
        suffix = file.suffix.lower()
        if file.name in LOG_NAMES or suffix in LOG_SUFFIXES or (explicit and suffix == ".txt"):
            self.log_files.append(LogFile(file, explicit))
        elif explicit or suffix in MANIFEST_SUFFIXES:
            self._add_manifest(parse(file), strict=explicit)

    def add_pasted(self) -> PastedObjects:
        """The objects of pasted kubectl text, dated once every file is read (``pasted``)."""
        found = self.pasted.build(default_time=_latest_time(self.moments))
        for directory, objects in found.objects:
            self.manifests_seen += 1
            for obj in objects:
                record_moments(obj, self.moments)
            self.objects.extend(objects)
            self.pods.add_all(objects, directory)
        self.moments.update(found.printed)
        self.listed.update((kind, "") for kind in found.complete)
        return found

    def _add_manifest(self, manifest: Manifest, *, strict: bool) -> None:
        if not strict and not any(map(_looks_like_object, manifest.documents)):
            return  # a YAML file of something else found in a directory: not ours to judge
        self.manifests_seen += 1
        hint = _dump_namespace(manifest.path)
        first = len(self.objects)
        for index, document in enumerate(manifest.documents):
            if document is not None:
                self._add_document(manifest, index, document, hint)
        self.pods.add_all(self.objects[first:], manifest.path.parent)

    def _add_document(
        self, manifest: Manifest, index: int, document: Any, namespace_hint: str | None
    ) -> None:
        loose = _loose_items(document)
        if loose is not None:  # objects, but no kubectl list saying they are all there is
            for position, item in enumerate(loose):
                self._add_item(manifest, index, position, item)
            return
        if not isinstance(document, dict):
            self.gaps.skip(manifest, index, None, document)
            return
        listing = list_items(document)
        if listing is None:
            self._add_object(manifest, index, None, document)
            return
        item_kind, items = listing
        api_version = document.get("apiVersion") if item_kind else ""
        if not isinstance(api_version, str):
            api_version = ""
        # A typed list names its kind even when empty; a plain List only through its items.
        namespaces: dict[str, set[str]] = {item_kind: set()} if item_kind else {}
        add_item = self._add_item
        for position, item in enumerate(items):
            added = add_item(manifest, index, position, item, item_kind, api_version)
            if added is None:
                continue
            kind, namespace = added
            seen = namespaces.get(kind)
            if seen is None:
                seen = namespaces[kind] = set()
            seen.add(namespace)
        for kind, seen in namespaces.items():
            self._mark_listed(kind, seen, namespace_hint)

    def _add_item(
        self,
        manifest: Manifest,
        index: int,
        position: int,
        item: Any,
        list_kind: str = "",
        list_api_version: str = "",
    ) -> tuple[str, str] | None:
        if isinstance(item, dict):
            return self._add_object(manifest, index, position, item, list_kind, list_api_version)
        self.gaps.skip(manifest, index, position, item)
        return None

    def _add_object(
        self,
        manifest: Manifest,
        index: int,
        item: int | None,
        obj: dict[str, Any],
        list_kind: str = "",
        list_api_version: str = "",
    ) -> tuple[str, str] | None:
        """Keep one object, with the kind and apiVersion its typed list gives it.

        Says its kind and namespace ("" until inferred), or None when it cannot be used.
        """
        record_moments(obj, self.moments)  # first: normalize drops managedFields and their times
        normalize(obj, list_kind, list_api_version)
        admitted = self.gaps.admit(manifest, index, item, obj)
        if admitted is not None:
            self.objects.append(obj)
            if self.origins is not None:
                self.origins.add(obj, manifest, (index, item))
        return admitted

    def _mark_listed(self, kind: str, namespaces: set[str], hint: str | None) -> None:
        if is_cluster_scoped(kind):
            self.listed.add((kind, ""))
            return
        for namespace in namespaces or ({hint} if hint else set()):
            self.listed.add((kind, namespace))


def _walk(root: Path) -> Iterator[Path]:
    """Files under a directory in a stable order, skipping hidden files and directories."""
    for file in sorted(root.rglob("*")):
        relative = file.relative_to(root).parts
        if file.is_file() and not any(part.startswith(".") for part in relative):
            yield file


def _looks_like_object(document: Any) -> bool:
    loose = _loose_items(document)
    if loose is not None:
        return any(map(_looks_like_object, loose))
    return isinstance(document, Mapping) and ("kind" in document or "apiVersion" in document)


def _loose_items(document: Any) -> list[Any] | None:
    """The objects of a bare array (``jq .items``) or of a list pasted without its header."""
    if isinstance(document, list):
        return document
    if isinstance(document, dict) and "kind" not in document:
        items = document.get("items")
        return items if isinstance(items, list) else None
    return None


def _dump_namespace(file: Path) -> str | None:
    """The namespace of ``<dump>/<namespace>/pods.json``: its directory, when beside nodes.*.

    Lets an empty ``PodList`` in a dump still say "this namespace has no pods".
    """
    if file.stem not in _DUMP_LISTS:
        return None
    root = file.parent.parent
    if any((root / f"nodes{suffix}").is_file() for suffix in (".json", ".yaml")):
        return file.parent.name
    return None


def _latest_time(moments: Iterable[object]) -> datetime | None:
    """The latest of the moments recorded in the data, if any is."""
    return max(filter(None, map(parse_time, moments)), default=None)
