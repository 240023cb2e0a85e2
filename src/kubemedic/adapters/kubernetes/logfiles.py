"""Find which pod and container each log file of an offline snapshot belongs to.

Accepted layouts, tried in this order for every ``*.log`` or ``logs.txt`` file:

* a file of ``==== START logs for container C of pod NS/P ====`` sections, as written by
  ``kubectl cluster-info dump`` (``<ns>/<pod>/logs.txt``): each section is keyed by its marker;
* ``<pod>.log`` anywhere, or ``<pod>/<container>.log`` / ``<pod>/logs.txt``;
* ``logs.txt`` or ``<container>.log`` next to the manifest of a single pod;
* what a pasted ``kubectl logs POD [-c C] [-p]`` printed (``pasted``), for that pod.

A ``-previous`` (or ``.previous``) suffix on the file name marks the log of the previous
container instance, like ``kubectl logs --previous``. Only the last lines are kept, and dump
logs of pods with no crashed container are not read at all: they cannot explain a failure, and
a large dump has thousands of them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kubemedic.adapters.kubernetes.log_notes import workload_pods
from kubemedic.adapters.kubernetes.logs import (
    DUMP_START,
    MAX_LOG_BYTES,
    dump_sections,
    tail,
    wanted_logs,
)
from kubemedic.adapters.kubernetes.manifests import unreadable
from kubemedic.errors import InputError
from kubemedic.models.scan_warning import ScanWarning

if TYPE_CHECKING:
    from kubemedic.adapters.kubernetes.pasted import PastedLog
from kubemedic.models.cluster import LogKey, LogTail
from kubemedic.models.k8s import Pod

_PREVIOUS_SUFFIXES = ("-previous", ".previous")


@dataclass(slots=True)
class PodIndex:
    """The pods loaded so far, by name and by the directory of the file they came from.

    Kept as the parsed objects: a dump of 100,000 pods with three logs wraps three of them.
    """

    by_name: dict[str, list[Mapping[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    by_dir: dict[Path, list[Mapping[str, Any]]] = field(default_factory=lambda: defaultdict(list))

    def add_all(self, objects: Iterable[Mapping[str, Any]], directory: Path) -> None:
        """Index the pods among ``objects`` (checked objects, named), all read from one file."""
        pods = [obj for obj in objects if obj["kind"] == "Pod"]
        if not pods:
            return
        by_name = self.by_name
        for pod in pods:
            by_name[pod["metadata"]["name"]].append(pod)
        self.by_dir[directory].extend(pods)

    def named(self, name: str, file: Path) -> Pod | None:
        """The pod called ``name``; a parent directory named like its namespace settles ties."""
        candidates = [Pod(raw) for raw in self.by_name.get(name, ())]
        if len(candidates) > 1:
            parents = {p.name for p in file.parents}
            candidates = [pod for pod in candidates if pod.namespace in parents]
        return candidates[0] if len(candidates) == 1 else None

    def only_pod_in(self, directory: Path) -> Pod | None:
        pods = self.by_dir.get(directory, [])
        return Pod(pods[0]) if len(pods) == 1 else None


@dataclass(frozen=True, slots=True)
class LogFile:
    path: Path
    explicit: bool
    """Given by the user directly rather than found in a directory: it must be attributable."""


def read_logs(
    files: Iterable[LogFile], pods: PodIndex, pasted: Iterable[PastedLog] = ()
) -> tuple[Mapping[LogKey, tuple[LogTail, ...]], tuple[ScanWarning, ...]]:
    """Every log tail the files and pasted ``kubectl logs`` output hold, keyed by namespace,
    pod and container; a warning for each pasted log whose pod cannot be told."""
    found: dict[LogKey, list[LogTail]] = defaultdict(list)
    for file in files:
        for key, log in _tails(file, pods):
            found[key].append(log)
    warnings = []
    for given in pasted:
        pod, said = _pasted_pod(given, pods)
        warnings += [ScanWarning(text, file=str(given.path), line=given.line) for text in said]
        namespace = given.namespace or _namespace_of(pod, pods) if pod else ""
        if pod and not namespace:
            warnings.append(
                ScanWarning(
                    f"`kubectl logs {pod}` was pasted, but the input holds no pod of that "
                    "name (or several): its log is not read; paste the pod's description too, "
                    "or name its namespace with -n",
                    file=str(given.path),
                    line=given.line,
                )
            )
        if not namespace:
            continue
        source = f"{given.path}:{given.line}"
        found[LogKey(namespace, pod, given.container)].append(
            LogTail(given.lines, given.previous, source)
        )
    return {key: tuple(tails) for key, tails in found.items()}, tuple(warnings)


def _pasted_pod(given: PastedLog, pods: PodIndex) -> tuple[str, list[str]]:
    """The pod a pasted log is of, and what to tell the user about how it was told."""
    if given.pod:
        return given.pod, []
    if given.asked.startswith("-l "):
        return "", [
            f"`kubectl logs {given.asked}` prints the logs of every pod the selector matches, one "
            "after another, and does not say which line is whose: its log is not read (paste "
            "`kubectl logs POD` of one pod)"
        ]
    names = [
        name
        for name in workload_pods(given.asked, pods.by_name)
        if not given.namespace or _namespace_of(name, pods) == given.namespace
    ]
    unnamed = (
        f"`kubectl logs {given.asked}` was pasted without the line where kubectl names the pod "
        "it read (`Found N pods, using pod/...`)"
    )
    if len(names) == 1:
        return names[0], [
            f"{unnamed}: read as the log of {names[0]}, the only pod of {given.asked} in the "
            "input (kubectl names none when there is one)"
        ]
    among = f"; it is one of {', '.join(names)}" if names else ""
    return "", [f"{unnamed}: which pod printed it is unknown{among}: its log is not read"]


def _namespace_of(name: str, pods: PodIndex) -> str:
    """The namespace of the one pod of this name in the input, else ""."""
    namespaces = {Pod(raw).namespace for raw in pods.by_name.get(name, ())}
    return namespaces.pop() if len(namespaces) == 1 else ""


def _tails(file: LogFile, pods: PodIndex) -> Iterator[tuple[LogKey, LogTail]]:
    dump_pod = _dump_pod(file.path, pods)
    if dump_pod is not None and not wanted_logs(dump_pod):
        return
    path = file.path
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            first = handle.readline()
            if first.startswith(DUMP_START):
                for section in dump_sections(_chain(first, handle)):
                    where = LogKey(section.namespace, section.pod, section.container)
                    yield where, LogTail(section.lines, False, str(path))
                return
    except OSError as exc:
        raise unreadable(path, exc) from exc
    key = _owner(path, pods)
    if key is None:
        if file.explicit:
            raise InputError(
                "cannot tell which pod this log belongs to",
                path=str(path),
                hint="name it <pod>.log or <pod>/<container>.log, "
                "or put it next to the manifest of a single pod",
            )
        return
    yield key, LogTail(_read_tail(path), _is_previous(path) or None, str(path))


def _chain(first: str, rest: Iterable[str]) -> Iterator[str]:
    yield first
    yield from rest


def _dump_pod(path: Path, pods: PodIndex) -> Pod | None:
    """The pod of a ``<namespace>/<pod>/logs.txt`` file, as ``cluster-info dump`` lays it out."""
    if path.name != "logs.txt":
        return None
    pod = pods.named(path.parent.name, path)
    return pod if pod is not None and pod.namespace == path.parent.parent.name else None


def _owner(path: Path, pods: PodIndex) -> LogKey | None:
    stem = _stem(path)
    pod = pods.named(stem, path)
    if pod is not None:
        return LogKey(pod.namespace, pod.name, "")
    pod = pods.named(path.parent.name, path) or pods.only_pod_in(path.parent)
    if pod is None:
        return None
    container = stem if pod.container(stem) is not None else ""
    return LogKey(pod.namespace, pod.name, container)


def _stem(path: Path) -> str:
    stem = path.stem
    for suffix in _PREVIOUS_SUFFIXES:
        if stem.endswith(suffix):
            return stem[: -len(suffix)]
    return stem


def _is_previous(path: Path) -> bool:
    return path.stem.endswith(_PREVIOUS_SUFFIXES)


def _read_tail(path: Path) -> tuple[str, ...]:
    """The last lines of a file, reading no more than :data:`MAX_LOG_BYTES` from its end."""
    try:
        with path.open("rb") as handle:
            size = handle.seek(0, 2)
            handle.seek(max(0, size - MAX_LOG_BYTES))
            data = handle.read()
    except OSError as exc:
        raise unreadable(path, exc) from exc
    lines = data.decode("utf-8", errors="replace").splitlines()
    if size > MAX_LOG_BYTES and lines:
        lines = lines[1:]  # the first line was cut by the byte limit
    return tail(lines)
