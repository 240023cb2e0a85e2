"""The Kubernetes resources kubemedic reads and changes, and the requests it makes for them.

One table says where each kind is served and whether it is namespaced; the live source and the
writer build their URLs from it, error messages name resources the way RBAC does
(``deployments.apps``) and the files source uses it to tell cluster-scoped kinds from namespaced
ones. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode


@dataclass(frozen=True, slots=True)
class Resource:
    """A kind as the API serves it: group/version, plural name and scope."""

    kind: str
    group_version: str
    plural: str
    namespaced: bool = True
    optional: bool = False
    """Served by an add-on (metrics-server): a cluster without it is normal, not an error."""

    @property
    def group(self) -> str:
        return self.group_version.rpartition("/")[0]

    @property
    def rbac_name(self) -> str:
        """``pods``, ``deployments.apps``: the spelling ``kubectl auth can-i`` expects."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def path(self, namespace: str | None = None, name: str | None = None) -> str:
        prefix = "/api/v1" if self.group_version == "v1" else f"/apis/{self.group_version}"
        if self.namespaced and namespace:
            prefix += f"/namespaces/{quote(namespace, safe='')}"
        path = f"{prefix}/{self.plural}"
        return f"{path}/{quote(name, safe='')}" if name else path


POD = Resource("Pod", "v1", "pods")
EVENT = Resource("Event", "v1", "events")
NODE = Resource("Node", "v1", "nodes", namespaced=False)
CONFIG_MAP = Resource("ConfigMap", "v1", "configmaps")
SECRET = Resource("Secret", "v1", "secrets")

SCANNED: tuple[Resource, ...] = (
    POD,
    EVENT,
    Resource("Service", "v1", "services"),
    Resource("Endpoints", "v1", "endpoints"),
    CONFIG_MAP,
    SECRET,
    Resource("PersistentVolumeClaim", "v1", "persistentvolumeclaims"),
    Resource("ServiceAccount", "v1", "serviceaccounts"),
    Resource("ResourceQuota", "v1", "resourcequotas"),
    Resource("LimitRange", "v1", "limitranges"),
    Resource("Deployment", "apps/v1", "deployments"),
    Resource("ReplicaSet", "apps/v1", "replicasets"),
    Resource("StatefulSet", "apps/v1", "statefulsets"),
    Resource("DaemonSet", "apps/v1", "daemonsets"),
    Resource("Job", "batch/v1", "jobs"),
    Resource("CronJob", "batch/v1", "cronjobs"),
    Resource("HorizontalPodAutoscaler", "autoscaling/v2", "horizontalpodautoscalers"),
    NODE,
    Resource("PersistentVolume", "v1", "persistentvolumes", namespaced=False),
    Resource("StorageClass", "storage.k8s.io/v1", "storageclasses", namespaced=False),
    Resource("PodMetrics", "metrics.k8s.io/v1beta1", "pods", optional=True),
    Resource("NodeMetrics", "metrics.k8s.io/v1beta1", "nodes", namespaced=False, optional=True),
)
"""Everything a namespace (or all-namespaces) scan lists, one request per entry."""

_RBAC = "rbac.authorization.k8s.io/v1"
_BY_KIND = {r.kind: r for r in SCANNED}

AUDITED: tuple[Resource, ...] = (
    *(
        _BY_KIND[kind]
        for kind in (
            "Pod",
            "Service",
            "ConfigMap",
            "Secret",
            "ServiceAccount",
            "Deployment",
            "ReplicaSet",
            "StatefulSet",
            "DaemonSet",
            "Job",
            "CronJob",
        )
    ),
    Resource("Namespace", "v1", "namespaces", namespaced=False),
    Resource("Ingress", "networking.k8s.io/v1", "ingresses"),
    Resource("NetworkPolicy", "networking.k8s.io/v1", "networkpolicies"),
    Resource("Role", _RBAC, "roles"),
    Resource("RoleBinding", _RBAC, "rolebindings"),
    Resource("ClusterRole", _RBAC, "clusterroles", namespaced=False),
    Resource("ClusterRoleBinding", _RBAC, "clusterrolebindings", namespaced=False),
    Resource(
        "VulnerabilityReport",
        "aquasecurity.github.io/v1alpha1",
        "vulnerabilityreports",
        optional=True,
    ),
)
"""What the security audit lists: workloads, identities and their rights, network policies,
Secrets (values dropped) and Trivy Operator's reports when it runs. Diagnose does not pay
for these: it lists ``SCANNED``."""

BY_KIND: Mapping[str, Resource] = (
    _BY_KIND
    | {r.kind: r for r in AUDITED}
    | {
        "ReplicationController": Resource("ReplicationController", "v1", "replicationcontrollers"),
        "ControllerRevision": Resource("ControllerRevision", "apps/v1", "controllerrevisions"),
        "PodDisruptionBudget": Resource("PodDisruptionBudget", "policy/v1", "poddisruptionbudgets"),
    }
)
"""Every kind kubemedic can name: the scanned ones, and those only changes or their checks need."""

_METHODS: Mapping[str, str] = {
    "get": "GET",
    "list": "GET",
    "watch": "GET",
    "create": "POST",
    "update": "PUT",
    "patch": "PATCH",
    "delete": "DELETE",
}


def is_cluster_scoped(kind: str) -> bool:
    """True for kinds that live outside namespaces (unknown kinds are assumed namespaced)."""
    resource = BY_KIND.get(kind)
    return resource is not None and not resource.namespaced


@dataclass(frozen=True, slots=True)
class ApiRequest:
    """One request to the API, described well enough to explain a refusal to a person.

    ``verb`` is the RBAC verb (``get``, ``list``, ``watch``, ``create``, ``update``, ``patch``,
    ``delete``); the HTTP method follows from it.
    """

    verb: str
    resource: Resource
    namespace: str | None = None
    name: str | None = None
    subresource: str = ""
    query: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def list(cls, resource: Resource, namespace: str | None, **query: str) -> ApiRequest:
        scope = namespace if resource.namespaced else None
        return cls("list", resource, scope, query=query)

    @classmethod
    def get(cls, resource: Resource, namespace: str | None, name: str) -> ApiRequest:
        scope = namespace if resource.namespaced else None
        return cls("get", resource, scope, name)

    @classmethod
    def pod_log(cls, namespace: str, pod: str, **query: str) -> ApiRequest:
        return cls("get", POD, namespace, pod, "log", query)

    @classmethod
    def watch(cls, resource: Resource, namespace: str | None, **query: str) -> ApiRequest:
        scope = namespace if resource.namespaced else None
        return cls("watch", resource, scope, query={"watch": "1", **query})

    @classmethod
    def create(cls, resource: Resource, namespace: str | None, **query: str) -> ApiRequest:
        scope = namespace if resource.namespaced else None
        return cls("create", resource, scope, query=query)

    @classmethod
    def change(
        cls, verb: str, resource: Resource, namespace: str | None, name: str, **query: str
    ) -> ApiRequest:
        """``verb`` (``get``, ``update``, ``patch``, ``delete``) on one named object."""
        scope = namespace if resource.namespaced else None
        return cls(verb, resource, scope, name, query=query)

    @property
    def method(self) -> str:
        return _METHODS[self.verb]

    @property
    def is_write(self) -> bool:
        return self.method != "GET"

    @property
    def path(self) -> str:
        path = self.resource.path(self.namespace, self.name)
        if self.subresource:
            path += f"/{self.subresource}"
        return f"{path}?{urlencode(self.query)}" if self.query else path

    @property
    def rbac_resource(self) -> str:
        """``pods/log`` for a subresource, else the resource as RBAC names it."""
        name = self.resource.rbac_name
        return f"{name}/{self.subresource}" if self.subresource else name

    @property
    def can_i(self) -> str:
        """The kubectl command that checks whether this request is allowed."""
        scope = f" -n {self.namespace}" if self.namespace else ""
        if self.resource.namespaced and not self.namespace:
            scope = " --all-namespaces"
        return f"kubectl auth can-i {self.verb} {self.rbac_resource}{scope}"

    @property
    def scope(self) -> str:
        """``in namespace "shop"``, ``in all namespaces`` or ``cluster-wide``."""
        if not self.resource.namespaced:
            return "cluster-wide"
        return f'in namespace "{self.namespace}"' if self.namespace else "in all namespaces"
