"""The diagnosis taxonomy: every finding carries exactly one of these categories.

Each value has a runbook page at ``docs/runbooks/<value>.md``.
"""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    """Root-cause category of a finding."""

    CRASHLOOP_APP_ERROR = "crashloop.app-error"
    CRASHLOOP_COMMAND_NOT_FOUND = "crashloop.command-not-found"
    CRASHLOOP_PERMISSION_DENIED = "crashloop.permission-denied"
    CRASHLOOP_EXEC_FORMAT = "crashloop.exec-format"
    CRASHLOOP_COMPLETED_EXITS_ZERO = "crashloop.completed-exits-zero"
    OOMKILLED = "oomkilled"
    IMAGE_NOT_FOUND = "image.not-found"
    IMAGE_AUTH = "image.auth"
    IMAGE_INVALID_NAME = "image.invalid-name"
    IMAGE_REGISTRY_UNREACHABLE = "image.registry-unreachable"
    CONFIG_MISSING_CONFIGMAP = "config.missing-configmap"
    CONFIG_MISSING_SECRET = "config.missing-secret"  # noqa: S105 - a category, not a password
    CONFIG_MISSING_KEY = "config.missing-key"
    SCHEDULING_INSUFFICIENT_RESOURCES = "scheduling.insufficient-resources"
    SCHEDULING_TAINT = "scheduling.taint"
    SCHEDULING_AFFINITY_OR_SELECTOR = "scheduling.affinity-or-selector"
    SCHEDULING_UNBOUND_PVC = "scheduling.unbound-pvc"
    SCHEDULING_NODES_UNSCHEDULABLE = "scheduling.nodes-unschedulable"
    SCHEDULING_NOT_ATTEMPTED = "scheduling.not-attempted"
    VOLUME_MOUNT_FAILURE = "volume.mount-failure"
    VOLUME_PERMISSION_DENIED = "volume.permission-denied"
    """A container may not write to its volume: its user against the volume's ownership model."""
    PROBE_LIVENESS = "probe.liveness"
    PROBE_READINESS = "probe.readiness"
    EVICTED_MEMORY_PRESSURE = "evicted.memory-pressure"
    EVICTED_DISK_PRESSURE = "evicted.disk-pressure"
    EVICTED_EPHEMERAL_STORAGE = "evicted.ephemeral-storage"
    EVICTED_PID_PRESSURE = "evicted.pid-pressure"
    INIT_CONTAINER_FAILURE = "init-container.failure"
    SECURITY_CONTEXT_RUN_AS_NON_ROOT = "security-context.run-as-non-root"
    TERMINATING_STUCK = "terminating.stuck"
    WORKLOAD_PROGRESS_DEADLINE = "workload.progress-deadline"
    WORKLOAD_UNAVAILABLE = "workload.unavailable"
    WORKLOAD_FAILED_CREATE = "workload.failed-create"
    JOB_BACKOFF_LIMIT = "job.backoff-limit"
    JOB_DEADLINE_EXCEEDED = "job.deadline-exceeded"
    JOB_RETRYING = "job.retrying"
    JOB_SUSPENDED = "job.suspended"
    JOB_MISSED_SCHEDULES = "job.missed-schedules"
    PVC_PENDING = "pvc.pending"
    SERVICE_NO_ENDPOINTS = "service.no-endpoints"
    HPA_METRICS_UNAVAILABLE = "hpa.metrics-unavailable"
    HPA_TARGET_MISSING = "hpa.target-missing"
    HPA_AT_MAX_REPLICAS = "hpa.at-max-replicas"
    NODE_NOT_READY = "node.not-ready"
    NODE_PRESSURE = "node.pressure"
    NODE_NETWORK_UNAVAILABLE = "node.network-unavailable"
    NODE_CORDONED = "node.cordoned"
    NODE_SHUTDOWN = "node.shutdown"
    UNKNOWN = "unknown"
    """A pod visibly fails but no analyzer recognises why: the safety net's raw signals."""

    @property
    def runbook(self) -> str:
        """Path of this category's runbook, relative to the repository root."""
        return f"docs/runbooks/{self.value}.md"
