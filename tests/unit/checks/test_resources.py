"""Requests, limits and probes on long-running workloads."""

from __future__ import annotations

from kubemedic.checks import resources

from .builders import MANIFESTS, container, deployment, ids, obj, view

SIZED = {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "256Mi"}}
PROBED = {
    "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}},
    "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
}


def test_a_sized_probed_container_has_only_the_cpu_limit_to_mention_at_low() -> None:
    web = deployment("web", containers=[container(resources=SIZED, **PROBED)])
    [finding] = resources.run(view(web), MANIFESTS)
    assert (finding.id, finding.severity.value) == ("KM-SEC-NO-LIMITS", "low")
    assert finding.fix.commands == ("kubemedic recommend resources -n shop",)


def test_nothing_set_means_medium_limits_low_requests_and_low_probes() -> None:
    findings = list(resources.run(view(deployment("web")), MANIFESTS))
    assert [(f.id, f.severity.value) for f in findings] == [
        ("KM-SEC-NO-LIMITS", "medium"),
        ("KM-SEC-NO-REQUESTS", "low"),
        ("KM-SEC-NO-PROBES", "low"),
    ]
    assert [e.location for e in findings[2].evidence] == [
        "Deployment shop/web spec.template.spec.containers[app].livenessProbe",
        "Deployment shop/web spec.template.spec.containers[app].readinessProbe",
    ]


def test_jobs_need_no_probes_and_init_containers_are_not_sized_here() -> None:
    job = obj(
        "Job",
        "migrate",
        api="batch/v1",
        spec={
            "template": {
                "spec": {
                    "restartPolicy": "Never",
                    "initContainers": [container("wait")],
                    "containers": [container(resources=SIZED)],
                }
            }
        },
    )
    assert ids(resources.run(view(job), MANIFESTS)) == ["KM-SEC-NO-LIMITS"]
