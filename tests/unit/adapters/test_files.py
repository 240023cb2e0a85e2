"""The files source reads every layout users hand it: manifests, lists, dumps, logs beside pods."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from kubemedic.adapters.kubernetes.files import load_files
from kubemedic.models.k8s import Pod

from .pods import backoff_event, crashing_pod, healthy_pod
from .writers import kubectl_list, typed_list, write_json, write_yaml

CRASH_LOG = [
    "2024-05-01T10:12:39.812Z INFO  Starting api v2.4.1",
    "2024-05-01T10:12:40.101Z ERROR Failed to connect to postgres at db:5432: connection refused",
    "Exception in thread main java.net.ConnectException: Connection refused",
]


class TestSinglePodFolder:
    def test_pod_events_and_log_make_one_view(self, tmp_path: Path) -> None:
        pod = crashing_pod()
        replica_set = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": "api-6c9f7d8b54",
                "namespace": "shop",
                "uid": "8a7b6c5d-4e3f-2a1b-0c9d-8e7f6a5b4c3d",
                "ownerReferences": [
                    {
                        "apiVersion": "apps/v1",
                        "kind": "Deployment",
                        "name": "api",
                        "controller": True,
                    }
                ],
            },
            "spec": {"replicas": 3},
        }
        write_yaml(tmp_path / "pod.yaml", pod, replica_set)
        write_yaml(tmp_path / "events.yaml", typed_list("Event", [backoff_event(pod)]))
        (tmp_path / "logs.txt").write_text("\n".join(CRASH_LOG) + "\n")

        view = load_files([tmp_path])

        loaded = view.get("Pod", "shop", pod["metadata"]["name"])
        assert isinstance(loaded, Pod)
        assert view.workload_of(loaded).name == "api"
        assert [e.reason for e in view.events_for(loaded)] == ["BackOff"]
        log = view.crash_log("shop", loaded.name, "api")
        assert log is not None
        assert log.lines == tuple(CRASH_LOG)
        assert log.source.endswith("logs.txt")
        assert view.knows("Event", "shop")
        assert not view.knows("Pod", "shop")  # a lone pod.yaml says nothing about other pods

    def test_container_log_named_after_the_container(self, tmp_path: Path) -> None:
        pod = crashing_pod()
        write_yaml(tmp_path / "pod.yaml", pod)
        (tmp_path / "api.previous.log").write_text("panic: nil map\n")
        (tmp_path / "envoy.log").write_text("[info] all clusters initialized\n")

        view = load_files([tmp_path])

        api = view.crash_log("shop", pod["metadata"]["name"], "api")
        envoy = view.crash_log("shop", pod["metadata"]["name"], "envoy")
        assert api is not None
        assert api.lines == ("panic: nil map",)
        assert api.previous is True
        assert envoy is not None
        assert envoy.lines == ("[info] all clusters initialized",)

    def test_only_the_last_lines_of_a_long_log_are_kept(self, tmp_path: Path) -> None:
        pod = crashing_pod()
        write_yaml(tmp_path / "pod.yaml", pod)
        (tmp_path / "logs.txt").write_text("".join(f"line {i}\n" for i in range(5000)))

        log = load_files([tmp_path]).crash_log("shop", pod["metadata"]["name"], "api")

        assert log is not None
        assert len(log.lines) == 200
        assert log.lines[-1] == "line 4999"


class TestLists:
    def test_kubectl_get_list_items_keep_their_kinds(self, tmp_path: Path) -> None:
        listing = kubectl_list([crashing_pod(), healthy_pod("web-5d8f7c9b6-q2w3e")])

        view = load_files([write_yaml(tmp_path / "pods.yaml", listing)])

        assert sorted(p.name for p in view.pods) == ["api-6c9f7d8b54-x2k4q", "web-5d8f7c9b6-q2w3e"]

    def test_kubectl_get_all_namespaces_marks_each_namespace_it_shows(self, tmp_path: Path) -> None:
        """`kubectl get pods -A -o yaml`: every pod of the namespaces it shows is there."""
        pods = [crashing_pod(), healthy_pod("web-1", "shop"), healthy_pod("worker-1", "batch")]

        view = load_files([write_yaml(tmp_path / "pods.yaml", kubectl_list(pods))])

        assert view.knows("Pod", "shop")
        assert view.knows("Pod", "batch")
        assert not view.knows("Pod", "payments")  # no pod shown there: maybe not listed at all

    def test_a_list_of_several_kinds_marks_each_kind(self, tmp_path: Path) -> None:
        """`kubectl get svc,pods,cm -n shop -o yaml` prints one List of all three kinds."""
        service = {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": "api", "namespace": "shop"},
            "spec": {"selector": {"app": "api"}, "ports": [{"port": 80, "targetPort": 8080}]},
        }
        config_map = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "api-config", "namespace": "shop"},
            "data": {"LOG_LEVEL": "info"},
        }
        listing = kubectl_list([service, crashing_pod(), config_map])

        view = load_files([write_yaml(tmp_path / "shop.yaml", listing)])

        assert [s.name for s in view.objects("Service", "shop")] == ["api"]
        assert view.knows("Service", "shop")
        assert view.knows("Pod", "shop")
        assert view.knows("ConfigMap", "shop")
        assert not view.knows("Secret", "shop")  # not asked for: a missing Secret proves nothing

    def test_an_empty_kubectl_list_marks_nothing(self, tmp_path: Path) -> None:
        """`kubectl get secrets -n shop -o yaml` with none found: nothing says what was asked."""
        write_yaml(tmp_path / "pod.yaml", crashing_pod())
        write_yaml(tmp_path / "secrets.yaml", kubectl_list([]))

        view = load_files([tmp_path])

        assert not view.knows("Secret", "shop")
        assert not view.knows("Pod", "shop")

    def test_cluster_scoped_items_of_a_kubectl_list_are_complete_cluster_wide(
        self, tmp_path: Path
    ) -> None:
        node = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "node-a"}, "status": {}}

        view = load_files([write_yaml(tmp_path / "nodes.yaml", kubectl_list([node]))])

        assert view.knows("Node")

    def test_typed_list_items_get_their_kind_and_mark_namespaces_complete(
        self, tmp_path: Path
    ) -> None:
        pods = [crashing_pod(), healthy_pod("web-1", "shop"), healthy_pod("worker-1", "batch")]
        view = load_files([write_json(tmp_path / "pods.json", typed_list("Pod", pods))])

        assert {(p.namespace, p.name) for p in view.pods} == {
            ("shop", "api-6c9f7d8b54-x2k4q"),
            ("shop", "web-1"),
            ("batch", "worker-1"),
        }
        assert all(p.api_version == "v1" for p in view.pods)
        assert view.knows("Pod", "shop")
        assert view.knows("Pod", "batch")
        assert not view.knows("Pod", "payments")

    def test_cluster_scoped_list_is_complete_cluster_wide(self, tmp_path: Path) -> None:
        node = {"metadata": {"name": "node-a"}, "status": {"conditions": []}}
        view = load_files([write_json(tmp_path / "nodes.json", typed_list("Node", [node]))])

        assert [n.name for n in view.nodes] == ["node-a"]
        assert view.knows("Node")

    def test_multi_document_yaml_and_json_in_one_directory(self, tmp_path: Path) -> None:
        write_yaml(tmp_path / "a" / "pods.yaml", healthy_pod("web-1"), healthy_pod("web-2"))
        write_json(tmp_path / "b" / "pod.json", healthy_pod("web-3"))
        (tmp_path / ".git").mkdir()
        write_yaml(tmp_path / ".git" / "ignored.yaml", healthy_pod("not-me"))

        view = load_files([tmp_path])

        assert sorted(p.name for p in view.pods) == ["web-1", "web-2", "web-3"]


class TestClusterInfoDump:
    """The layout of `kubectl cluster-info dump --output-directory=DIR`."""

    def _dump(self, root: Path) -> dict[str, Any]:
        crashing = crashing_pod()
        healthy = healthy_pod("web-5d8f7c9b6-q2w3e")
        node = {"metadata": {"name": "node-a"}, "spec": {}, "status": {}}
        write_json(root / "nodes.json", typed_list("Node", [node]))
        write_json(root / "shop" / "events.json", typed_list("Event", [backoff_event(crashing)]))
        write_json(root / "shop" / "pods.json", typed_list("Pod", [crashing, healthy]))
        for name, kind, version in (
            ("replication-controllers", "ReplicationController", "v1"),
            ("services", "Service", "v1"),
            ("daemonsets", "DaemonSet", "apps/v1"),
            ("deployments", "Deployment", "apps/v1"),
            ("replicasets", "ReplicaSet", "apps/v1"),
        ):
            write_json(root / "shop" / f"{name}.json", typed_list(kind, [], version))
        write_json(root / "kube-system" / "pods.json", typed_list("Pod", []))
        sections = [
            ("api", crashing, CRASH_LOG),
            ("envoy", crashing, ["[info] starting envoy"]),
        ]
        text = "".join(
            f"==== START logs for container {c} of pod shop/{p['metadata']['name']} ====\n"
            + "".join(f"{line}\n" for line in lines)
            + f"==== END logs for container {c} of pod shop/{p['metadata']['name']} ====\n"
            for c, p, lines in sections
        )
        (root / "shop" / crashing["metadata"]["name"]).mkdir()
        (root / "shop" / crashing["metadata"]["name"] / "logs.txt").write_text(text)
        healthy_dir = root / "shop" / healthy["metadata"]["name"]
        healthy_dir.mkdir()
        (healthy_dir / "logs.txt").write_text(
            "==== START logs for container web of pod shop/web-5d8f7c9b6-q2w3e ====\n"
            "GET /healthz 200\n"
            "==== END logs for container web of pod shop/web-5d8f7c9b6-q2w3e ====\n"
        )
        return crashing

    def test_objects_lists_and_per_container_logs(self, tmp_path: Path) -> None:
        crashing = self._dump(tmp_path)

        view = load_files([tmp_path])

        assert len(view.pods) == 2
        assert [n.name for n in view.nodes] == ["node-a"]
        name = crashing["metadata"]["name"]
        api = view.crash_log("shop", name, "api")
        assert api is not None
        assert api.lines == tuple(CRASH_LOG)
        assert api.previous is False  # the dump asks for the current instance
        envoy = view.crash_log("shop", name, "envoy")
        assert envoy is not None
        assert envoy.lines == ("[info] starting envoy",)
        assert view.knows("Pod", "shop")
        assert view.knows("Deployment", "shop")
        assert view.knows("Node")

    def test_an_empty_namespace_in_a_dump_is_known_empty(self, tmp_path: Path) -> None:
        self._dump(tmp_path)

        view = load_files([tmp_path])

        assert view.knows("Pod", "kube-system")
        assert not view.objects("Pod", "kube-system")

    def test_logs_of_healthy_pods_are_not_kept(self, tmp_path: Path) -> None:
        self._dump(tmp_path)

        view = load_files([tmp_path])

        assert view.log_tails("shop", "web-5d8f7c9b6-q2w3e", "web") == ()


class TestLogsOfManyPods:
    def test_pod_named_files_and_container_files_in_pod_directories(self, tmp_path: Path) -> None:
        first, second = crashing_pod("api-6c9f7d8b54-aaaaa"), crashing_pod("api-6c9f7d8b54-bbbbb")
        write_yaml(tmp_path / "pods.yaml", first, second)
        (tmp_path / "api-6c9f7d8b54-aaaaa.log").write_text("OutOfMemoryError: Java heap space\n")
        (tmp_path / "api-6c9f7d8b54-bbbbb").mkdir()
        (tmp_path / "api-6c9f7d8b54-bbbbb" / "api-previous.log").write_text("exit status 2\n")
        (tmp_path / "unrelated.log").write_text("not about any pod\n")

        view = load_files([tmp_path])

        first_log = view.crash_log("shop", "api-6c9f7d8b54-aaaaa", "api")
        second_log = view.crash_log("shop", "api-6c9f7d8b54-bbbbb", "api")
        assert first_log is not None
        assert first_log.lines == ("OutOfMemoryError: Java heap space",)
        assert second_log is not None
        assert second_log.lines == ("exit status 2",)
        assert second_log.previous is True
        assert view.log_tails("shop", "api-6c9f7d8b54-bbbbb", "envoy") == ()

    def test_a_namespace_directory_settles_pods_of_the_same_name(self, tmp_path: Path) -> None:
        write_yaml(tmp_path / "shop" / "pod.yaml", crashing_pod("db-0", "shop"))
        write_yaml(tmp_path / "staging" / "pod.yaml", crashing_pod("db-0", "staging"))
        (tmp_path / "staging" / "db-0.log").write_text("FATAL: password authentication failed\n")

        view = load_files([tmp_path])

        assert view.crash_log("shop", "db-0", "api") is None
        staging = view.crash_log("staging", "db-0", "api")
        assert staging is not None
        assert staging.lines == ("FATAL: password authentication failed",)


class TestSecretsFromFiles:
    def test_values_are_dropped_and_key_names_kept(self, tmp_path: Path) -> None:
        applied = json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": "db-credentials", "namespace": "shop"},
                "stringData": {"password": "hunter2-plaintext"},
            }
        )
        secret = {
            "apiVersion": "v1",
            "kind": "Secret",
            "type": "Opaque",
            "metadata": {
                "name": "db-credentials",
                "namespace": "shop",
                "annotations": {
                    "kubectl.kubernetes.io/last-applied-configuration": applied,
                    "team": "payments",
                },
            },
            "data": {"username": "YXBw", "password": "aHVudGVyMi1wbGFpbnRleHQ="},
            "stringData": {"url": "postgres://app:hunter2-plaintext@db:5432/shop"},
        }
        listing = typed_list("Secret", [secret])
        write_yaml(tmp_path / "secret.yaml", secret)
        write_json(tmp_path / "secrets.json", listing)

        for path in (tmp_path / "secret.yaml", tmp_path / "secrets.json"):
            view = load_files([path])
            loaded = view.get("Secret", "shop", "db-credentials")
            assert loaded is not None
            assert loaded.raw["type"] == "Opaque"
            assert loaded.raw["data"] == {"username": "", "password": "", "url": ""}
            assert loaded.annotations == {"team": "payments"}
            everything = repr([dict(o.raw) for o in view.objects("Secret")])
            assert "hunter2" not in everything
            assert "aHVudGVyMi1wbGFpbnRleHQ=" not in everything
