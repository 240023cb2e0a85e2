"""Which container logs both sources read: only those that can explain a failure."""

from __future__ import annotations

from typing import Any

from kubemedic.adapters.kubernetes.logs import WantedLog, dump_sections, wanted_logs
from kubemedic.models.k8s import Pod


def _pod(
    statuses: list[dict[str, Any]],
    init_statuses: list[dict[str, Any]] | None = None,
    init_specs: list[dict[str, Any]] | None = None,
) -> Pod:
    return Pod(
        {
            "kind": "Pod",
            "metadata": {"name": "worker-0", "namespace": "jobs"},
            "spec": {"initContainers": init_specs or [], "containers": [{"name": "app"}]},
            "status": {"containerStatuses": statuses, "initContainerStatuses": init_statuses or []},
        }
    )


def _status(name: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "restartCount": 0, "state": {"running": {}}} | fields


def test_the_previous_instance_of_a_restarted_container() -> None:
    pod = _pod(
        [
            _status(
                "app",
                restartCount=4,
                state={"waiting": {"reason": "CrashLoopBackOff"}},
                lastState={"terminated": {"exitCode": 2, "reason": "Error"}},
            )
        ]
    )

    assert wanted_logs(pod) == (WantedLog("app", previous=True),)


def test_the_current_instance_when_it_ended_with_an_error() -> None:
    terminated = {"terminated": {"exitCode": 1, "reason": "Error"}}
    pod = _pod([_status("app", restartCount=2, state=terminated, lastState=terminated)])

    assert wanted_logs(pod) == (WantedLog("app", previous=False),)


def test_nothing_for_healthy_or_completed_containers() -> None:
    done = {"terminated": {"exitCode": 0, "reason": "Completed"}}
    pod = _pod([_status("app", state=done), _status("sidecar"), _status("cache", restartCount=1)])

    assert wanted_logs(pod) == ()


def test_an_init_container_still_running_but_not_a_native_sidecar() -> None:
    pod = _pod(
        [_status("app", state={"waiting": {"reason": "PodInitializing"}})],
        init_statuses=[_status("wait-for-db"), _status("istio-proxy")],
        init_specs=[{"name": "wait-for-db"}, {"name": "istio-proxy", "restartPolicy": "Always"}],
    )

    assert wanted_logs(pod) == (WantedLog("wait-for-db", previous=False),)


def test_dump_sections_drop_containers_that_never_started() -> None:
    text = [
        "==== START logs for container init-schema of pod jobs/worker-0 ====\n",
        "Request log error: the server rejected our request for an unknown reason\n",
        "==== END logs for container init-schema of pod jobs/worker-0 ====\n",
        "==== START logs for container app of pod jobs/worker-0 ====\n",
        "panic: runtime error: invalid memory address or nil pointer dereference\n",
        "==== END logs for container app of pod jobs/worker-0 ====\n",
    ]

    sections = list(dump_sections(text))

    assert [(s.namespace, s.pod, s.container) for s in sections] == [("jobs", "worker-0", "app")]
    assert sections[0].lines == (
        "panic: runtime error: invalid memory address or nil pointer dereference",
    )
