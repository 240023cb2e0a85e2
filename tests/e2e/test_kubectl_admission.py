"""The real kubectl and the official client meet admission as on a real cluster.

ResourceQuota, LimitRange and ServiceAccount admission refuse pods with the plugins' own
``403 Forbidden`` messages; controllers turn them into ``FailedCreate`` events and a
``ReplicaFailure`` condition, ``kubectl describe quota`` shows what is used, and
``kubemedic diagnose`` over the live API names the refusal.
"""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import KUBECTL, Sandbox
from tests.e2e.live_diagnosis import categories

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed"),
]

LIMITS = """
apiVersion: v1
kind: LimitRange
metadata: {name: limits, namespace: quota}
spec:
  limits:
  - type: Container
    max: {cpu: "1"}
    defaultRequest: {cpu: 100m, memory: 64Mi}
"""
GREEDY = """
apiVersion: v1
kind: Pod
metadata: {name: greedy, namespace: quota}
spec:
  containers:
  - name: app
    image: nginx:1.27
    resources:
      limits: {cpu: "2"}
"""
WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: quota}
spec:
  replicas: 5
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.27
        resources:
          requests: {cpu: 500m}
"""
ROBOT = """
apiVersion: batch/v1
kind: Job
metadata: {name: report, namespace: quota}
spec:
  template:
    spec:
      serviceAccountName: reporter
      restartPolicy: Never
      containers:
      - {name: report, image: "busybox:1.36", command: ["true"]}
"""


@pytest.fixture
def cluster(sandbox: Sandbox) -> Sandbox:
    sandbox.kubectl("create", "namespace", "quota")
    return sandbox


def failed_create(sandbox: Sandbox, kind: str) -> str:
    def message() -> str:
        events = sandbox.kubectl_json(
            "get", "events", "-n", "quota", "--field-selector", "reason=FailedCreate"
        )["items"]
        found = [e for e in events if e["involvedObject"]["kind"] == kind]
        return str(found[0]["message"]) if found else ""

    return str(sandbox.wait_for(message, what=f"a FailedCreate event on a {kind}"))


def test_an_exceeded_quota_is_a_failed_create_on_the_replica_set(
    cluster: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    cluster.kubectl("create", "quota", "compute-quota", "-n", "quota", "--hard=requests.cpu=2")
    cluster.kubectl("apply", "-f", "-", stdin=WEB)
    message = failed_create(cluster, "ReplicaSet")
    assert message.startswith('Error creating: pods "web-')
    assert message.endswith(
        "is forbidden: exceeded quota: compute-quota, requested: requests.cpu=500m, "
        "used: requests.cpu=2, limited: requests.cpu=2"
    )

    def usage() -> list[list[str]]:
        described = cluster.kubectl("describe", "quota", "compute-quota", "-n", "quota").stdout
        return [line.split() for line in described.splitlines()[2:]]

    assert cluster.wait_for(
        lambda: usage() if ["requests.cpu", "2", "2"] in usage() else None,
        what="the quota's usage in kubectl describe",
    )[:3] == [
        ["Resource", "Used", "Hard"],
        ["--------", "----", "----"],
        ["requests.cpu", "2", "2"],
    ]
    listed = cluster.kubectl("get", "quota", "-n", "quota").stdout.splitlines()
    assert listed[0].split() == ["NAME", "AGE", "REQUEST", "LIMIT"]
    assert listed[1].split()[2:] == ["requests.cpu:", "2/2"]
    deployment = cluster.kubectl_json("get", "deployment", "web", "-n", "quota")
    failure = [c for c in deployment["status"]["conditions"] if c["type"] == "ReplicaFailure"]
    assert failure[0]["reason"] == "FailedCreate"
    assert "workload.failed-create" in categories(cluster, "quota", capsys)


def test_a_limit_range_defaults_requests_and_refuses_a_limit_above_its_maximum(
    cluster: Sandbox,
) -> None:
    from kubernetes import client
    from kubernetes.client.rest import ApiException

    cluster.kubectl("apply", "-f", "-", stdin=LIMITS)
    refused = cluster.kubectl("apply", "-f", "-", stdin=GREEDY, check=False)
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        'Error from server (Forbidden): error when creating "STDIN": pods "greedy" is '
        "forbidden: maximum cpu usage per Container is 1, but limit is 2"
    )
    cluster.kubectl("run", "plain", "-n", "quota", "--image=nginx:1.27")
    pod = cluster.kubectl_json("get", "pod", "plain", "-n", "quota")
    assert pod["spec"]["containers"][0]["resources"] == {
        "limits": {"cpu": "1"},
        "requests": {"cpu": "100m", "memory": "64Mi"},
    }
    assert pod["metadata"]["annotations"]["kubernetes.io/limit-ranger"] == (
        "LimitRanger plugin set: cpu, memory request for container plain; "
        "cpu limit for container plain"
    )
    with cluster.api_client() as api:
        body = client.V1Pod(
            metadata=client.V1ObjectMeta(name="greedy"),
            spec=client.V1PodSpec(
                containers=[
                    client.V1Container(
                        name="app",
                        image="nginx:1.27",
                        resources=client.V1ResourceRequirements(limits={"cpu": "3"}),
                    )
                ]
            ),
        )
        with pytest.raises(ApiException) as caught:
            client.CoreV1Api(api).create_namespaced_pod("quota", body)
    assert caught.value.status == 403
    status = json.loads(caught.value.body)
    assert (status["reason"], status["details"]["kind"]) == ("Forbidden", "pods")
    assert status["message"].endswith("maximum cpu usage per Container is 1, but limit is 3")


def test_a_missing_service_account_is_a_failed_create_on_the_job(
    cluster: Sandbox, capsys: pytest.CaptureFixture[str]
) -> None:
    cluster.kubectl("apply", "-f", "-", stdin=ROBOT)
    message = failed_create(cluster, "Job")
    assert message.startswith('Error creating: pods "report-')
    assert message.endswith(
        "is forbidden: error looking up service account quota/reporter: serviceaccount "
        '"reporter" not found'
    )
    assert "workload.failed-create" in categories(cluster, "quota", capsys)
    accounts = cluster.kubectl("get", "serviceaccounts", "-n", "quota").stdout
    assert accounts.split()[:4] == ["NAME", "SECRETS", "AGE", "default"]
