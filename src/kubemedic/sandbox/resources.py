"""Every kind the sandbox serves, with the names discovery and URL routing need.

One table drives the store (which kinds exist, which are namespaced), the server's URL routing
(group, version, plural, subresources) and the discovery documents kubectl caches, so a kind
added here is served everywhere at once.
"""

from __future__ import annotations

from dataclasses import dataclass

STANDARD_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
READ_VERBS = ("get", "list")


@dataclass(frozen=True, slots=True)
class ResourceType:
    """One API resource: a kind and where it lives in the API."""

    kind: str
    group: str
    version: str
    plural: str
    singular: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = STANDARD_VERBS
    stored: bool = True  # False for kinds computed on request (metrics.k8s.io)
    converted: bool = False  # served by converting to and from the kind's stored version

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_resource(self) -> str:
        """``deployments.apps`` / ``pods``: how API messages name the resource."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def has_status(self) -> bool:
        return "status" in self.subresources


def _r(
    kind: str,
    group: str,
    version: str,
    plural: str,
    *,
    namespaced: bool = True,
    short: tuple[str, ...] = (),
    sub: tuple[str, ...] = (),
    all_category: bool = False,
    verbs: tuple[str, ...] = STANDARD_VERBS,
    stored: bool = True,
    converted: bool = False,
) -> ResourceType:
    return ResourceType(
        kind=kind,
        group=group,
        version=version,
        plural=plural,
        singular=kind.lower(),
        namespaced=namespaced,
        short_names=short,
        subresources=sub,
        categories=("all",) if all_category else (),
        verbs=verbs,
        stored=stored,
        converted=converted,
    )


_STATUS = ("status",)
_SCALABLE = ("scale", "status")

RESOURCES: tuple[ResourceType, ...] = (
    _r("Namespace", "", "v1", "namespaces", namespaced=False, short=("ns",), sub=_STATUS),
    _r("Node", "", "v1", "nodes", namespaced=False, short=("no",), sub=_STATUS),
    _r(
        "Pod",
        "",
        "v1",
        "pods",
        short=("po",),
        sub=("attach", "eviction", "exec", "log", "status"),
        all_category=True,
    ),
    _r("Event", "", "v1", "events", short=("ev",)),
    _r("Service", "", "v1", "services", short=("svc",), sub=_STATUS, all_category=True),
    _r("Endpoints", "", "v1", "endpoints", short=("ep",)),
    _r("ConfigMap", "", "v1", "configmaps", short=("cm",)),
    _r("Secret", "", "v1", "secrets"),
    _r("ServiceAccount", "", "v1", "serviceaccounts", short=("sa",), sub=("token",)),
    _r("PersistentVolumeClaim", "", "v1", "persistentvolumeclaims", short=("pvc",), sub=_STATUS),
    _r(
        "PersistentVolume",
        "",
        "v1",
        "persistentvolumes",
        namespaced=False,
        short=("pv",),
        sub=_STATUS,
    ),
    _r("ResourceQuota", "", "v1", "resourcequotas", short=("quota",), sub=_STATUS),
    _r("LimitRange", "", "v1", "limitranges", short=("limits",)),
    _r(
        "Deployment",
        "apps",
        "v1",
        "deployments",
        short=("deploy",),
        sub=_SCALABLE,
        all_category=True,
    ),
    _r("ReplicaSet", "apps", "v1", "replicasets", short=("rs",), sub=_SCALABLE, all_category=True),
    _r(
        "StatefulSet",
        "apps",
        "v1",
        "statefulsets",
        short=("sts",),
        sub=_SCALABLE,
        all_category=True,
    ),
    _r("DaemonSet", "apps", "v1", "daemonsets", short=("ds",), sub=_STATUS, all_category=True),
    _r("ControllerRevision", "apps", "v1", "controllerrevisions"),
    _r("Job", "batch", "v1", "jobs", sub=_STATUS, all_category=True),
    _r("CronJob", "batch", "v1", "cronjobs", short=("cj",), sub=_STATUS, all_category=True),
    _r(
        "HorizontalPodAutoscaler",
        "autoscaling",
        "v2",
        "horizontalpodautoscalers",
        short=("hpa",),
        sub=_STATUS,
        all_category=True,
    ),
    _r(
        "HorizontalPodAutoscaler",
        "autoscaling",
        "v1",
        "horizontalpodautoscalers",
        short=("hpa",),
        sub=_STATUS,
        all_category=True,
        converted=True,
    ),
    _r("NetworkPolicy", "networking.k8s.io", "v1", "networkpolicies", short=("netpol",)),
    _r("Ingress", "networking.k8s.io", "v1", "ingresses", short=("ing",), sub=_STATUS),
    _r("IngressClass", "networking.k8s.io", "v1", "ingressclasses", namespaced=False),
    _r("Role", "rbac.authorization.k8s.io", "v1", "roles"),
    _r("RoleBinding", "rbac.authorization.k8s.io", "v1", "rolebindings"),
    _r("ClusterRole", "rbac.authorization.k8s.io", "v1", "clusterroles", namespaced=False),
    _r(
        "ClusterRoleBinding",
        "rbac.authorization.k8s.io",
        "v1",
        "clusterrolebindings",
        namespaced=False,
    ),
    _r("PodDisruptionBudget", "policy", "v1", "poddisruptionbudgets", short=("pdb",), sub=_STATUS),
    _r("StorageClass", "storage.k8s.io", "v1", "storageclasses", namespaced=False, short=("sc",)),
    _r(
        "PriorityClass",
        "scheduling.k8s.io",
        "v1",
        "priorityclasses",
        namespaced=False,
        short=("pc",),
    ),
    _r("Lease", "coordination.k8s.io", "v1", "leases"),
    _r("PodMetrics", "metrics.k8s.io", "v1beta1", "pods", verbs=READ_VERBS, stored=False),
    _r(
        "NodeMetrics",
        "metrics.k8s.io",
        "v1beta1",
        "nodes",
        namespaced=False,
        verbs=READ_VERBS,
        stored=False,
    ),
)

KINDS: dict[str, ResourceType] = {r.kind: r for r in RESOURCES if not r.converted}
_BY_PATH: dict[tuple[str, str, str], ResourceType] = {
    (r.group, r.version, r.plural): r for r in RESOURCES
}


def resource_for(group: str, version: str, plural: str) -> ResourceType | None:
    """The resource served at ``/apis/<group>/<version>/<plural>`` (group "" for /api/v1)."""
    return _BY_PATH.get((group, version, plural))


def group_versions() -> list[tuple[str, str]]:
    """Every (group, version) served, core first, in registration order."""
    seen: dict[tuple[str, str], None] = {}
    for resource in RESOURCES:
        seen.setdefault((resource.group, resource.version), None)
    return list(seen)


def kind_for(alias: str) -> str | None:
    """The kind kubectl means by ``alias``: ``deploy``, ``deployments.apps``, ``Deployment``."""
    wanted = alias.strip().lower()
    if "." in wanted:
        wanted = wanted.split(".", 1)[0]
    for resource in RESOURCES:
        if not resource.stored:
            continue
        names = {resource.kind.lower(), resource.plural, resource.singular, *resource.short_names}
        if wanted in names:
            return resource.kind
    return None
