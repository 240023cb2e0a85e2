"""The Endpoints controller: each Service's ready pods as ``addresses``, the rest as not ready.

A Service whose pods are all unready keeps its Endpoints object but with every pod under
``notReadyAddresses``, and one whose selector matches nothing has no subsets at all, which is
what ``kubectl describe service`` shows as ``Endpoints: <none>``.
"""

from __future__ import annotations

from kubemedic.sandbox.controllers.base import Controller, Obj
from kubemedic.sandbox.controllers.common import is_ready, pods_matching


def _target_port(port: Obj, pod: Obj) -> int | None:
    target = port.get("targetPort", port.get("port"))
    if isinstance(target, int):
        return target
    if str(target).isdigit():
        return int(str(target))
    for container in (pod.get("spec") or {}).get("containers") or []:
        for declared in container.get("ports") or []:
            if declared.get("name") == target:
                return int(declared.get("containerPort") or 0)
    return None


class EndpointsController(Controller):
    name = "endpoints"
    kind = "Service"
    component = "endpoint-controller"

    def on_change(self, event_type: str, obj: Obj) -> None:
        meta = obj.get("metadata") or {}
        if obj.get("kind") == "Service":
            self.enqueue(str(meta.get("namespace")), str(meta.get("name")))
        elif obj.get("kind") == "Pod":
            self.queue.add_after(self.name, f"{meta.get('namespace')}/*", 0.2)

    def _reconcile_key(self, key: str) -> None:
        namespace, _, name = key.partition("/")
        if name != "*":
            service = self.store.try_get("Service", namespace, name)
            if service is not None:
                self.reconcile(service)
            return
        for service in self.store.list("Service", namespace)[0]:
            self.reconcile(service)

    def reconcile(self, service: Obj) -> None:
        spec = service.get("spec") or {}
        selector = spec.get("selector")
        meta = service["metadata"]
        if not selector:
            return
        pods = [
            p
            for p in pods_matching(self.store, meta["namespace"], {"matchLabels": selector})
            if (p.get("status") or {}).get("podIP")
            and (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
            and not p["metadata"].get("deletionTimestamp")
        ]
        subsets: dict[tuple[tuple[str, int, str], ...], Obj] = {}
        for pod in sorted(pods, key=lambda p: p["status"]["podIP"]):
            ports = []
            for port in spec.get("ports") or []:
                number = _target_port(port, pod)
                if number is not None:
                    entry = (
                        str(port.get("name") or ""),
                        number,
                        str(port.get("protocol") or "TCP"),
                    )
                    ports.append(entry)
            key = tuple(ports)
            subset = subsets.setdefault(
                key,
                {
                    "ports": [
                        {**({"name": n} if n else {}), "port": p, "protocol": proto}
                        for n, p, proto in ports
                    ]
                },
            )
            address = {
                "ip": pod["status"]["podIP"],
                "nodeName": pod["spec"].get("nodeName"),
                "targetRef": {
                    "kind": "Pod",
                    "name": pod["metadata"]["name"],
                    "namespace": meta["namespace"],
                    "uid": pod["metadata"]["uid"],
                },
            }
            subset.setdefault("addresses" if is_ready(pod) else "notReadyAddresses", []).append(
                address
            )
        endpoints: Obj = {
            "apiVersion": "v1",
            "kind": "Endpoints",
            "metadata": {
                "name": meta["name"],
                "namespace": meta["namespace"],
                "labels": dict(meta.get("labels") or {}),
            },
        }
        if subsets:
            endpoints["subsets"] = list(subsets.values())
        current = self.store.try_get("Endpoints", meta["namespace"], meta["name"])
        if current is None:
            self.store.create(endpoints)
            return

        def write(obj: Obj) -> None:
            obj.pop("subsets", None)
            if subsets:
                obj["subsets"] = endpoints["subsets"]

        self.store.mutate("Endpoints", meta["namespace"], meta["name"], write)
