"""OOM kills as a node reports them, beside the container's own ``OOMKilled`` status.

The kernel logs every kill. node-problem-detector's kernel-monitor turns that line into a
Warning ``OOMKilling`` event on the Node (``Memory cgroup out of memory: Killed process ...``
when a container hit its limit, ``Out of memory: Killed process ...`` when the whole node ran
out), and for the latter the kubelet adds its own ``SystemOOM`` event. The numbers follow the
kernel: memory in kB, the ``oom_score_adj`` the kubelet gave the container for its QoS class.
"""

from __future__ import annotations

import re
from typing import Any

from kubemedic._internal.quantities import parse_quantity
from kubemedic.sandbox.kubelet.state import Instance
from kubemedic.sandbox.kubelet.sync import COMPONENT, Sync

Obj = dict[str, Any]
KERNEL_MONITOR = "kernel-monitor"
GUARANTEED_ADJ = -997
BEST_EFFORT_ADJ = 1000


def report_oom_kill(sync: Sync, spec: Obj, instance: Instance, memory_bytes: float) -> None:
    """Write the node's events for the kill of ``instance`` holding ``memory_bytes``."""
    pid = process_id(instance.container_id)
    system = instance.node_oom is not None
    node = {"kind": "Node", "apiVersion": None, "metadata": {"name": sync.host, "uid": sync.host}}
    sync.recorder.record(
        node,
        "Warning",
        "OOMKilling",
        kernel_line(sync, spec, instance, memory_bytes, system=system),
        component=KERNEL_MONITOR,
        host=sync.host,
    )
    if system:
        sync.recorder.record(
            node,
            "Warning",
            "SystemOOM",
            f"System OOM encountered, victim process: {instance.comm}, pid: {pid}",
            component=COMPONENT,
            host=sync.host,
        )


def kernel_line(
    sync: Sync, spec: Obj, instance: Instance, memory_bytes: float, *, system: bool
) -> str:
    """The kernel's ``Killed process`` line for this kill."""
    anon = int(memory_bytes // 1024)
    total_vm = anon * 5 // 4 + 4096
    pgtables = (total_vm // 2048 + 1) * 4
    scope = "Out of memory" if system else "Memory cgroup out of memory"
    return (
        f"{scope}: Killed process {process_id(instance.container_id)} ({instance.comm}) "
        f"total-vm:{total_vm}kB, anon-rss:{anon}kB, file-rss:0kB, shmem-rss:0kB, "
        f"UID:{_run_as_user(sync.pod, spec)} pgtables:{pgtables}kB "
        f"oom_score_adj:{oom_score_adj(sync.pod, spec, _node_memory(sync.node))}"
    )


def process_id(container_id: str) -> int:
    """The PID of the container's main process on the node (stable for one container)."""
    return 1000 + int(container_id.rsplit("/", 1)[-1][:8], 16) % 4_000_000


def oom_score_adj(pod: Obj, spec: Obj, node_memory: float) -> int:
    """The kubelet's ``oom_score_adj`` for a container (pkg/kubelet/qos/policy.go)."""
    qos = (pod.get("status") or {}).get("qosClass")
    if qos == "Guaranteed":
        return GUARANTEED_ADJ
    if qos == "BestEffort":
        return BEST_EFFORT_ADJ
    requests = (spec.get("resources") or {}).get("requests") or {}
    request = parse_quantity(requests.get("memory")) or 0.0
    adjust = 1000 - int(1000 * request / node_memory) if node_memory else 999
    if adjust < 1000 + GUARANTEED_ADJ:
        return 1000 + GUARANTEED_ADJ
    return BEST_EFFORT_ADJ - 1 if adjust == BEST_EFFORT_ADJ else adjust


def process_name(argv: list[str]) -> str:
    """What the kernel calls the process ``argv`` leaves running: the program a ``sh -c``
    script ends in, else the executable, cut to the kernel's 15 characters."""
    program = argv[0] if argv else ""
    if len(argv) > 2 and argv[1] == "-c" and program.rsplit("/", 1)[-1] in _SHELLS:
        program = _last_program(argv[2]) or program
    return program.rsplit("/", 1)[-1][:15]


_SHELLS = frozenset({"sh", "bash", "ash", "dash", "zsh"})
_KEYWORDS = frozenset(
    {"exec", "do", "done", "then", "fi", "else", "if", "while", "until", "{", "}", "!"}
)
_SEPARATORS = re.compile(r"[;\n&|()]+")
_ASSIGNMENT = re.compile(r"^\w+=")


def _last_program(script: str) -> str:
    for segment in reversed(_SEPARATORS.split(script)):
        words = [w for w in segment.split() if w not in _KEYWORDS and not _ASSIGNMENT.match(w)]
        if words:
            return words[0]
    return ""


def _run_as_user(pod: Obj, spec: Obj) -> int:
    for context in (spec.get("securityContext"), (pod.get("spec") or {}).get("securityContext")):
        user = (context or {}).get("runAsUser")
        if user is not None:
            return int(user)
    return 0


def _node_memory(node: Obj) -> float:
    capacity = (node.get("status") or {}).get("capacity") or {}
    return parse_quantity(capacity.get("memory")) or 0.0
