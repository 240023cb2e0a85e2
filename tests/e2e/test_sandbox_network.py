"""The cluster network as pods see it: DNS names, refused and dropped connections, policies.

Clients are busybox and curl pods whose script runs ``wget``/``curl``/``nc``/``nslookup`` once
at start and prints its exit code; ``kubectl logs`` shows what a real pod would print.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.e2e.conftest import KUBECTL, Sandbox, SandboxFactory

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed"),
]

WEB = """\
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  containers:
  - name: nginx
    image: nginx:1.27
    ports: [{containerPort: 80, name: http}]
    readinessProbe: {httpGet: {path: /, port: 80}, periodSeconds: 2}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: nobody}
spec:
  selector: {app: missing}
  ports: [{port: 80}]
"""

DENY_INGRESS = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "NetworkPolicy",
    "metadata": {"name": "web-allow-frontend"},
    "spec": {
        "podSelector": {"matchLabels": {"app": "web"}},
        "ingress": [{"from": [{"podSelector": {"matchLabels": {"role": "frontend"}}}]}],
    },
}


@pytest.fixture
def cluster(sandbox_factory: SandboxFactory) -> Sandbox:
    sandbox = sandbox_factory(seed="empty", time_scale=20.0)
    sandbox.kubectl("apply", "-f", "-", stdin=WEB)
    sandbox.wait_for(
        lambda: _ready_addresses(sandbox, "web"), timeout=60, what="the web Service's endpoints"
    )
    return sandbox


def _ready_addresses(sandbox: Sandbox, service: str) -> list[Any]:
    endpoints = sandbox.store.try_get("Endpoints", "default", service) or {}
    return [a for s in endpoints.get("subsets") or [] for a in s.get("addresses") or []]


def run_client(
    sandbox: Sandbox,
    name: str,
    script: str,
    *,
    image: str = "busybox:1.36",
    labels: dict[str, str] | None = None,
) -> list[str]:
    """Start a pod running ``script`` once; its log lines, ending with ``exit=N``."""
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels or {"app": name}},
        "spec": {
            "restartPolicy": "Never",
            "containers": [
                {
                    "name": "client",
                    "image": image,
                    "command": ["sh", "-c", f"{script}; echo exit=$?"],
                }
            ],
        },
    }
    sandbox.kubectl("apply", "-f", "-", stdin=json.dumps(pod))

    def finished() -> list[str] | None:
        result = sandbox.kubectl("logs", name, check=False)
        lines = result.stdout.splitlines()
        return lines if lines and lines[-1].startswith("exit=") else None

    found: list[str] = sandbox.wait_for(finished, timeout=90, what=f"{name} to finish")
    return found


def test_services_resolve_by_short_and_full_name_and_unknown_names_do_not(
    cluster: Sandbox,
) -> None:
    ip = cluster.kubectl("get", "svc", "web", "-o", "jsonpath={.spec.clusterIP}").stdout

    short = run_client(cluster, "short", "wget -qO- http://web")
    full = run_client(cluster, "full", "wget -q -O- http://web.default.svc.cluster.local:80/")
    looked_up = run_client(cluster, "lookup", "nslookup web")
    unknown = run_client(cluster, "unknown", "wget -q -O- http://webb")
    curl = run_client(cluster, "curl", "curl -sS http://webb.default", image="curlimages/curl")
    other_namespace = run_client(cluster, "elsewhere", "wget -qO- http://kube-dns")

    assert short == ["exit=0"]
    assert full == ["exit=0"]
    assert "Name:\tweb.default.svc.cluster.local" in looked_up
    assert f"Address: {ip}" in looked_up
    assert unknown == ["wget: bad address 'webb'", "exit=1"]
    assert curl == ["curl: (6) Could not resolve host: webb.default", "exit=6"]
    assert other_namespace == ["wget: bad address 'kube-dns'", "exit=1"]


def test_a_service_without_endpoints_or_a_closed_port_refuses_an_undeclared_one_hangs(
    cluster: Sandbox,
) -> None:
    nobody = cluster.kubectl("get", "svc", "nobody", "-o", "jsonpath={.spec.clusterIP}").stdout
    pod_ip = cluster.kubectl("get", "pod", "web", "-o", "jsonpath={.status.podIP}").stdout

    no_endpoints = run_client(cluster, "no-endpoints", "wget -q http://nobody")
    undeclared = run_client(
        cluster, "undeclared", "curl -sS -m 1 http://web:8080/", image="curlimages/curl"
    )
    closed_pod_port = run_client(cluster, "closed-pod", f"nc -z {pod_ip} 8080")
    open_pod_port = run_client(cluster, "open-pod", f"nc -zv {pod_ip} 80")

    assert no_endpoints == [
        f"wget: can't connect to remote host ({nobody}): Connection refused",
        "exit=1",
    ]
    # The Service has no port 8080: kube-proxy has no rule, nothing answers.
    assert undeclared == ["curl: (28) Connection timed out after 1001 milliseconds", "exit=28"]
    assert closed_pod_port == [
        f"nc: can't connect to remote host ({pod_ip}): Connection refused",
        "exit=1",
    ]
    assert open_pod_port == [f"{pod_ip} ({pod_ip}:80) open", "exit=0"]


def test_an_http_error_status_fails_wget_and_curl_fail(cluster: Sandbox) -> None:
    wget = run_client(cluster, "wget404", "wget -q http://web/missing")
    curl = run_client(
        cluster,
        "curl404",
        "curl -s -o /dev/null -w '%{http_code}' http://web/missing; curl -fsS http://web/missing",
        image="curlimages/curl",
    )

    assert wget == ["wget: server returned error: HTTP/1.1 404 Not Found", "exit=1"]
    assert curl == ["404", "curl: (22) The requested URL returned error: 404", "exit=22"]


def test_an_ingress_policy_drops_other_pods_and_admits_its_peers(cluster: Sandbox) -> None:
    cluster.kubectl("apply", "-f", "-", stdin=json.dumps(DENY_INGRESS))

    dropped = run_client(cluster, "stranger", "wget -q -T 3 http://web")
    curl = run_client(cluster, "stranger-curl", "curl -sS -m 2 http://web", image="curlimages/curl")
    admitted = run_client(
        cluster, "frontend", "wget -q -T 3 http://web", labels={"role": "frontend"}
    )

    assert dropped == ["wget: download timed out", "exit=1"]
    assert curl == ["curl: (28) Connection timed out after 2001 milliseconds", "exit=28"]
    assert admitted == ["exit=0"]
    # The kubelet's probes come from the node: the server stays Ready behind the policy.
    ready = cluster.kubectl(
        "get", "pod", "web", "-o", "jsonpath={.status.containerStatuses[0].ready}"
    )
    assert ready.stdout == "true"


def test_default_deny_egress_breaks_dns_until_it_is_allowed(cluster: Sandbox) -> None:
    deny_egress = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "default-deny-egress"},
        "spec": {"podSelector": {}, "policyTypes": ["Egress"]},
    }
    cluster.kubectl("apply", "-f", "-", stdin=json.dumps(deny_egress))

    no_dns = run_client(cluster, "no-dns", "nslookup web")
    by_ip_dropped = run_client(
        cluster,
        "by-ip",
        "wget -q -T 2 http://"
        + cluster.kubectl("get", "svc", "web", "-o", "jsonpath={.spec.clusterIP}").stdout,
    )

    allow = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "allow-dns-and-web"},
        "spec": {
            "podSelector": {"matchLabels": {"role": "client"}},
            "policyTypes": ["Egress"],
            "egress": [
                {
                    "to": [
                        {
                            "namespaceSelector": {
                                "matchLabels": {"kubernetes.io/metadata.name": "kube-system"}
                            },
                            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                        }
                    ],
                    "ports": [{"protocol": "UDP", "port": 53}],
                },
                {
                    "to": [{"podSelector": {"matchLabels": {"app": "web"}}}],
                    "ports": [{"port": "http"}],
                },
            ],
        },
    }
    cluster.kubectl("apply", "-f", "-", stdin=json.dumps(allow))
    allowed = run_client(cluster, "allowed", "wget -q -T 2 http://web", labels={"role": "client"})

    assert no_dns == [";; connection timed out; no servers could be reached", "exit=1"]
    assert by_ip_dropped == ["wget: download timed out", "exit=1"]
    assert allowed == ["exit=0"]


def test_policies_created_with_the_official_client_are_enforced(cluster: Sandbox) -> None:
    from kubernetes import client

    networking = client.NetworkingV1Api(cluster.api_client())
    networking.create_namespaced_network_policy(
        "default",
        client.V1NetworkPolicy(
            metadata=client.V1ObjectMeta(name="deny-all-ingress"),
            spec=client.V1NetworkPolicySpec(
                pod_selector=client.V1LabelSelector(), policy_types=["Ingress"]
            ),
        ),
    )

    dropped = run_client(cluster, "any", "nc -z -w 2 web 80")

    assert dropped == ["nc: timed out", "exit=1"]
