"""Offline source: cluster state from YAML/JSON files, directories and cluster-info dumps."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from kubemedic._internal.timeutils import parse_time
from kubemedic.errors import InputError
from kubemedic.models.cluster import ClusterView, LogKey, LogTail

_MANIFEST_SUFFIXES = {".yaml", ".yml", ".json"}
_SKIP_NAMES = {"expected.yaml"}


def load_files(paths: Iterable[Path]) -> ClusterView:
    """Read every manifest under ``paths`` into one view."""
    objects: list[Mapping[str, Any]] = []
    listed: set[tuple[str, str]] = set()
    logs: dict[LogKey, tuple[LogTail, ...]] = {}
    for path in paths:
        if not path.exists():
            raise InputError("no such file or directory", path=str(path))
        for file in _manifest_files(path):
            for doc in _documents(file):
                objects.extend(_flatten(doc, listed))
    pods = [o for o in objects if o.get("kind") == "Pod"]
    for path in paths:
        folder = path if path.is_dir() else path.parent
        logs.update(_single_pod_logs(folder, pods))
    return ClusterView(
        objects,
        observed_at=_latest_time(objects),
        source="files: " + ", ".join(str(p) for p in paths),
        listed=listed,
        logs=logs,
    )


def _manifest_files(path: Path) -> Iterator[Path]:
    if path.is_file():
        yield path
        return
    for file in sorted(path.rglob("*")):
        if file.is_file() and file.suffix in _MANIFEST_SUFFIXES and file.name not in _SKIP_NAMES:
            yield file


def _documents(file: Path) -> Iterator[Any]:
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read file: {exc}", path=str(file)) from exc
    try:
        yield from (d for d in yaml.load_all(text, Loader=yaml.CSafeLoader) if d is not None)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputError(f"not valid YAML or JSON: {problem}", path=str(file), line=line) from exc


def _flatten(doc: Any, listed: set[tuple[str, str]]) -> Iterator[Mapping[str, Any]]:
    if not isinstance(doc, Mapping):
        return
    kind = doc.get("kind")
    items = doc.get("items")
    if isinstance(kind, str) and kind.endswith("List") and isinstance(items, list):
        item_kind = kind[: -len("List")]
        namespaces: set[str] = set()
        for item in items:
            if isinstance(item, Mapping):
                item = dict(item)
                if item_kind != "" and "kind" not in item:
                    item["kind"] = item_kind
                namespaces.add(str((item.get("metadata") or {}).get("namespace") or ""))
                yield item
        if item_kind:
            for ns in namespaces or {""}:
                listed.add((item_kind, ns))
        return
    if isinstance(kind, str):
        yield doc


def _single_pod_logs(
    folder: Path, pods: list[Mapping[str, Any]]
) -> dict[LogKey, tuple[LogTail, ...]]:
    logs: dict[LogKey, tuple[LogTail, ...]] = {}
    log_files = sorted(folder.glob("*.log")) + sorted(folder.glob("logs.txt"))
    if len(pods) != 1 or not log_files:
        return logs
    meta = pods[0].get("metadata") or {}
    key = LogKey(str(meta.get("namespace") or ""), str(meta.get("name") or ""), "")
    tails = []
    for file in log_files:
        lines = file.read_text(encoding="utf-8", errors="replace").splitlines()
        tails.append(LogTail(tuple(lines[-200:]), None, str(file)))
    logs[key] = tuple(tails)
    return logs


def _latest_time(objects: list[Mapping[str, Any]]) -> datetime:
    latest: datetime | None = None
    for obj in objects:
        for value in (obj.get("lastTimestamp"), (obj.get("metadata") or {}).get("creationTimestamp")):
            parsed = parse_time(value)
            if parsed and (latest is None or parsed > latest):
                latest = parsed
    return latest or datetime.now(tz=UTC)
