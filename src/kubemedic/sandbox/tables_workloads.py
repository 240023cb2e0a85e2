"""Table columns of the workload and policy kinds, and the cell helpers all tables share.

Split from ``tables`` to keep each printer module readable; the rules are the Kubernetes
printers' (READY ``ready/desired``, Job durations, HPA targets ``cpu: 45%/80%``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kubemedic._internal.timeutils import parse_time

Obj = Mapping[str, Any]
Cell = Callable[[Obj, datetime], Any]


@dataclass(frozen=True, slots=True)
class Column:
    """One Table column: its definition and how to compute its cell from an object."""

    name: str
    cell: Cell
    type: str = "string"
    priority: int = 0
    format: str = ""
    description: str = ""


def age(since: datetime, now: datetime) -> str:
    """A duration as kubectl prints ages: ``45s``, ``3m12s``, ``95m``, ``5h30m``, ``3d4h``."""
    seconds = int((now - since).total_seconds())
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        return f"{minutes}m{seconds % 60}s" if seconds % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return f"{hours // 24}d{hours % 24}h" if hours % 24 else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    years, days = divmod(hours // 24, 365)
    return f"{years}y{days}d" if days and hours < 24 * 365 * 8 else f"{years}y"


def none_if_empty(value: object) -> str:
    return str(value) if value not in (None, "") else "<none>"


def name_cell(obj: Obj, _: datetime) -> str:
    return str((obj.get("metadata") or {}).get("name") or "")


def age_cell(obj: Obj, now: datetime) -> str:
    created = parse_time((obj.get("metadata") or {}).get("creationTimestamp"))
    return age(created, now) if created else "<unknown>"


def _spec(obj: Obj) -> Mapping[str, Any]:
    return obj.get("spec") or {}


def _status(obj: Obj) -> Mapping[str, Any]:
    return obj.get("status") or {}


def _int_status(field: str) -> Cell:
    return lambda obj, _: int(_status(obj).get(field) or 0)


def _pod_spec(obj: Obj) -> Mapping[str, Any]:
    spec = _spec(obj)
    if "jobTemplate" in spec:
        spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    return (spec.get("template") or {}).get("spec") or {}


def _containers(obj: Obj, _: datetime) -> str:
    return ",".join(str(c.get("name")) for c in _pod_spec(obj).get("containers") or [])


def _images(obj: Obj, _: datetime) -> str:
    return ",".join(str(c.get("image")) for c in _pod_spec(obj).get("containers") or [])


def selector_text(selector: Mapping[str, Any] | None) -> str:
    """A label selector object as kubectl writes it: ``app=web,tier in (a,b)``."""
    if not selector:
        return "<none>"
    parts = [f"{k}={v}" for k, v in (selector.get("matchLabels") or {}).items()]
    for expression in selector.get("matchExpressions") or []:
        operator = str(expression.get("operator"))
        key = expression.get("key")
        values = ",".join(str(v) for v in expression.get("values") or [])
        if operator == "Exists":
            parts.append(str(key))
        elif operator == "DoesNotExist":
            parts.append(f"!{key}")
        else:
            parts.append(f"{key} {operator.lower()} ({values})")
    return ",".join(parts) or "<none>"


def _selector(obj: Obj, _: datetime) -> str:
    return selector_text(_spec(obj).get("selector"))


NAME_COLUMN = Column("Name", name_cell)
AGE_COLUMN = Column("Age", age_cell)
_NAME = NAME_COLUMN
_AGE = AGE_COLUMN
_WORKLOAD_WIDE = (
    Column("Containers", _containers, priority=1),
    Column("Images", _images, priority=1),
    Column("Selector", _selector, priority=1),
)


def _ready_of_desired(obj: Obj, _: datetime) -> str:
    return f"{int(_status(obj).get('readyReplicas') or 0)}/{int(_spec(obj).get('replicas', 1))}"


def _job_status(job: Obj, _: datetime) -> str:
    """printJob's STATUS: the first that holds of Complete, Failed, Terminating, Suspended,
    FailureTarget and SuccessCriteriaMet, else Running (a failed Job carries both
    FailureTarget and Failed, and reads Failed)."""
    true = {
        c.get("type") for c in _status(job).get("conditions") or [] if c.get("status") == "True"
    }
    if (job.get("metadata") or {}).get("deletionTimestamp"):
        true.add("Terminating")
    for status in (
        "Complete",
        "Failed",
        "Terminating",
        "Suspended",
        "FailureTarget",
        "SuccessCriteriaMet",
    ):
        if status in true:
            return status
    return "Running"


def _job_completions(job: Obj, _: datetime) -> str:
    spec = _spec(job)
    succeeded = int(_status(job).get("succeeded") or 0)
    completions = spec.get("completions")
    if completions is None:
        parallelism = int(spec.get("parallelism") or 1)
        return f"{succeeded}/1 of {parallelism}" if parallelism > 1 else f"{succeeded}/1"
    return f"{succeeded}/{completions}"


def _job_duration(job: Obj, now: datetime) -> str:
    status = _status(job)
    start = parse_time(status.get("startTime"))
    if start is None:
        return ""
    end = parse_time(status.get("completionTime")) or now
    return age(start, start + (end - start))


def _last_schedule(cron: Obj, now: datetime) -> str:
    when = parse_time(_status(cron).get("lastScheduleTime"))
    return age(when, now) if when else "<none>"


def _hpa_reference(hpa: Obj, _: datetime) -> str:
    ref = _spec(hpa).get("scaleTargetRef") or {}
    return f"{ref.get('kind')}/{ref.get('name')}"


def _hpa_targets(hpa: Obj, _: datetime) -> str:
    currents = {
        (m.get("resource") or {}).get("name"): (m.get("resource") or {}).get("current") or {}
        for m in _status(hpa).get("currentMetrics") or []
        if m.get("type") == "Resource"
    }
    parts: list[str] = []
    for metric in _spec(hpa).get("metrics") or []:
        if metric.get("type") != "Resource":
            parts.append("<unknown>/<unknown>")
            continue
        resource = metric.get("resource") or {}
        name = resource.get("name")
        target = resource.get("target") or {}
        current = currents.get(name) or {}
        if "averageUtilization" in target:
            now_text = (
                f"{current['averageUtilization']}%"
                if "averageUtilization" in current
                else "<unknown>"
            )
            parts.append(f"{name}: {now_text}/{target['averageUtilization']}%")
        else:
            now_text = str(current.get("averageValue") or "<unknown>")
            parts.append(f"{name}: {now_text}/{target.get('averageValue', '<unknown>')}")
    if not parts:
        return "<none>"
    shown = ", ".join(parts[:2])
    return shown + (f" + {len(parts) - 2} more..." if len(parts) > 2 else "")


def _ingress_hosts(ingress: Obj, _: datetime) -> str:
    hosts = [str(r.get("host")) for r in _spec(ingress).get("rules") or [] if r.get("host")]
    return ",".join(hosts) or "*"


def _ingress_address(ingress: Obj, _: datetime) -> str:
    entries = (_status(ingress).get("loadBalancer") or {}).get("ingress") or []
    return ",".join(str(e.get("ip") or e.get("hostname")) for e in entries)


def _ingress_ports(ingress: Obj, _: datetime) -> str:
    return "80, 443" if _spec(ingress).get("tls") else "80"


def _pdb_field(field: str) -> Cell:
    return lambda pdb, _: str(_spec(pdb).get(field, "N/A"))


def _binding_subjects(kind: str) -> Cell:
    def cell(binding: Obj, _: datetime) -> str:
        names = []
        for subject in binding.get("subjects") or []:
            if subject.get("kind") != kind:
                continue
            namespace = subject.get("namespace")
            name = subject.get("name")
            names.append(f"{namespace}/{name}" if kind == "ServiceAccount" else str(name))
        return ", ".join(names)

    return cell


def _quota(*, limits: bool) -> Cell:
    """``limits.*`` resources in the LIMIT column, every other one under REQUEST (as kubectl)."""

    def cell(quota: Obj, _: datetime) -> str:
        hard = _status(quota).get("hard") or _spec(quota).get("hard") or {}
        used = _status(quota).get("used") or {}
        wanted = [k for k in sorted(hard) if k.startswith("limits.") == limits]
        return ", ".join(f"{k}: {used.get(k, '0')}/{hard[k]}" for k in wanted)

    return cell


WORKLOAD_COLUMNS: dict[str, tuple[Column, ...]] = {
    "Deployment": (
        _NAME,
        Column("Ready", _ready_of_desired),
        Column("Up-to-date", _int_status("updatedReplicas"), type="integer"),
        Column("Available", _int_status("availableReplicas"), type="integer"),
        _AGE,
        *_WORKLOAD_WIDE,
    ),
    "ReplicaSet": (
        _NAME,
        Column("Desired", lambda o, _: int(_spec(o).get("replicas", 1)), type="integer"),
        Column("Current", _int_status("replicas"), type="integer"),
        Column("Ready", _int_status("readyReplicas"), type="integer"),
        _AGE,
        *_WORKLOAD_WIDE,
    ),
    "StatefulSet": (
        _NAME,
        Column("Ready", _ready_of_desired),
        _AGE,
        *_WORKLOAD_WIDE[:2],
    ),
    "DaemonSet": (
        _NAME,
        Column("Desired", _int_status("desiredNumberScheduled"), type="integer"),
        Column("Current", _int_status("currentNumberScheduled"), type="integer"),
        Column("Ready", _int_status("numberReady"), type="integer"),
        Column("Up-to-date", _int_status("updatedNumberScheduled"), type="integer"),
        Column("Available", _int_status("numberAvailable"), type="integer"),
        Column(
            "Node Selector",
            lambda o, _: (
                ",".join(f"{k}={v}" for k, v in (_pod_spec(o).get("nodeSelector") or {}).items())
                or "<none>"
            ),
        ),
        _AGE,
        *_WORKLOAD_WIDE,
    ),
    "Job": (
        _NAME,
        Column("Status", _job_status),
        Column("Completions", _job_completions),
        Column("Duration", _job_duration),
        _AGE,
        *_WORKLOAD_WIDE,
    ),
    "CronJob": (
        _NAME,
        Column("Schedule", lambda o, _: str(_spec(o).get("schedule") or "")),
        Column("Timezone", lambda o, _: none_if_empty(_spec(o).get("timeZone"))),
        Column("Suspend", lambda o, _: "True" if _spec(o).get("suspend") else "False"),
        Column("Active", lambda o, _: len(_status(o).get("active") or []), type="integer"),
        Column("Last Schedule", _last_schedule),
        _AGE,
        *_WORKLOAD_WIDE,
    ),
    "HorizontalPodAutoscaler": (
        _NAME,
        Column("Reference", _hpa_reference),
        Column("Targets", _hpa_targets),
        Column("MinPods", lambda o, _: str(_spec(o).get("minReplicas", 1))),
        Column("MaxPods", lambda o, _: int(_spec(o).get("maxReplicas") or 0), type="integer"),
        Column("Replicas", _int_status("currentReplicas"), type="integer"),
        _AGE,
    ),
    "Ingress": (
        _NAME,
        Column("Class", lambda o, _: none_if_empty(_spec(o).get("ingressClassName"))),
        Column("Hosts", _ingress_hosts),
        Column("Address", _ingress_address),
        Column("Ports", _ingress_ports),
        _AGE,
    ),
    "PodDisruptionBudget": (
        _NAME,
        Column("Min Available", _pdb_field("minAvailable")),
        Column("Max Unavailable", _pdb_field("maxUnavailable")),
        Column("Allowed Disruptions", _int_status("disruptionsAllowed"), type="integer"),
        _AGE,
    ),
    "NetworkPolicy": (
        _NAME,
        Column(
            "Pod-Selector",
            lambda o, _: selector_text(_spec(o).get("podSelector")).replace("<none>", ""),
        ),
        _AGE,
    ),
    "RoleBinding": (
        _NAME,
        Column(
            "Role",
            lambda o, _: (
                f"{(o.get('roleRef') or {}).get('kind')}/{(o.get('roleRef') or {}).get('name')}"
            ),
        ),
        _AGE,
        Column("Users", _binding_subjects("User"), priority=1),
        Column("Groups", _binding_subjects("Group"), priority=1),
        Column("ServiceAccounts", _binding_subjects("ServiceAccount"), priority=1),
    ),
    "ResourceQuota": (
        _NAME,
        _AGE,
        Column("Request", _quota(limits=False)),
        Column("Limit", _quota(limits=True)),
    ),
}
WORKLOAD_COLUMNS["ClusterRoleBinding"] = WORKLOAD_COLUMNS["RoleBinding"]
