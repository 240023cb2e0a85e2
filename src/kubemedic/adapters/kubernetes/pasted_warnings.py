"""What pasted kubectl text leaves unknown, said as warnings.

A description never prints some fields of each kind, a pods table never names the container
its word is about (nor, without its log, why), and a cut description or events table leaves
out what only its head would show. The reader goes on with what the text shows; these
warnings tell the user what the diagnosis could not see, and which command would show it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kubemedic.adapters.kubernetes.describe import EVENTS_ALONE, kind_of
from kubemedic.adapters.kubernetes.describe_meta import events_of
from kubemedic.adapters.kubernetes.describe_text import Field
from kubemedic.adapters.kubernetes.tables import PodRow
from kubemedic.models.findings import ObjectRef
from kubemedic.models.scan_warning import ScanWarning
from kubemedic.models.table_status import CRASH_WORDS

UNSHOWN = {
    "Pod": "creation time, securityContext, imagePullSecrets, container port names, "
    "condition times",
    "Deployment": "progressDeadlineSeconds, condition messages, its ReplicaSets",
    "Node": "node lease",
    "PersistentVolumeClaim": "requested size",
    "HorizontalPodAutoscaler": "condition times, the target's apiVersion, scaling behavior",
    "CronJob": "time zone, the job template's deadlines and backoff limit",
}
"""What describe never prints of each kind, and stays unknown."""
_EXCERPT_UNSHOWN = {
    "CronJob": "its schedule, suspension, last schedule time and active jobs",
    "HorizontalPodAutoscaler": "its target, metrics, replica bounds and conditions",
}
"""What the head of a description would show, when only its events were pasted."""


def describe_warnings(path: Path, docs: list[Field]) -> Iterable[ScanWarning]:
    """Descriptions of kinds not read, events without a usable age, and what each kind's
    description never shows."""
    kinds: dict[str, int] = {}
    for doc in docs:
        kind = kind_of(doc)
        name = doc.text("Name")
        line = doc.children[0].line if doc.children else None
        if not kind:
            yield ScanWarning(
                f"kubectl describe of {name!r} is not of a kind kubemedic reads (Pod, "
                "Deployment, Node, PersistentVolumeClaim, HorizontalPodAutoscaler, CronJob): "
                "skipped",
                file=str(path),
                line=line,
            )
            continue
        kinds[kind] = kinds.get(kind, 0) + 1
        undated = sum(1 for row in events_of(doc) if row.last is None and row.first is None)
        if undated:
            namespace = "" if kind == "Node" else doc.text("Namespace") or "default"
            yield ScanWarning(
                f"{undated} event(s) show no usable age (<invalid> or <unknown>): when they "
                "happened is unknown",
                file=str(path),
                line=line,
                object=ObjectRef(kind, name, namespace),
                field="Events",
            )
    for kind, count in kinds.items():
        yield ScanWarning(
            f"{count} {kind}(s) read from kubectl describe text, which does not show "
            f"{UNSHOWN[kind]}: unknown",
            file=str(path),
        )


def excerpt_warning(path: Path, doc: Field, kind: str, ref: ObjectRef) -> ScanWarning:
    """Only the events of an object's description were pasted, under the command naming it."""
    unknown = (
        f"{_EXCERPT_UNSHOWN[kind]} are unknown"
        if kind in EVENTS_ALONE
        else f"they are read as events about it, and the {kind} itself as not shown"
    )
    return ScanWarning(
        f"only the events of {kind} {ref.name}'s kubectl describe output were pasted: {unknown}",
        file=str(path),
        line=doc.children[0].line if doc.children else None,
        object=ref,
    )


def table_warnings(path: Path, rows: Iterable[tuple[PodRow, str]]) -> Iterable[ScanWarning]:
    """What each pods-table row with a container's word leaves unknown; each row comes with
    the name the paste gives its container ("" when none: see ``pasted``)."""
    for row, name in rows:
        if not row.container_level:
            continue
        if row.containers == 1 and row.status in CRASH_WORDS:
            which = (
                f"of its one container, {name} (named by the pasted `kubectl logs -c {name}`),"
                if name
                else "of its one container, but not its name,"
            )
            why = "" if row.status == "OOMKilled" else "; why it fails only its log can say"
            said = (
                f"a pods table shows {row.status} {which} nor its image, command, limits or "
                f"mounts{why}: kubectl describe the pod to see them"
            )
        else:
            said = (
                f"a pods table shows {row.status} but not which container, nor why: "
                "kubectl describe the pod for a diagnosis"
            )
        yield ScanWarning(
            said,
            file=str(path),
            line=row.line,
            object=ObjectRef("Pod", row.name, row.namespace),
        )


def unplaced_events(path: Path, events: Iterable[dict[str, Any]]) -> Iterable[ScanWarning]:
    """Events of a table about objects in a namespace nothing in the paste tells (no
    ``NAMESPACE`` column, no ``-n``, the object not shown elsewhere): kubectl printed the
    namespace of its context, which the paste does not name; it stays unknown."""
    unplaced = {
        (involved["kind"], involved["name"])
        for event in events
        if not (involved := event["involvedObject"])["namespace"] and involved["kind"] != "Node"
    }
    for kind, name in sorted(unplaced):
        yield ScanWarning(
            f"events about {kind.lower()}/{name} show no namespace, nor does anything else in "
            "the paste (kubectl printed those of its context): its namespace is unknown; "
            "paste the command line with its -n",
            file=str(path),
            object=ObjectRef(kind, name, ""),
        )
