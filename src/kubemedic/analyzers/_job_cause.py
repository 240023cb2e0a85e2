"""A Job that fails because its pods fail is diagnosed by the pods' cause.

"Backoff limit reached" is the Job's state, not a reason: the reason is why its pods ended —
a missing variable, an exit code the application chose, a memory limit. When that is known,
the Job's finding carries the pod's category and finding id (so it reads, and folds, like the
same failure in a Deployment) and the pod's fix, and the Job's state — failed after n pods,
stopped by a pod failure policy rule, indexes failed — is the impact it adds.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from kubemedic._internal.quantities import round_up_memory
from kubemedic.analyzers._build import Fix
from kubemedic.analyzers._crash_case import CrashCase, crash_dependency
from kubemedic.analyzers._crash_fix import crash_remediation
from kubemedic.analyzers._job_pods import PodFailure
from kubemedic.analyzers._template_patch import container_patch, container_recreate_step
from kubemedic.analyzers.crashloop import IDS as CRASH_IDS
from kubemedic.analyzers.oomkilled import ID as OOM_ID
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import ObjectRef, Remediation

_MIN_MEMORY = 64 * 2**20
POD_CATEGORIES = (*CRASH_IDS, Category.OOMKILLED)
"""The pod-level categories a Job's finding can take over."""


@dataclass(frozen=True, slots=True)
class PodCause:
    """The pod-level diagnosis a Job's finding takes over."""

    category: Category
    id: str
    remediation: Remediation


def pod_cause(
    view: ClusterView, workload: ObjectRef, failure: PodFailure | None
) -> PodCause | None:
    """The category, id and fix of the pod failure behind a Job's state, when it is known."""
    if failure is None:
        return None
    spec = failure.pod.container(failure.container) if failure.container else None
    if spec is None:
        return None
    if failure.crash is not None:
        crash = failure.crash
        dependency = crash_dependency(view, failure.pod, crash)
        case = CrashCase(crash, failure.pod, spec, workload, dependency, view=view)
        return PodCause(crash.category, CRASH_IDS[crash.category], crash_remediation(case))
    if failure.oom:
        limit = spec.resources.limit("memory")
        new = round_up_memory(max(limit or 0, _MIN_MEMORY) * 2)
        change = {"resources": {"limits": {"memory": new}}}
        patch = container_patch(workload, spec, change)
        recreate = container_recreate_step(workload, spec, change)
        fix = Fix(
            f"Give container {spec.name} a memory limit of {new} (twice "
            f"{spec.resources.limit_text('memory') or 'no limit'}; the real need is unknown "
            "after a kill), or make the job use less memory.",
            (recreate,) if recreate else (),
            (patch,) if patch else (),
        )
        return PodCause(Category.OOMKILLED, OOM_ID, fix.remediation(""))
    return None


def with_rerun(cause: PodCause, rerun: Remediation) -> Remediation:
    """The pod's fix, then the Job's own steps and commands (the pod's log command once), with
    the Job's expected outcome."""
    fix = cause.remediation
    logs = any(c.startswith("kubectl logs ") for c in fix.commands)
    commands = [c for c in rerun.commands if not (logs and c.startswith("kubectl logs "))]
    return replace(
        fix,
        steps=tuple(dict.fromkeys(fix.steps + rerun.steps)),
        commands=tuple(dict.fromkeys((*fix.commands, *commands))),
        expected_outcome=rerun.expected_outcome,
        reversible=fix.reversible and rerun.reversible,
    )
