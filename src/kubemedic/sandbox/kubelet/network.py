"""The cluster network as a pod's programs see it: DNS, Services, pods' ports and policies.

Names resolve like CoreDNS with the pod's search path: ``web``, ``web.ns``, ``web.ns.svc`` and
``web.ns.svc.cluster.local`` are the Service ``web`` (its cluster IP; a headless Service's ready
pods), ``postgres-0.postgres`` a StatefulSet pod behind a headless Service; anything else is
NXDOMAIN (there is no Internet). A connection to a Service goes to its first ready endpoint, as
kube-proxy would send it to one of them; a Service without endpoints, or a pod not listening on
the port, refuses it; a port the Service does not declare, or an address nobody has, times out
(kube-proxy's iptables mode has no rule for it), and so does one a NetworkPolicy drops (in
either direction); a pod isolated for egress without a rule to the cluster DNS cannot even
resolve names.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from kubemedic.sandbox.kubelet.netpolicy import Endpoint, allows
from kubemedic.sandbox.kubelet.process import Listener
from kubemedic.sandbox.kubelet.state import PodRuntime
from kubemedic.sandbox.store import Store

Obj = dict[str, Any]
CLUSTER_DOMAIN = "cluster.local"
DNS_SERVICE_IP = "10.96.0.10"
API_SERVER_IP = "10.96.0.1"
_DNS_NAMESPACE = "kube-system"
_DNS_LABELS = {"k8s-app": "kube-dns"}

Result = Literal["ok", "refused", "timeout"]


@dataclass(frozen=True, slots=True)
class Connection:
    """How a TCP connection ended: ``ok`` (with the server's listener), refused, or timeout."""

    result: Result
    ip: str
    listener: Listener | None = None
    age: float = 0.0  # the serving process's age, for answers that change over its life

    def status(self, path: str) -> int:
        """The HTTP status the server answers ``path`` with (only for ``ok``)."""
        return self.listener.status(path, self.age) if self.listener else 0


class ClusterNetwork:
    """One pod's view of the network at one moment of cluster time."""

    def __init__(
        self, store: Store, runtimes: Mapping[str, PodRuntime], now: datetime, source: Obj
    ) -> None:
        self._store = store
        self._runtimes = runtimes
        self._now = now
        self._source = source
        self._namespace = str(source["metadata"].get("namespace") or "default")

    @property
    def namespace(self) -> str:
        return self._namespace

    @property
    def store(self) -> Store:
        """The API server's objects (what an in-cluster client reads through the API)."""
        return self._store

    @property
    def source(self) -> Obj:
        """The pod whose programs this view serves."""
        return self._source

    def reaches_api_server(self) -> bool:
        """Whether the pod's egress policies let it open the API server's Service (443)."""
        policies = self._policies()
        if not policies:
            return True
        return allows(policies, self._endpoint_of(self._source), Endpoint(API_SERVER_IP), 443)

    # ------------------------------------------------------------------ DNS

    def resolves(self, host: str) -> bool:
        return self.lookup(host) is not None

    def dns_reachable(self) -> bool:
        """Whether the pod's egress policies let it ask the cluster DNS (UDP 53)."""
        policies = self._policies()
        if not policies:
            return True
        source = self._endpoint_of(self._source)
        servers = [
            pod
            for pod in self._store.list("Pod", _DNS_NAMESPACE)[0]
            if all(
                (pod["metadata"].get("labels") or {}).get(k) == v for k, v in _DNS_LABELS.items()
            )
        ]
        targets = [self._endpoint_of(pod) for pod in servers] or [Endpoint(DNS_SERVICE_IP)]
        return any(allows(policies, source, target, 53, "UDP") for target in targets)

    def lookup(self, host: str) -> str | None:
        """The address ``host`` resolves to from this pod; None for NXDOMAIN."""
        name = host.rstrip(".").lower()
        if _is_ip(name):
            return name
        if name == "localhost":
            return "127.0.0.1"
        if name == str(self._source["metadata"].get("name")):
            return self._own_ip()
        labels = name.removesuffix(f".{CLUSTER_DOMAIN}").removesuffix(".svc").split(".")
        if len(labels) == 1:
            return self._service_ip(self._namespace, labels[0])
        if len(labels) == 2:
            return self._service_ip(labels[1], labels[0]) or self._pod_ip(
                self._namespace, labels[1], labels[0]
            )
        if len(labels) == 3:
            return self._pod_ip(labels[2], labels[1], labels[0])
        return None

    def _service_ip(self, namespace: str, name: str) -> str | None:
        service = self._store.try_get("Service", namespace, name)
        if service is None:
            return None
        cluster_ip = str((service.get("spec") or {}).get("clusterIP") or "")
        if cluster_ip and cluster_ip != "None":
            return cluster_ip
        ready = [address["ip"] for address, _ in self._ready_endpoints(service)]
        return ready[0] if ready else None

    def _pod_ip(self, namespace: str, service: str, hostname: str) -> str | None:
        """``<hostname>.<headless service>``: a pod with that hostname and subdomain."""
        for pod in self._store.list("Pod", namespace)[0]:
            spec = pod.get("spec") or {}
            own = str(spec.get("hostname") or pod["metadata"]["name"])
            if own == hostname and spec.get("subdomain") == service:
                return str((pod.get("status") or {}).get("podIP") or "") or None
        return None

    def _own_ip(self) -> str | None:
        return self._ip_of(self._source) or None

    def _ip_of(self, pod: Obj) -> str:
        runtime = self._runtimes.get(str(pod["metadata"].get("uid")))
        return runtime.ip if runtime else str((pod.get("status") or {}).get("podIP") or "")

    # ------------------------------------------------------------------ TCP

    def connect(self, ip: str, port: int) -> Connection:
        """Open a TCP connection from this pod to ``ip:port``."""
        if ip in ("127.0.0.1", self._own_ip()):
            return self._to_pod(self._source, ip, port, check_policy=False)
        service = self._service_at(ip)
        if service is None:
            pod = self._pod_at(ip)
            if pod is None:
                return Connection("timeout", ip)
            return self._to_pod(pod, ip, port)
        declared = [
            p for p in (service.get("spec") or {}).get("ports") or [] if p.get("port") == port
        ]
        if not declared:  # kube-proxy has no rule for it: the packets go nowhere
            return Connection("timeout", ip)
        for address, target_port in self._ready_endpoints(service, port):
            pod = self._pod_at(str(address["ip"]))
            if pod is not None:
                return self._to_pod(pod, ip, target_port)
        return Connection("refused", ip)

    def _to_pod(self, pod: Obj, ip: str, port: int, *, check_policy: bool = True) -> Connection:
        if check_policy:
            policies = self._policies()
            source, destination = self._endpoint_of(self._source), self._endpoint_of(pod)
            if policies and not allows(policies, source, destination, port):
                return Connection("timeout", ip)
        runtime = self._runtimes.get(str(pod["metadata"].get("uid")))
        for container in runtime.containers.values() if runtime else ():
            instance = container.instance
            if instance is None:
                continue
            age = instance.age(self._now)
            listener = instance.process.listener(port, age)
            if listener is not None:
                return Connection("ok", ip, listener, age)
        return Connection("refused", ip)

    def _service_at(self, ip: str) -> Obj | None:
        for service in self._store.list("Service")[0]:
            if (service.get("spec") or {}).get("clusterIP") == ip:
                return service
        return None

    def _pod_at(self, ip: str) -> Obj | None:
        for pod in self._store.list("Pod")[0]:
            if (pod.get("status") or {}).get("podIP") == ip:
                return pod
        return None

    def _ready_endpoints(self, service: Obj, port: int | None = None) -> list[tuple[Obj, int]]:
        """(address, target port) of the Service's ready endpoints for ``port``."""
        meta = service["metadata"]
        endpoints = self._store.try_get("Endpoints", meta["namespace"], meta["name"]) or {}
        wanted_name: str | None = None
        if port is not None:
            declared = [
                p for p in (service.get("spec") or {}).get("ports") or [] if p.get("port") == port
            ]
            if not declared:
                return []
            wanted_name = str(declared[0].get("name") or "")
        found: list[tuple[Obj, int]] = []
        for subset in endpoints.get("subsets") or []:
            numbers = [
                int(p.get("port") or 0)
                for p in subset.get("ports") or []
                if wanted_name is None or str(p.get("name") or "") == wanted_name
            ]
            if numbers:
                found.extend((address, numbers[0]) for address in subset.get("addresses") or [])
        return found

    # ------------------------------------------------------------------ policies

    def _policies(self) -> list[Obj]:
        return self._store.list("NetworkPolicy")[0]

    def _endpoint_of(self, pod: Obj) -> Endpoint:
        namespace = self._store.try_get("Namespace", "", str(pod["metadata"].get("namespace")))
        labels = dict(((namespace or {}).get("metadata") or {}).get("labels") or {})
        labels.setdefault("kubernetes.io/metadata.name", str(pod["metadata"].get("namespace")))
        return Endpoint(self._ip_of(pod), pod, labels)


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
