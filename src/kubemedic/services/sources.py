"""Choose where the cluster view comes from: files given with --from-file, or a live cluster."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from kubemedic._internal.gcpause import paused_gc
from kubemedic.adapters.kubernetes.api import SCANNED, Resource
from kubemedic.adapters.kubernetes.files import load_files
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import ObjectRef


@dataclass(frozen=True, slots=True)
class SourceRequest:
    """What to scan and where from; built by the CLI (or web API) from its arguments."""

    files: tuple[Path, ...] = ()
    namespace: str | None = None
    all_namespaces: bool = False
    target: ObjectRef | None = None
    context: str | None = None
    kubeconfig: Path | None = None
    request_timeout: float = 10.0


def load_view(
    request: SourceRequest,
    *,
    resources: Sequence[Resource] = SCANNED,
    logs: bool = True,
    locations: bool = False,
) -> ClusterView:
    """Build the cluster view from files when any were given, else from the live cluster.

    ``resources`` and ``logs`` say what a live scan reads (files hold what they hold);
    ``locations`` keeps where each object of a file was read, for findings that name it.
    """
    with paused_gc():
        if request.files:
            return load_files(request.files, locations=locations)
        from kubemedic.adapters.kubernetes.live import load_live  # heavy: only when needed

        return load_live(
            namespace=request.namespace,
            all_namespaces=request.all_namespaces,
            target=request.target,
            context=request.context,
            kubeconfig=request.kubeconfig,
            timeout=request.request_timeout,
            resources=resources,
            logs=logs,
        )
