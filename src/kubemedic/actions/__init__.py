"""Typed changes: each action turns a request and the object as it is now into a ``Plan``.

A plan holds the exact API write, its exact inverse (computed from the prior state, so a
rollback restores what was there, not what someone remembers), the facts the tier rules need,
the before/after of the fields it touches, and the validation checks that prove it worked.
Pure: the services layer reads the object and the cluster context, and applies the plan.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from kubemedic.actions.context import PlanContext
from kubemedic.actions.helm import plan_helm_rollback
from kubemedic.actions.rollout import plan_configmap_restore, plan_pause, plan_restart, plan_resume
from kubemedic.actions.scaling import plan_hpa, plan_hpa_delete, plan_scale
from kubemedic.actions.template import plan_resources, plan_set_image, plan_undo
from kubemedic.models.operations import ActionRequest, ActionType, Plan

Planner = Callable[[ActionRequest, Mapping[str, Any], PlanContext], Plan]

PLANNERS: Mapping[ActionType, Planner] = {
    ActionType.RESTART: plan_restart,
    ActionType.SCALE: plan_scale,
    ActionType.RESOURCES: plan_resources,
    ActionType.HPA: plan_hpa,
    ActionType.HPA_DELETE: plan_hpa_delete,
    ActionType.SET_IMAGE: plan_set_image,
    ActionType.PAUSE: plan_pause,
    ActionType.RESUME: plan_resume,
    ActionType.UNDO: plan_undo,
    ActionType.CONFIGMAP_RESTORE: plan_configmap_restore,
    ActionType.HELM_ROLLBACK: plan_helm_rollback,
}

__all__ = ["PLANNERS", "PlanContext", "plan_change"]


def plan_change(request: ActionRequest, current: Mapping[str, Any], context: PlanContext) -> Plan:
    """The plan for ``request`` against ``current`` (the target object's JSON as read now)."""
    return PLANNERS[request.type](request, current, context)
