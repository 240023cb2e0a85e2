"""What to say, and to do, when a node cannot get an image from its registry.

DNS, timeouts, TLS trust, plain-HTTP registries, rate limits and registry outages all end in
the same back-off but are fixed in different places: the image host name, the node's resolver
or egress, the container runtime's registry configuration, or the registry itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kubemedic.analyzers._image_ref import ImageRef
from kubemedic.analyzers._pull_errors import PullCause, PullError
from kubemedic.analyzers._template_patch import on_node
from kubemedic.models.k8s import Node, dig
from kubemedic.models.severity import RiskTier


@dataclass(frozen=True, slots=True)
class ReachAdvice:
    """The explanation of one unreachable-registry cause and the way out."""

    explanation: str
    summary: str
    steps: tuple[str, ...]
    commands: tuple[str, ...]
    risk: RiskTier


def container_runtime(error: PullError, container_ids: Iterable[str], node: Node | None) -> str:
    """``docker``, ``cri-o`` or ``containerd``: where the registry trust and insecure-registry
    settings live depends on it. Read from the pod's container IDs or the node's runtime version
    (``docker://...``), or Docker's own wording in the pull error."""
    version = (
        str(dig(node.raw, "status", "nodeInfo", "containerRuntimeVersion") or "") if node else ""
    )
    schemes = {ref.split("://", 1)[0] for ref in (*container_ids, version) if "://" in ref}
    if "docker" in schemes or "Error response from daemon" in error.detail:
        return "docker"
    return "cri-o" if "cri-o" in schemes else "containerd"


def _trust_step(host: str, runtime: str) -> str:
    if runtime == "docker":
        return (
            f"Install the registry's CA on every node as /etc/docker/certs.d/{host}/ca.crt "
            "(Docker reads it at the next pull, no restart)."
        )
    if runtime == "cri-o":
        return f"Install the registry's CA on every node as /etc/containers/certs.d/{host}/ca.crt."
    return (
        f'Install the registry\'s CA on every node: ca = "/etc/containerd/certs.d/{host}/ca.crt" '
        f"in /etc/containerd/certs.d/{host}/hosts.toml, then restart containerd."
    )


def _plain_http_step(host: str, runtime: str) -> str:
    if runtime == "docker":
        where = f'add "{host}" to "insecure-registries" in /etc/docker/daemon.json'
        restart = "docker"
    elif runtime == "cri-o":
        where = f'add a [[registry]] location = "{host}" with insecure = true to '
        where += "/etc/containers/registries.conf"
        restart = "crio"
    else:
        where = f'set server = "http://{host}" in /etc/containerd/certs.d/{host}/hosts.toml'
        restart = "containerd"
    return (
        f"Preferred: enable TLS on {host}. Otherwise {where} on every node and restart {restart}."
    )


def reach_advice(
    error: PullError, image: ImageRef, node: str, runtime: str = "containerd"
) -> ReachAdvice:
    """Explain why ``node`` could not get ``image`` and how to fix it."""
    host = image.host
    the_node = f"node {node}" if node else "the node"
    if error.cause is PullCause.DNS_FAILURE:
        name, server = error.dns_lookup or (host, "")
        asked = f"the DNS server {server}" if server else "its DNS server"
        return ReachAdvice(
            f"{the_node} cannot resolve the registry host {name}: {asked} has no record for it.",
            f"Fix the registry host {name} in the image, or make it resolvable from the nodes.",
            (
                f"Check the spelling of {name}; a typo in the host fails exactly this way.",
                "If the registry is internal, add its name to the DNS servers the container "
                "runtime on the nodes uses (the node's /etc/resolv.conf), not only to the "
                "cluster DNS that pods use.",
            ),
            (on_node(node, f"nslookup {name}"),),
            RiskTier.MEDIUM,
        )
    if error.cause in (PullCause.NETWORK_TIMEOUT, PullCause.CONNECTION_FAILED):
        return ReachAdvice(
            f"{the_node} cannot connect to the registry {host}: the connection "
            + ("timed out" if error.cause is PullCause.NETWORK_TIMEOUT else "failed")
            + ", so a firewall, egress rule, proxy or the registry itself is in the way.",
            f"Open the network path from the nodes to {host}:443 (egress rules, proxy "
            "settings of the container runtime), or use a registry the nodes can reach.",
            (
                "Test from the node itself (command below): pulls do not use the pod network.",
                "If nodes reach the internet through a proxy, set HTTP(S)_PROXY for containerd "
                "(systemd drop-in) — the kubelet does not pass its own environment to pulls.",
            ),
            (on_node(node, f"wget -S -O- https://{host}/v2/"),),
            RiskTier.MEDIUM,
        )
    if error.cause is PullCause.UNTRUSTED_CERTIFICATE:
        return ReachAdvice(
            f"{the_node} does not trust the TLS certificate of the registry {host} (signed by an "
            "authority the container runtime does not know).",
            f"Make the container runtime trust the CA that signed {host}'s certificate.",
            (
                _trust_step(host, runtime),
                "Or serve the registry with a certificate from a CA the nodes already trust.",
            ),
            (on_node(node, f"wget -S -O- https://{host}/v2/"),),
            RiskTier.MEDIUM,
        )
    if error.cause is PullCause.PLAIN_HTTP_REGISTRY:
        return ReachAdvice(
            f"the registry {host} speaks plain HTTP but the container runtime connects with "
            "HTTPS, which it always does unless told the registry is insecure.",
            f"Serve {host} over TLS, or declare it an HTTP registry in the runtime configuration.",
            (_plain_http_step(host, runtime),),
            (),
            RiskTier.MEDIUM,
        )
    if error.cause is PullCause.RATE_LIMITED:
        return ReachAdvice(
            f"the registry {host} refuses further pulls for now: its pull rate limit for this "
            "client is used up (anonymous pulls from all nodes behind one address share it). The "
            "image and the credentials, if any, are fine — the registry is not serving.",
            f"Stop pulling anonymously from {host}: use authenticated pulls, a mirror, or "
            "imagePullPolicy IfNotPresent.",
            (
                f"Add an imagePullSecret with an account on {host} (authenticated pulls get a "
                "higher limit).",
                "Mirror the image into your own registry or configure a pull-through cache.",
                "Use imagePullPolicy: IfNotPresent with a fixed tag so restarts do not pull again.",
            ),
            (),
            RiskTier.LOW,
        )
    if error.cause is PullCause.REGISTRY_ERROR:
        return ReachAdvice(
            f"the registry {host} answered with a server error: the problem is on the "
            "registry side, not in the pod.",
            f"Wait for {host} to recover (check its status page) or pull from a mirror.",
            ("The kubelet keeps retrying; the pod starts once the registry answers again.",),
            (),
            RiskTier.LOW,
        )
    if error.cause is PullCause.NODE_DISK_FULL:
        return ReachAdvice(
            f"{the_node} ran out of disk space while storing the image's layers.",
            f"Free disk space on {the_node} (unused images, logs) or move the pod elsewhere.",
            (
                "Check the node's DiskPressure condition and image garbage collection "
                "(ImageGCFailed / FreeDiskSpaceFailed events).",
            ),
            (f"kubectl describe node {node}" if node else "kubectl describe nodes",),
            RiskTier.MEDIUM,
        )
    return ReachAdvice(
        f"the pull from {host} failed with an error kubemedic does not classify.",
        f"Read the runtime's error and check that {the_node} can pull from {host}.",
        ("Pull the image by hand on the node (crictl pull) to see the full error.",),
        (on_node(node, f"chroot /host crictl pull {image.text}"),),
        RiskTier.MEDIUM,
    )
