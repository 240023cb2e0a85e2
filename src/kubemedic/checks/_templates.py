"""The pod templates the audit judges: one per top-level workload, whatever the source.

A live view holds a Deployment, its ReplicaSets and their pods; manifests hold the Deployment
alone. Judging the top-level owner's template once gives the same findings for both and one
finding per workload, not per replica. A pod or ReplicaSet whose owner is not in the view (not
listed, or a bare pod) is judged itself. Field paths name the workload's own fields
(``spec.template.spec.containers[app].securityContext``) so a finding points where to edit.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import ObjectRef
from kubemedic.models.k8s import ContainerSpec, KObject

WORKLOAD_KINDS = (
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "CronJob",
    "Job",
    "Pod",
)
_TEMPLATE_PATHS: Mapping[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
_DEFAULT_PATH = ("spec", "template", "spec")
_PATCHABLE = frozenset({"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "CronJob"})
_RUN_TO_COMPLETION = frozenset({"Job", "CronJob"})
_EMPTY: Mapping[str, Any] = {}


@dataclass(frozen=True, slots=True)
class Container:
    """A container of a template, with the path of its entry (``...containers[app]``)."""

    spec: ContainerSpec
    path: str
    group: str
    """``containers``, ``initContainers`` or ``ephemeralContainers``."""

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def security_context(self) -> Mapping[str, Any]:
        return self.spec.security_context


@dataclass(frozen=True, slots=True)
class Template:
    """A workload's pod spec, its pod labels and annotations, and where the spec sits."""

    workload: ObjectRef
    spec: Mapping[str, Any]
    path: tuple[str, ...]
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    annotations_path: str

    @property
    def prefix(self) -> str:
        return ".".join(self.path)

    def field(self, *parts: str) -> str:
        return ".".join((*self.path, *parts))

    @property
    def containers(self) -> tuple[Container, ...]:
        """Every container: init containers, containers, then ephemeral ones."""
        found = []
        for group, is_init in (
            ("initContainers", True),
            ("containers", False),
            ("ephemeralContainers", False),
        ):
            entries = self.spec.get(group)
            for entry in entries if isinstance(entries, list) else ():
                if isinstance(entry, Mapping):
                    spec = ContainerSpec(entry, is_init=is_init)
                    found.append(Container(spec, self.field(f"{group}[{spec.name}]"), group))
        return tuple(found)

    @property
    def app_containers(self) -> tuple[Container, ...]:
        """The containers that run the application (``spec.containers``)."""
        return tuple(c for c in self.containers if c.group == "containers")

    @property
    def long_running(self) -> bool:
        """Serves for as long as it lives (not a Job, CronJob or run-to-completion pod)."""
        if self.workload.kind in _RUN_TO_COMPLETION:
            return False
        return self.workload.kind != "Pod" or self.spec.get("restartPolicy", "Always") == "Always"

    @property
    def service_account(self) -> str:
        name = self.spec.get("serviceAccountName") or self.spec.get("serviceAccount")
        return name if isinstance(name, str) and name else "default"

    def mounts_token(self, service_account: KObject | None) -> bool:
        """Whether pods get an API token: the pod's setting, else the ServiceAccount's, else yes."""
        own = self.spec.get("automountServiceAccountToken")
        if isinstance(own, bool):
            return own
        inherited = (
            service_account.raw.get("automountServiceAccountToken") if service_account else None
        )
        return inherited if isinstance(inherited, bool) else True

    @property
    def patchable(self) -> bool:
        """``kubectl patch`` changes the template in place (bare Pods and Jobs are recreated)."""
        return self.workload.kind in _PATCHABLE

    def patch(self, pod_spec: Mapping[str, Any], summary: str) -> tuple[tuple[str, ...], str]:
        """The commands and YAML fragment that apply ``pod_spec`` (strategic merge: lists of
        containers, env, volumes merge by name) to this workload's template."""
        body: Any = pod_spec
        for key in reversed(self.path):
            body = {key: body}
        fragment = yaml.safe_dump(body, sort_keys=False, default_flow_style=False)
        if not self.patchable:
            manifest = f"the manifest of {self.workload}"
            return (
                (f"# {summary}: edit {manifest} as shown, then delete and re-create it",),
                fragment,
            )
        payload = json.dumps(body, separators=(",", ":"))
        command = (
            f"kubectl patch {self.workload.kubectl_ref} --type strategic -p {shlex.quote(payload)}"
        )
        return ((command,), fragment)

    def container_patch(
        self, container: Container, fields: Mapping[str, Any], summary: str
    ) -> tuple[tuple[str, ...], str]:
        """``patch`` setting ``fields`` on one container."""
        return self.patch({container.group: [{"name": container.name, **fields}]}, summary)


def templates(view: ClusterView) -> tuple[Template, ...]:
    """Every top-level workload's template in the view (computed once per view)."""
    return view.derived(_collect)


def _collect(view: ClusterView) -> tuple[Template, ...]:
    found: dict[ObjectRef, Template] = {}
    for kind in WORKLOAD_KINDS:
        for obj in view.objects(kind):
            if obj.controller is not None and view.owner(obj) is not None:
                continue  # its owner's template is judged instead
            ref = view.workload_of(obj) if kind == "Pod" else obj.ref
            if ref not in found:
                template = _template(obj, ref)
                if template is not None:
                    found[ref] = template
    return tuple(found[ref] for ref in sorted(found))


def _template(obj: KObject, ref: ObjectRef) -> Template | None:
    path = _TEMPLATE_PATHS.get(obj.kind, _DEFAULT_PATH)
    spec = _dig(obj.raw, path)
    if spec is None:
        return None
    meta_path = (*path[:-1], "metadata")
    metadata = _dig(obj.raw, meta_path) or _EMPTY
    labels = metadata.get("labels")
    annotations = metadata.get("annotations")
    return Template(
        workload=ref,
        spec=spec,
        path=path,
        labels=labels if isinstance(labels, Mapping) else _EMPTY,
        annotations=annotations if isinstance(annotations, Mapping) else _EMPTY,
        annotations_path=".".join((*meta_path, "annotations")),
    )


def _dig(raw: Mapping[str, Any], path: Sequence[str]) -> Mapping[str, Any] | None:
    node: Any = raw
    for key in path:
        node = node.get(key) if isinstance(node, Mapping) else None
    return node if isinstance(node, Mapping) else None


def in_namespace(view: ClusterView, namespace: str) -> tuple[Template, ...]:
    return tuple(t for t in templates(view) if t.workload.namespace == namespace)
