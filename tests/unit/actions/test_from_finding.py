"""A finding's kubectl fix becomes a governed action with its exact values, or needs a human."""

from __future__ import annotations

import pytest

from kubemedic.actions.from_finding import Translation, action_for, parse_command
from kubemedic.models.categories import Category
from kubemedic.models.findings import Finding, ObjectRef, Remediation
from kubemedic.models.operations import ActionRequest, ActionType
from kubemedic.models.severity import RiskTier, Severity

WEB = ObjectRef("Deployment", "web", "shop")


@pytest.mark.parametrize(
    ("command", "request_"),
    [
        (
            "kubectl set resources deployment/web -n shop -c app --limits=memory=512Mi",
            ActionRequest(ActionType.RESOURCES, WEB, {"memory_limit": "512Mi", "container": "app"}),
        ),
        (
            "kubectl set resources deploy/web --namespace shop --containers=app "
            "--requests=cpu=250m,memory=256Mi --limits=cpu=1",
            ActionRequest(
                ActionType.RESOURCES,
                WEB,
                {
                    "cpu_request": "250m",
                    "memory_request": "256Mi",
                    "cpu_limit": "1",
                    "container": "app",
                },
            ),
        ),
        (
            "kubectl -n shop set resources deployment.apps/web --requests=memory=1Gi",
            ActionRequest(ActionType.RESOURCES, WEB, {"memory_request": "1Gi"}),
        ),
        (
            "kubectl set image deployment/web app=registry.example.com/web:1.4.3 -n shop",
            ActionRequest(
                ActionType.SET_IMAGE,
                WEB,
                {"container": "app", "image": "registry.example.com/web:1.4.3"},
            ),
        ),
        (
            "kubectl scale statefulset/db --replicas=3 -n shop",
            ActionRequest(
                ActionType.SCALE, ObjectRef("StatefulSet", "db", "shop"), {"replicas": 3}
            ),
        ),
        (
            "kubectl scale deploy/web --replicas 1 --namespace=shop",
            ActionRequest(ActionType.SCALE, WEB, {"replicas": 1}),
        ),
        (
            "kubectl rollout undo deployment/web -n shop",
            ActionRequest(ActionType.UNDO, WEB, {}),
        ),
        (
            "kubectl rollout undo deployment/web -n shop --to-revision=4",
            ActionRequest(ActionType.UNDO, WEB, {"revision": 4}),
        ),
        (
            "kubectl rollout undo deployment/web -n shop --to-revision 4",
            ActionRequest(ActionType.UNDO, WEB, {"revision": 4}),
        ),
        (
            "kubectl autoscale deployment/web -n shop --min=2 --max=6 --cpu-percent=70",
            ActionRequest(ActionType.HPA, WEB, {"min": 2, "max": 6, "cpu_target": 70}),
        ),
        (
            "kubectl autoscale deployment/web -n shop --min 2 --max 6 --cpu-percent 70",
            ActionRequest(ActionType.HPA, WEB, {"min": 2, "max": 6, "cpu_target": 70}),
        ),
        (
            "kubectl delete pod web-5d8f7c9b4-x2x9k -n shop",
            ActionRequest(ActionType.RESTART, ObjectRef("Pod", "web-5d8f7c9b4-x2x9k", "shop")),
        ),
        (
            "kubectl delete pod/web-5d8f7c9b4-x2x9k -n shop",
            ActionRequest(ActionType.RESTART, ObjectRef("Pod", "web-5d8f7c9b4-x2x9k", "shop")),
        ),
    ],
)
def test_governed_kubectl_commands_become_actions(command: str, request_: ActionRequest) -> None:
    assert parse_command(command) == request_


@pytest.mark.parametrize(
    "command",
    [
        "kubectl patch deployment/web -n shop --type=json -p '[...]'",
        "kubectl edit deployment/web -n shop",
        "kubectl delete deployment/web -n shop",
        "kubectl create secret docker-registry regcred --docker-server=r.example.com",
        "kubectl set resources deployment/web -n shop -c app",  # no value
        "kubectl set resources deployment/web -c '*' --limits=memory=1Gi",  # every container
        "kubectl set image deployment/web *=web:2",  # every container
        "kubectl set image deployment/web app=web:2 envoy=envoy:2",  # two changes in one
        "kubectl scale deployment/web --replicas=lots",
        "kubectl scale job/backup --replicas=1",  # not a kind kubemedic scales
        "kubectl rollout undo deployment/web --to-revision=previous",
        "kubectl autoscale deployment/web --max=6",  # no minimum, no CPU target
        "kubectl rollout restart deployment/web",
        "kubectl get pods",
        "helm rollback web 3",
        "kubectl set image deployment/web 'app=web:2",  # unbalanced quote
        "",
    ],
)
def test_commands_kubemedic_does_not_govern_map_to_nothing(command: str) -> None:
    assert parse_command(command) is None


def _finding(*commands: str, summary: str = "Raise the memory limit") -> Finding:
    return Finding(
        id="KM-POD-OOM",
        severity=Severity.HIGH,
        category=Category.OOMKILLED,
        object=WEB,
        summary="Container app of deployment web is OOMKilled",
        root_cause="The container used 256Mi, its limit.",
        evidence=(),
        remediation=Remediation(
            summary=summary,
            risk=RiskTier.MEDIUM,
            reversible=True,
            expected_outcome="no more OOMKilled restarts",
            commands=commands,
        ),
    )


def test_the_first_command_that_maps_is_used() -> None:
    finding = _finding(
        "kubectl describe deployment/web -n shop",
        "kubectl set resources deployment/web -n shop -c app --limits=memory=512Mi",
        "kubectl rollout undo deployment/web -n shop",
    )
    translation = action_for(finding)
    assert translation.command == (
        "kubectl set resources deployment/web -n shop -c app --limits=memory=512Mi"
    )
    assert translation.request is not None
    assert translation.request.type is ActionType.RESOURCES
    assert translation.why_not == ""


def test_a_command_with_a_placeholder_is_skipped_for_one_with_values() -> None:
    finding = _finding(
        "kubectl set resources deployment/web -n shop -c app --limits=memory=<value>",
        "kubectl rollout undo deployment/web -n shop --to-revision=2",
    )
    assert action_for(finding) == Translation(
        ActionRequest(ActionType.UNDO, WEB, {"revision": 2}),
        "kubectl rollout undo deployment/web -n shop --to-revision=2",
    )


def test_a_fix_without_a_governed_command_needs_a_human() -> None:
    finding = _finding(
        "kubectl set image deployment/web app=<image that exists>",
        "kubectl edit secret regcred -n shop",
    )
    assert action_for(finding) == Translation(
        None,
        "kubectl set image deployment/web app=<image that exists>",
        "the fix needs a person: Raise the memory limit",
    )


def test_a_fix_without_commands_names_its_summary() -> None:
    translation = action_for(_finding(summary="Fix the application's startup."))
    assert translation == Translation(
        None, "", "the fix needs a person: Fix the application's startup"
    )
