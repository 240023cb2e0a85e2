"""``kubectl describe`` text, as users paste it, becomes the objects the API would return."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from kubemedic.adapters.kubernetes.files import load_files
from kubemedic.models.cluster import ClusterView
from kubemedic.models.k8s import Event

from .pasting import PASTED, load_pasted
from .pasting import pod_in as _pod

CRASHING = (PASTED / "describe-crashing-pod.txt").read_text()


def _view(tmp_path: Path, text: str) -> ClusterView:
    return load_pasted(tmp_path, pasted=text)


class TestPod:
    def test_status_shows_the_crash_as_the_api_would(self, tmp_path: Path) -> None:
        pod = _pod(_view(tmp_path, CRASHING), "todo", "backend-7ffb94494f-q9758")

        assert pod.phase == "Running"
        assert pod.node_name == "node-1"
        assert pod.status["hostIP"] == "172.18.0.2"
        assert pod.status["qosClass"] == "Burstable"
        assert {c.type: c.status for c in pod.conditions} == {
            "Initialized": "True",
            "Ready": "False",
            "PodScheduled": "True",
        }
        status = pod.container_statuses[0]
        assert (status.name, status.ready, status.restart_count) == ("backend", False, 6)
        assert status.state.waiting_reason == "CrashLoopBackOff"
        last = status.last_termination
        assert last is not None
        assert (last.reason, last.exit_code, last.run_seconds) == ("Error", 1, 2.0)

    def test_spec_keeps_what_describe_prints(self, tmp_path: Path) -> None:
        pod = _pod(_view(tmp_path, CRASHING), "todo", "backend-7ffb94494f-q9758")

        assert pod.controller is not None
        assert (pod.controller.kind, pod.controller.name) == ("ReplicaSet", "backend-7ffb94494f")
        assert pod.restart_policy == "Always"  # a ReplicaSet's pods can have no other
        spec = pod.containers[0]
        assert spec.resources.limit_text("memory") == "512Mi"
        assert spec.resources.request_text("cpu") == "250m"
        assert spec.ports == [{"containerPort": 8080, "protocol": "TCP", "name": "http"}]
        liveness = spec.probe("liveness")
        assert liveness is not None
        assert (liveness.path, liveness.port, liveness.period_seconds) == ("/healthz", "http", 10)
        readiness = spec.probe("readiness")
        assert readiness is not None
        assert (readiness.handler, readiness.port) == ("tcpSocket", 8080)
        assert spec.env == [
            {
                "name": "SESSION_KEY",
                "valueFrom": {"secretKeyRef": {"name": "backend-secrets", "key": "session-key"}},
            },
            {
                "name": "LOG_LEVEL",
                "valueFrom": {
                    "configMapKeyRef": {
                        "name": "backend-config",
                        "key": "log-level",
                        "optional": True,
                    }
                },
            },
            {
                "name": "POD_NAME",
                "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}},
            },
            {"name": "API_URL", "value": "http://backend:8080"},
        ]
        assert spec.env_from == [{"configMapRef": {"name": "backend-config"}}]
        assert spec.volume_mounts == [
            {"name": "uploads", "mountPath": "/data"},
            {
                "name": "config",
                "mountPath": "/etc/app/app.yaml",
                "readOnly": True,
                "subPath": "app.yaml",
            },
        ]
        assert pod.volumes == [
            {
                "name": "uploads",
                "persistentVolumeClaim": {"claimName": "backend-uploads", "readOnly": False},
            },
            {"name": "config", "configMap": {"name": "backend-config", "optional": False}},
        ]
        assert pod.node_selector == {"disktype": "ssd"}
        assert pod.tolerations == [
            {
                "key": "node.kubernetes.io/not-ready",
                "operator": "Exists",
                "effect": "NoExecute",
                "tolerationSeconds": 300,
            },
            {"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"},
        ]

    def test_what_describe_never_shows_is_said_to_be_unknown(self, tmp_path: Path) -> None:
        view = _view(tmp_path, CRASHING)

        pod = _pod(view, "todo", "backend-7ffb94494f-q9758")
        assert pod.created_at is None
        assert "securityContext" not in pod.spec
        assert any("securityContext" in w.message and "unknown" in w.message for w in view.warnings)

    def test_a_pod_being_deleted_has_no_phase_but_a_deletion_time(self, tmp_path: Path) -> None:
        text = CRASHING.replace(
            "Status:           Running",
            "Status:           Terminating (lasts 5m)\nTermination Grace Period:  30s",
        )
        view = _view(tmp_path, text)

        pod = _pod(view, "todo", "backend-7ffb94494f-q9758")
        assert pod.phase == ""
        assert pod.deletion_timestamp is not None
        assert (view.observed_at - pod.deletion_timestamp).total_seconds() == 300
        assert pod.metadata["deletionGracePeriodSeconds"] == 30

    def test_kubectl_before_1_5_shows_the_deletion_deadline(self, tmp_path: Path) -> None:
        text = CRASHING.replace(
            "Status:           Running",
            "Status:           Terminating (expires Fri, 09 Sep 2016 00:34:02 +0100)",
        )
        pod = _pod(_view(tmp_path, text), "todo", "backend-7ffb94494f-q9758")

        assert pod.deletion_timestamp == datetime(2016, 9, 8, 23, 34, 2, tzinfo=UTC)


class TestEventTimes:
    def test_ages_count_back_from_when_kubectl_printed_the_text(self, tmp_path: Path) -> None:
        view = _view(tmp_path, CRASHING)

        # Start Time 21:33:24 + the Scheduled event's age 6m59s: printed at 21:40:23.
        printed = datetime(2026, 12, 6, 21, 40, 23, tzinfo=UTC)
        assert view.observed_at == printed
        pod = _pod(view, "todo", "backend-7ffb94494f-q9758")
        backoff = next(e for e in view.events_for(pod) if e.reason == "BackOff")
        assert backoff.type == "Warning"
        assert backoff.count == 6
        assert backoff.last_seen is not None
        assert backoff.first_seen is not None
        assert (printed - backoff.last_seen).total_seconds() == 96
        assert (printed - backoff.first_seen).total_seconds() == 6 * 60 + 54
        assert backoff.raw["source"] == {"component": "kubelet"}

    def test_an_age_in_kubectls_future_leaves_the_time_unknown(self, tmp_path: Path) -> None:
        text = CRASHING.replace("96s (x6 over 6m54s)", "<invalid> (x6 over <invalid>)")
        view = _view(tmp_path, text)

        pod = _pod(view, "todo", "backend-7ffb94494f-q9758")
        backoff = next(e for e in view.events_for(pod) if e.reason == "BackOff")
        assert (backoff.first_seen, backoff.last_seen, backoff.count) == (None, None, 6)
        assert any("<invalid>" in w.message for w in view.warnings)

    def test_text_without_any_date_counts_its_ages_back_from_the_other_input(
        self, tmp_path: Path
    ) -> None:
        pending = (PASTED / "describe-pending-pod.txt").read_text()
        (tmp_path / "describe.txt").write_text(pending)
        (tmp_path / "node.yaml").write_text(
            "apiVersion: v1\nkind: Node\nmetadata:\n  name: n1\n"
            "  creationTimestamp: '2024-05-01T10:00:00Z'\n"
        )
        view = load_files([tmp_path])

        assert view.observed_at == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
        pod = _pod(view, "shop", "web-5d8f7c6b9d-x2x7z")
        (event,) = view.events_for(pod)
        assert event.last_seen == datetime(2024, 5, 1, 9, 57, tzinfo=UTC)
        assert any("shows no date" in w.message for w in view.warnings)


class TestOlderLayouts:
    def test_kubectl_1_0_with_tabs_dates_and_no_event_type(self, tmp_path: Path) -> None:
        text = (
            "Name:\t\t\t\tmysql\nNamespace:\t\t\tdefault\nImage(s):\t\t\tmysql\n"
            "Node:\t\t\t\t/\nLabels:\t\t\t\tname=mysql\nStatus:\t\t\t\tPending\n"
            "Reason:\t\t\t\t\nMessage:\t\t\t\nIP:\t\t\t\t\n"
            "Replication Controllers:\t<none>\nContainers:\n  mysql:\n    Image:\tmysql\n"
            "    Limits:\n      cpu:\t\t500m\n    State:\t\tWaiting\n    Ready:\t\tFalse\n"
            "    Restart Count:\t0\nEvents:\n"
            "  FirstSeen\t\t\t\tLastSeen\t\t\tCount\tFrom\t\tSubobjectPath\tReason\t\t\tMessage\n"
            "  Fri, 17 Jul 2015 10:30:55 -0700\tFri, 17 Jul 2015 10:31:10 -0700\t5\t"
            "{scheduler }\t\t\tfailedScheduling\tFailed for reason PodFitsResources and "
            "possibly others\n"
        )
        view = _view(tmp_path, text)

        pod = _pod(view, "default", "mysql")
        assert (pod.phase, pod.node_name, pod.controller) == ("Pending", "", None)
        assert pod.containers[0].resources.limit_text("cpu") == "500m"
        (event,) = view.events_for(pod)
        assert (event.reason, event.count) == ("failedScheduling", 5)
        assert "type" not in event.raw  # events had no type before 2016
        assert event.first_seen == datetime(2015, 7, 17, 17, 30, 55, tzinfo=UTC)
        assert event.last_seen == datetime(2015, 7, 17, 17, 31, 10, tzinfo=UTC)
        assert view.observed_at == event.last_seen

    def test_kubectl_1_5_events_name_the_container_and_the_node(self, tmp_path: Path) -> None:
        text = (PASTED / "describe-kubectl-1.5-pod.txt").read_text()
        view = _view(tmp_path, text)

        pod = _pod(view, "default", "web-1")
        scheduled, unhealthy = view.events_for(pod)
        assert (unhealthy.type, unhealthy.reason, unhealthy.count) == ("Warning", "Unhealthy", 3)
        assert unhealthy.field_path == "spec.containers{web}"
        assert unhealthy.raw["source"] == {"component": "kubelet", "host": "node-7"}
        assert unhealthy.message.endswith("connection refused")
        assert scheduled.field_path == ""
        # Printed 14 minutes after the scheduling the Start Time dates.
        assert view.observed_at == datetime(2017, 1, 10, 19, 37, 29, tzinfo=UTC)
        assert unhealthy.last_seen == datetime(2017, 1, 10, 19, 25, 29, tzinfo=UTC)

    def test_go_zero_time_means_not_recorded(self, tmp_path: Path) -> None:
        text = CRASHING.replace(
            "Started:      Sun, 06 Dec 2026 21:38:45 +0000",
            "Started:      Mon, 01 Jan 0001 00:00:00 +0000",
        )
        pod = _pod(_view(tmp_path, text), "todo", "backend-7ffb94494f-q9758")

        last = pod.container_statuses[0].last_termination
        assert last is not None
        assert last.started_at is None
        assert last.finished_at == datetime(2026, 12, 6, 21, 38, 47, tzinfo=UTC)

    def test_a_termination_message_breaking_out_to_column_zero(self, tmp_path: Path) -> None:
        text = CRASHING.replace(
            "      Exit Code:    1\n",
            "      Message:      panic: runtime error: invalid memory address\n"
            "goroutine 1 [running]:\nmain.main()\n"
            "      Exit Code:    1\n",
        )
        pod = _pod(_view(tmp_path, text), "todo", "backend-7ffb94494f-q9758")

        last = pod.container_statuses[0].last_termination
        assert last is not None
        assert last.exit_code == 1
        assert last.message.splitlines() == [
            "panic: runtime error: invalid memory address",
            "goroutine 1 [running]:",
            "main.main()",
        ]


class TestOtherKinds:
    def test_deployment(self, tmp_path: Path) -> None:
        text = (PASTED / "describe-deployment.txt").read_text()
        view = _view(tmp_path, text)

        deployment = view.get("Deployment", "todo", "backend")
        assert deployment is not None
        raw = deployment.raw
        assert raw["spec"]["replicas"] == 2
        assert raw["spec"]["selector"] == {"matchLabels": {"app": "backend", "tier": "api"}}
        assert raw["spec"]["strategy"]["rollingUpdate"] == {"maxUnavailable": "25%", "maxSurge": 1}
        assert raw["status"]["unavailableReplicas"] == 1
        assert raw["metadata"]["annotations"] == {"deployment.kubernetes.io/revision": "2"}
        container = raw["spec"]["template"]["spec"]["containers"][0]
        assert container["resources"] == {"limits": {"memory": "107Mi"}}
        progressing = deployment.condition("Progressing")
        assert progressing is not None
        assert (progressing.status, progressing.reason) == ("False", "ProgressDeadlineExceeded")

    def test_node(self, tmp_path: Path) -> None:
        text = (PASTED / "describe-node.txt").read_text()
        view = _view(tmp_path, text)

        (node,) = view.nodes
        assert node.taints == [
            {"key": "node.kubernetes.io/memory-pressure", "effect": "NoSchedule"},
            {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"},
        ]
        assert node.allocatable("cpu") == 4
        assert node.status["nodeInfo"] == {"architecture": "arm64", "kubeletVersion": "v1.32.0"}
        pressure = node.condition("MemoryPressure")
        assert pressure is not None
        assert pressure.reason == "KubeletHasInsufficientMemory"
        assert pressure.message == "kubelet has insufficient memory available"
        assert pressure.last_transition == datetime(2026, 12, 6, 21, 41, tzinfo=UTC)
        assert view.observed_at == datetime(2026, 12, 6, 21, 42, tzinfo=UTC)

    def test_claim(self, tmp_path: Path) -> None:
        text = (PASTED / "describe-pvc.txt").read_text()
        view = _view(tmp_path, text)

        claim = view.get("PersistentVolumeClaim", "todo", "backend-uploads")
        assert claim is not None
        assert claim.raw["spec"] == {"storageClassName": "fast-ssd", "volumeMode": "Filesystem"}
        assert claim.raw["status"] == {"phase": "Pending"}
        assert claim.finalizers == ("kubernetes.io/pvc-protection",)
        (event,) = view.events_for(claim)
        assert (event.reason, event.count) == ("ProvisioningFailed", 7)

    def test_a_kind_not_read_is_skipped_with_a_warning(self, tmp_path: Path) -> None:
        service = (PASTED / "describe-service.txt").read_text()
        view = _view(tmp_path, CRASHING + "\n\n" + service)

        assert view.get("Service", "todo", "backend") is None
        assert _pod(view, "todo", "backend-7ffb94494f-q9758")
        assert any("'backend'" in w.message and "skipped" in w.message for w in view.warnings)


class TestInput:
    def test_the_format_is_told_by_content_not_by_file_name(self, tmp_path: Path) -> None:
        (tmp_path / "pod.yaml").write_text(CRASHING)
        (tmp_path / "notes.md").write_text("# what I tried\nrestarted it twice\n")

        view = load_files([tmp_path])

        assert [p.name for p in view.pods] == ["backend-7ffb94494f-q9758"]

    def test_several_outputs_pasted_one_after_another(self, tmp_path: Path) -> None:
        second = CRASHING.replace("q9758", "z2k8t").replace(
            "$ kubectl describe pod -n todo backend-7ffb94494f-z2k8t",
            "user@laptop:~$ kubectl -n todo describe pod backend-7ffb94494f-z2k8t",
        )
        view = _view(tmp_path, CRASHING + "\n" + second)

        assert sorted(p.name for p in view.pods) == [
            "backend-7ffb94494f-q9758",
            "backend-7ffb94494f-z2k8t",
        ]
        pod = _pod(view, "todo", "backend-7ffb94494f-z2k8t")
        assert len(view.events_for(pod)) == 3

    @pytest.mark.parametrize("prompt", ["\u276f ", "\u279c  ~ ", "$ "])
    def test_zsh_theme_prompts_are_command_lines(self, tmp_path: Path, prompt: str) -> None:
        table = (
            f"{prompt}kubectl get pods -n shop\n"
            "NAME                   READY   STATUS    RESTARTS   AGE\n"
            "web-7d4b9c6f5d-x2x8z   1/1     Running   0          5m\n"
        )
        view = _view(tmp_path, table)

        assert [(p.namespace, p.name) for p in view.pods] == [("shop", "web-7d4b9c6f5d-x2x8z")]
        assert not [w for w in view.warnings if "not kubectl describe" in w.message]

    def test_a_log_beside_a_described_pod_is_its_log(self, tmp_path: Path) -> None:
        (tmp_path / "describe.txt").write_text(CRASHING)
        (tmp_path / "logs.txt").write_text("KeyError: 'DATABASE_URL'\n")

        view = load_files([tmp_path])

        log = view.crash_log("todo", "backend-7ffb94494f-q9758", "backend")
        assert log is not None
        assert log.lines == ("KeyError: 'DATABASE_URL'",)

    def test_yaml_and_logs_are_not_taken_for_pasted_text(self, tmp_path: Path) -> None:
        (tmp_path / "pod.yaml").write_text(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: shop\n"
        )
        (tmp_path / "web.log").write_text("Name: not a describe line\nstarting\n")

        view = load_files([tmp_path])

        assert [p.name for p in view.pods] == ["web"]
        assert view.crash_log("shop", "web", "") is not None
        assert not any(isinstance(e, Event) for e in view.objects("Event"))
