"""The sandbox store behaves like the API server behind it: versions, conflicts, selectors,
patches, watches, finalizers, graceful pod deletion and garbage collection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kubemedic.sandbox.store import (
    AlreadyExistsError,
    BadRequestError,
    ConflictError,
    ForbiddenError,
    GoneError,
    InvalidError,
    NotFoundError,
    Store,
)

Obj = dict[str, Any]
T0 = datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)


class FakeTime:
    def __init__(self) -> None:
        self.current = T0

    def __call__(self) -> datetime:
        return self.current


@pytest.fixture
def clock() -> FakeTime:
    return FakeTime()


@pytest.fixture
def store(clock: FakeTime) -> Store:
    store = Store(clock)
    store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "todo"}})
    return store


def deployment(name: str = "web", image: str = "nginx:1.27", **labels: str) -> Obj:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "todo", "labels": {"app": name, **labels}},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "containers": [
                        {
                            "name": "web",
                            "image": image,
                            "env": [{"name": "MODE", "value": "prod"}],
                        },
                        {"name": "sidecar", "image": "busybox:1.36", "command": ["sleep", "1d"]},
                    ]
                },
            },
        },
    }


def pod(name: str, *, node: str | None = None, owner: Obj | None = None, **labels: str) -> Obj:
    obj: Obj = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "todo", "labels": labels},
        "spec": {"containers": [{"name": "app", "image": "busybox:1.36"}]},
    }
    if node:
        obj["spec"]["nodeName"] = node
    if owner:
        obj["metadata"]["ownerReferences"] = [
            {
                "apiVersion": owner["apiVersion"],
                "kind": owner["kind"],
                "name": owner["metadata"]["name"],
                "uid": owner["metadata"]["uid"],
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ]
    return obj


def configmap(name: str, **data: str) -> Obj:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": name, "namespace": "todo"},
        "data": data,
    }


# ---------------------------------------------------------------- create and read


def test_create_assigns_identity_version_and_defaults(store: Store) -> None:
    created = store.create(deployment())
    meta = created["metadata"]
    assert len(meta["uid"]) == 36
    assert meta["creationTimestamp"] == "2024-05-01T10:00:00Z"
    assert meta["generation"] == 1
    assert int(meta["resourceVersion"]) > 0
    assert created["spec"]["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
    }
    assert created["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] == (
        "IfNotPresent"
    )
    assert store.get("Deployment", "todo", "web") == created


def test_create_fills_generate_name_and_reads_return_copies(store: Store) -> None:
    created = store.create({**pod(""), "metadata": {"generateName": "web-", "namespace": "todo"}})
    name = created["metadata"]["name"]
    assert name.startswith("web-")
    assert len(name) == len("web-") + 5
    copy = store.get("Pod", "todo", name)
    copy["metadata"]["labels"] = {"changed": "yes"}
    assert "labels" not in store.get("Pod", "todo", name)["metadata"]


def test_create_refuses_duplicates_bad_names_and_missing_namespaces(store: Store) -> None:
    store.create(configmap("settings"))
    with pytest.raises(AlreadyExistsError) as exists:
        store.create(configmap("settings"))
    assert exists.value.code == 409
    assert exists.value.message == 'configmaps "settings" already exists'

    with pytest.raises(InvalidError) as invalid:
        store.create(configmap("Settings"))
    assert invalid.value.code == 422
    assert invalid.value.message.startswith(
        'ConfigMap "Settings" is invalid: metadata.name: Invalid value: "Settings": '
        "a lowercase RFC 1123 subdomain"
    )
    assert invalid.value.status()["details"]["causes"][0]["field"] == "metadata.name"

    with pytest.raises(NotFoundError) as missing:
        store.create({**configmap("x"), "metadata": {"name": "x", "namespace": "nope"}})
    assert missing.value.status()["message"] == 'namespaces "nope" not found'


def test_invalid_deployment_lists_every_field_error(store: Store) -> None:
    broken = deployment()
    broken["spec"]["template"]["metadata"]["labels"] = {"app": "other"}
    broken["spec"]["template"]["spec"]["containers"][1]["image"] = ""
    with pytest.raises(InvalidError) as invalid:
        store.create(broken)
    assert invalid.value.message == (
        'Deployment.apps "web" is invalid: ['
        'spec.template.metadata.labels: Invalid value: map[string]string{"app":"other"}: '
        "`selector` does not match template `labels`, "
        "spec.template.spec.containers[1].image: Required value]"
    )
    details = invalid.value.status()["details"]
    assert (details["kind"], details["group"]) == ("Deployment", "apps")


def test_requests_above_limits_are_refused(store: Store) -> None:
    greedy = pod("greedy")
    greedy["spec"]["containers"][0]["resources"] = {
        "requests": {"memory": "512Mi"},
        "limits": {"memory": "256Mi"},
    }
    with pytest.raises(InvalidError, match="must be less than or equal to memory limit of 256Mi"):
        store.create(greedy)


def test_dry_run_create_stores_nothing(store: Store) -> None:
    store.create(configmap("preview"), dry_run=True)
    assert store.try_get("ConfigMap", "todo", "preview") is None


# ---------------------------------------------------------------- updates


def test_stale_resource_version_is_a_conflict_with_the_real_message(store: Store) -> None:
    first = store.create(deployment())
    store.patch("Deployment", "todo", "web", {"spec": {"replicas": 3}}, "merge")
    first["spec"]["replicas"] = 5
    with pytest.raises(ConflictError) as conflict:
        store.replace(first)
    assert conflict.value.status() == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'Operation cannot be fulfilled on deployments.apps "web": the object has '
        "been modified; please apply your changes to the latest version and try again",
        "reason": "Conflict",
        "details": {"name": "web", "group": "apps", "kind": "deployments"},
        "code": 409,
    }
    assert store.get("Deployment", "todo", "web")["spec"]["replicas"] == 3


def test_spec_changes_bump_generation_and_status_is_its_own_subresource(store: Store) -> None:
    store.create(deployment())
    store.mutate("Deployment", "todo", "web", lambda d: d.update(status={"observedGeneration": 1}))
    current = store.get("Deployment", "todo", "web")
    current["spec"]["replicas"] = 4
    current["status"] = {"observedGeneration": 99}
    replaced = store.replace(current)
    assert replaced["metadata"]["generation"] == 2
    assert replaced["status"] == {"observedGeneration": 1}

    replaced["status"] = {"observedGeneration": 2, "replicas": 4}
    replaced["spec"]["replicas"] = 1
    status_only = store.replace(replaced, subresource="status")
    assert status_only["status"] == {"observedGeneration": 2, "replicas": 4}
    assert status_only["spec"]["replicas"] == 4
    assert status_only["metadata"]["generation"] == 2


def test_no_op_update_keeps_the_resource_version(store: Store) -> None:
    created = store.create(configmap("settings", mode="prod"))
    again = store.replace(created)
    assert again["metadata"]["resourceVersion"] == created["metadata"]["resourceVersion"]


def test_strategic_merge_patch_merges_containers_and_env_by_name(store: Store) -> None:
    store.create(deployment())
    patched = store.patch(
        "Deployment",
        "todo",
        "web",
        {
            "spec": {
                "template": {
                    "spec": {
                        "containers": [
                            {
                                "name": "web",
                                "image": "nginx:1.28",
                                "env": [{"name": "DEBUG", "value": "1"}],
                            }
                        ]
                    }
                }
            }
        },
        "strategic",
    )
    containers = patched["spec"]["template"]["spec"]["containers"]
    assert [(c["name"], c["image"]) for c in containers] == [
        ("web", "nginx:1.28"),
        ("sidecar", "busybox:1.36"),
    ]
    assert containers[0]["env"] == [
        {"name": "MODE", "value": "prod"},
        {"name": "DEBUG", "value": "1"},
    ]


def test_strategic_merge_patch_directives_delete_and_retain(store: Store) -> None:
    store.create(deployment())
    patched = store.patch(
        "Deployment",
        "todo",
        "web",
        {
            "spec": {
                "strategy": {"$retainKeys": ["type"], "type": "Recreate", "rollingUpdate": None},
                "template": {"spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}},
            }
        },
        "strategic",
    )
    assert patched["spec"]["strategy"] == {"type": "Recreate"}
    assert [c["name"] for c in patched["spec"]["template"]["spec"]["containers"]] == ["web"]


def test_json_patch_as_kubectl_rollout_undo_sends_it(store: Store) -> None:
    store.create(deployment())
    template = store.get("Deployment", "todo", "web")["spec"]["template"]
    template["spec"]["containers"][0]["image"] = "nginx:1.26"
    patched = store.patch(
        "Deployment",
        "todo",
        "web",
        [
            {"op": "replace", "path": "/spec/template", "value": template},
            {"op": "add", "path": "/metadata/annotations", "value": {"a": "b"}},
        ],
        "json",
    )
    assert patched["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.26"
    assert patched["metadata"]["annotations"] == {"a": "b"}
    with pytest.raises(InvalidError, match="testing value /spec/replicas failed"):
        store.patch(
            "Deployment",
            "todo",
            "web",
            [{"op": "test", "path": "/spec/replicas", "value": 7}],
            "json",
        )


def test_merge_patch_null_deletes_a_key(store: Store) -> None:
    store.create(configmap("settings", mode="prod", level="debug"))
    patched = store.patch("ConfigMap", "todo", "settings", {"data": {"level": None}}, "merge")
    assert patched["data"] == {"mode": "prod"}


def test_pod_spec_is_immutable_except_images(store: Store) -> None:
    store.create(pod("solo"))
    image = [{"op": "replace", "path": "/spec/containers/0/image", "value": "busybox:1.37"}]
    assert (
        store.patch("Pod", "todo", "solo", image, "json")["spec"]["containers"][0]["image"]
        == "busybox:1.37"
    )
    resources = {"spec": {"containers": [{"name": "app", "resources": {"limits": {"cpu": "1"}}}]}}
    with pytest.raises(InvalidError, match="spec: Forbidden: pod updates may not change fields"):
        store.patch("Pod", "todo", "solo", resources, "strategic")


def test_mutate_commits_only_real_changes(store: Store) -> None:
    store.create(configmap("settings", mode="prod"))
    events: list[tuple[str, str]] = []
    store.subscribe(lambda kind, obj: events.append((kind, obj["metadata"]["name"])))
    unchanged = store.mutate("ConfigMap", "todo", "settings", lambda cm: None)
    assert unchanged is not None
    assert events == []
    store.mutate("ConfigMap", "todo", "settings", lambda cm: cm["data"].update(mode="dev"))
    assert events == [("MODIFIED", "settings")]
    assert store.mutate("ConfigMap", "todo", "gone", lambda cm: None) is None


# ---------------------------------------------------------------- list and selectors


def test_label_selectors_equality_and_set_based(store: Store) -> None:
    store.create(pod("a", app="web", tier="front"))
    store.create(pod("b", app="web", tier="back", canary="yes"))
    store.create(pod("c", app="db"))

    def names(selector: str) -> list[str]:
        items, _ = store.list("Pod", "todo", label_selector=selector)
        return [p["metadata"]["name"] for p in items]

    assert names("app=web") == ["a", "b"]
    assert names("app==web,tier!=back") == ["a"]
    assert names("tier in (front, back)") == ["a", "b"]
    assert names("app notin (web)") == ["c"]
    assert names("!canary") == ["a", "c"]
    assert names("canary") == ["b"]
    with pytest.raises(BadRequestError, match="unable to parse requirement"):
        names("app in (web")


def test_field_selectors_kubectl_uses(store: Store) -> None:
    store.create(pod("on-n1", node="n1"))
    store.create(pod("on-n2", node="n2"))
    store.create(pod("pending"))
    store.mutate("Pod", "todo", "on-n2", lambda p: p["status"].update(phase="Succeeded"))
    items, _ = store.list("Pod", None, field_selector="spec.nodeName=n2,status.phase!=Failed")
    assert [p["metadata"]["name"] for p in items] == ["on-n2"]
    items, _ = store.list("Pod", "todo", field_selector="metadata.name=pending")
    assert [p["metadata"]["name"] for p in items] == ["pending"]
    with pytest.raises(BadRequestError, match=r"field label not supported: spec\.image"):
        store.list("Pod", "todo", field_selector="spec.image=x")


def test_event_field_selectors(store: Store) -> None:
    for name, reason in (("e1", "BackOff"), ("e2", "Pulled")):
        store.create(
            {
                "apiVersion": "v1",
                "kind": "Event",
                "metadata": {"name": name, "namespace": "todo"},
                "involvedObject": {"kind": "Pod", "name": "web-1", "namespace": "todo"},
                "reason": reason,
                "type": "Warning" if reason == "BackOff" else "Normal",
                "message": "Back-off restarting failed container",
            }
        )
    items, _ = store.list(
        "Event",
        "todo",
        field_selector="involvedObject.name=web-1,involvedObject.kind=Pod,type=Warning",
    )
    assert [e["reason"] for e in items] == ["BackOff"]


def test_list_pages_in_key_order(store: Store) -> None:
    for index in range(5):
        store.create(configmap(f"cm-{index}"))
    first, version, after = store.list_raw("ConfigMap", "todo", limit=2)
    assert len(first) == 2
    assert after == "todo/cm-1"
    second, _, after = store.list_raw("ConfigMap", "todo", limit=2, after=after)
    third, _, last = store.list_raw("ConfigMap", "todo", limit=2, after=after)
    assert len(second) == 2
    assert len(third) == 1
    assert last is None
    assert version == store.resource_version()


# ---------------------------------------------------------------- watch


def test_watch_replays_from_a_resource_version_and_streams_new_changes(store: Store) -> None:
    created = store.create(configmap("settings", mode="prod"))
    store.patch("ConfigMap", "todo", "settings", {"data": {"mode": "dev"}}, "merge")
    watch = store.watch(
        "ConfigMap", "todo", resource_version=created["metadata"]["resourceVersion"]
    )
    store.delete("ConfigMap", "todo", "settings")
    events = [watch.poll(1), watch.poll(1)]
    assert [(e.type, e.object["data"]["mode"]) for e in events if e] == [
        ("MODIFIED", "dev"),
        ("DELETED", "dev"),
    ]
    assert watch.poll(0.01) is None
    watch.close()
    assert list(watch) == []


def test_watch_without_version_starts_with_current_objects(store: Store) -> None:
    store.create(configmap("a"))
    store.create(configmap("b"))
    watch = store.watch("ConfigMap", "todo")
    first = [watch.poll(1), watch.poll(1)]
    assert [(e.type, e.object["metadata"]["name"]) for e in first if e] == [
        ("ADDED", "a"),
        ("ADDED", "b"),
    ]
    watch.close()


def test_label_watch_sees_objects_enter_and_leave_the_selection(store: Store) -> None:
    store.create(pod("p", app="web"))
    watch = store.watch(
        "Pod", "todo", resource_version=store.resource_version(), label_selector="app=web"
    )
    store.patch("Pod", "todo", "p", {"metadata": {"labels": {"app": "db"}}}, "merge")
    store.patch("Pod", "todo", "p", {"metadata": {"labels": {"app": "web"}}}, "merge")
    assert [watch.poll(1).type for _ in range(2)] == ["DELETED", "ADDED"]  # type: ignore[union-attr]
    watch.close()


def test_watch_from_a_version_older_than_history_is_gone(clock: FakeTime) -> None:
    store = Store(clock, history_size=3)
    store.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "todo"}})
    for index in range(5):
        store.create(configmap(f"cm-{index}"))
    with pytest.raises(GoneError, match="too old resource version: 1") as gone:
        store.watch("ConfigMap", "todo", resource_version="1")
    assert gone.value.code == 410


# ---------------------------------------------------------------- delete


def test_finalizers_hold_an_object_until_they_are_removed(store: Store, clock: FakeTime) -> None:
    store.create(
        {
            **configmap("held"),
            "metadata": {"name": "held", "namespace": "todo", "finalizers": ["example.com/keep"]},
        }
    )
    deleting = store.delete("ConfigMap", "todo", "held")
    assert deleting["metadata"]["deletionTimestamp"] == "2024-05-01T10:00:00Z"
    assert store.try_get("ConfigMap", "todo", "held") is not None
    store.patch("ConfigMap", "todo", "held", {"metadata": {"finalizers": None}}, "merge")
    assert store.try_get("ConfigMap", "todo", "held") is None


def test_scheduled_pods_terminate_gracefully_until_the_kubelet_confirms(
    store: Store, clock: FakeTime
) -> None:
    store.create(pod("running", node="n1"))
    store.create(pod("unscheduled"))
    store.delete("Pod", "todo", "unscheduled")
    assert store.try_get("Pod", "todo", "unscheduled") is None

    terminating = store.delete("Pod", "todo", "running")
    assert terminating["metadata"]["deletionGracePeriodSeconds"] == 30
    assert terminating["metadata"]["deletionTimestamp"] == (
        (T0 + timedelta(seconds=30)).strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    assert store.try_get("Pod", "todo", "running") is not None
    store.delete("Pod", "todo", "running", grace_period=0)
    assert store.try_get("Pod", "todo", "running") is None


def test_background_deletion_collects_dependents(store: Store) -> None:
    owner = store.create(deployment())
    store.create(pod("web-1", owner=owner))
    store.create(pod("web-2", node="n1", owner=owner))
    store.create(pod("other"))
    store.delete("Deployment", "todo", "web")
    assert store.try_get("Pod", "todo", "web-1") is None
    assert store.get("Pod", "todo", "web-2")["metadata"]["deletionTimestamp"]
    assert store.try_get("Pod", "todo", "other") is not None


def test_orphan_deletion_leaves_dependents_without_the_owner(store: Store) -> None:
    owner = store.create(deployment())
    store.create(pod("web-1", owner=owner))
    store.delete("Deployment", "todo", "web", propagation="Orphan")
    assert store.try_get("Deployment", "todo", "web") is None
    assert "ownerReferences" not in store.get("Pod", "todo", "web-1")["metadata"]


def test_foreground_deletion_waits_for_dependents(store: Store) -> None:
    owner = store.create(deployment())
    store.create(pod("web-1", node="n1", owner=owner))
    waiting = store.delete("Deployment", "todo", "web", propagation="Foreground")
    assert waiting["metadata"]["finalizers"] == ["foregroundDeletion"]
    assert store.get("Pod", "todo", "web-1")["metadata"]["deletionTimestamp"]
    store.delete("Pod", "todo", "web-1", grace_period=0)
    assert store.try_get("Deployment", "todo", "web") is None


def test_terminating_namespace_refuses_new_content(store: Store) -> None:
    store.delete("Namespace", "", "todo")
    namespace = store.get("Namespace", "", "todo")
    assert namespace["status"]["phase"] == "Terminating"
    with pytest.raises(ForbiddenError, match="because it is being terminated"):
        store.create(configmap("late"))
    store.mutate("Namespace", "", "todo", lambda ns: ns["spec"].update(finalizers=[]))
    assert store.try_get("Namespace", "", "todo") is None


def test_reset_forgets_everything_and_ends_watches(store: Store) -> None:
    store.create(configmap("a"))
    watch = store.watch("ConfigMap", "todo", resource_version=store.resource_version())
    store.reset()
    assert store.counts() == {}
    assert watch.poll(1) is None
    assert watch.closed


def test_after_a_reset_even_the_latest_version_is_gone(store: Store) -> None:
    store.create(configmap("a"))
    latest = store.resource_version()
    store.reset()
    with pytest.raises(GoneError):
        store.watch("ConfigMap", "todo", resource_version=latest)
    store.watch("ConfigMap", "todo", resource_version=store.resource_version()).close()
