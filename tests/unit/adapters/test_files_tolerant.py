"""Files as people paste them: what lacks a field the diagnosis can do without is read, with a
warning naming the file, line, object and field; only what cannot be used is left out."""

from __future__ import annotations

from pathlib import Path

from kubemedic.adapters.kubernetes.files import load_files
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import ObjectRef
from kubemedic.models.k8s import Event
from kubemedic.models.scan_warning import ScanWarning

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web-1
  namespace: shop
  uid: 0b7f6a8e-1c2d-4e5f-8a9b-0c1d2e3f4a5b
  creationTimestamp: "2024-05-01T09:00:00Z"
spec:
  containers:
  - name: web
    image: nginx:1.27
status:
  phase: Running
"""

EVENTS_WITHOUT_METADATA = """\
apiVersion: v1
kind: EventList
items:
- involvedObject:
    kind: Pod
    name: web-1
    namespace: shop
  reason: BackOff
  type: Warning
  message: Back-off restarting failed container web in pod web-1_shop(0b7f6a8e)
  lastTimestamp: "2024-05-01T10:13:05Z"
- involvedObject:
    kind: Pod
    name: web-1
  metadata:
    namespace: shop
  reason: Unhealthy
  type: Warning
  message: 'Liveness probe failed: Get "http://10.1.0.7:8080/healthz": context deadline exceeded'
  lastTimestamp: "2024-05-01T10:12:55Z"
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _fields(view: ClusterView) -> list[tuple[str | None, int | None, str | None, str]]:
    return [(w.file and Path(w.file).name, w.line, w.field, str(w.object)) for w in view.warnings]


def test_events_pasted_without_metadata_are_read_and_tied_to_their_pod(tmp_path: Path) -> None:
    pod = _write(tmp_path, "pod.yaml", POD)
    events = _write(tmp_path, "events.yaml", EVENTS_WITHOUT_METADATA)

    view = load_files([pod, events])

    web = view.get("Pod", "shop", "web-1")
    assert web is not None
    assert [e.reason for e in view.events_for(web)] == ["Unhealthy", "BackOff"]
    assert _fields(view) == [
        ("events.yaml", 4, "metadata.name", "Event shop/"),
        ("events.yaml", 4, "metadata.namespace", "Event shop/"),
        ("events.yaml", 12, "metadata.name", "Event shop/"),
        ("events.yaml", 12, "involvedObject.namespace", "Event shop/"),
    ]
    assert view.warnings[0] == ScanWarning(
        "Event BackOff about Pod shop/web-1 has no metadata.name; read without it",
        str(events),
        4,
        ObjectRef("Event", "", "shop"),
        "metadata.name",
    )
    assert str(view.warnings[1]) == (
        f"{events}:4: Event BackOff about Pod shop/web-1 has no metadata.namespace; "
        'taken as "shop", the namespace of Pod web-1, which it is about'
    )


def test_a_pod_without_namespace_takes_the_one_of_the_events_about_it(tmp_path: Path) -> None:
    pod = _write(tmp_path, "pod.yaml", POD.replace("  namespace: shop\n", ""))
    events = _write(tmp_path, "events.yaml", EVENTS_WITHOUT_METADATA)

    view = load_files([pod, events])

    web = view.get("Pod", "shop", "web-1")
    assert web is not None
    assert len(view.events_for(web)) == 2
    [placed] = [w for w in view.warnings if w.object == ObjectRef("Pod", "web-1", "shop")]
    assert (placed.line, placed.field) == (1, "metadata.namespace")
    assert placed.message.endswith('taken as "shop", the namespace of the events about it')


def test_a_pod_without_namespace_takes_its_owners(tmp_path: Path) -> None:
    manifests = _write(
        tmp_path,
        "pods.yaml",
        "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: web-7d9f\n  namespace: shop\n"
        "  uid: rs-1\n---\nkind: Namespace\napiVersion: v1\nmetadata:\n  name: other\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: other\n---\n"
        + POD.replace("  namespace: shop\n", "  ownerReferences:\n  - kind: ReplicaSet\n"
                      "    name: web-7d9f\n    uid: rs-1\n    controller: true\n"),
    )  # fmt: skip

    view = load_files([manifests])

    assert view.get("Pod", "shop", "web-1") is not None
    [placed] = view.warnings
    assert placed.line == 19
    assert placed.message.endswith("the namespace of its owner ReplicaSet web-7d9f")


def test_without_any_tie_the_only_namespace_in_the_input_else_default(tmp_path: Path) -> None:
    lone = POD.replace("  namespace: shop\n", "")
    with_config = _write(
        tmp_path,
        "a.yaml",
        lone + "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  namespace: shop\n",
    )
    alone = _write(tmp_path, "b.yaml", lone)

    assert load_files([with_config]).get("Pod", "shop", "web-1") is not None
    view = load_files([alone])
    assert view.get("Pod", "default", "web-1") is not None
    assert view.warnings[0].message == (
        'Pod default/web-1 has no metadata.namespace; taken as "default", the namespace kubectl '
        "uses when none is given (nothing in the input ties it to another)"
    )


def test_a_list_of_pods_without_namespaces_is_complete_where_they_were_placed(
    tmp_path: Path,
) -> None:
    items = "".join(
        "  " + line + "\n" if line else "\n"
        for line in POD.replace("  namespace: shop\n", "").splitlines()
    )
    pods = _write(tmp_path, "pods.yaml", "apiVersion: v1\nkind: List\nitems:\n-" + items[1:])
    events = _write(tmp_path, "events.yaml", EVENTS_WITHOUT_METADATA)

    view = load_files([pods, events])

    assert view.knows("Pod", "shop")
    assert not view.knows("Pod", "")


def test_a_pod_without_status_is_read_with_its_state_unknown(tmp_path: Path) -> None:
    pod = _write(tmp_path, "pod.yaml", POD.split("status:")[0])

    view = load_files([pod])

    assert [p.name for p in view.pods] == ["web-1"]
    [warning] = view.warnings[:1]
    assert (warning.field, warning.line) == ("status", 1)
    assert warning.message.startswith("Pod shop/web-1 has no status: its phase and container")


def test_a_document_without_kind_is_skipped_and_named_with_its_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "pods.yaml", POD + "---\nmetadata:\n  name: web-2\nspec: {}\n")

    view = load_files([path])

    assert [p.name for p in view.pods] == ["web-1"]
    [warning] = view.warnings
    assert (warning.line, warning.field, warning.object) == (15, "kind", None)
    assert warning.message == "document 2: not a Kubernetes object (it has no kind); skipped"


def test_a_list_item_without_a_name_is_skipped_and_named_with_its_line(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "pods.yaml",
        "apiVersion: v1\nkind: PodList\nitems:\n"
        "- metadata:\n    name: web-1\n    namespace: shop\n"
        "    creationTimestamp: '2024-05-01T09:00:00Z'\n"
        "  status: {phase: Running}\n"
        "  spec: {containers: [{name: web}]}\n"
        "- metadata:\n    generateName: web-\n    namespace: shop\n",
    )

    view = load_files([path])

    assert [p.name for p in view.pods] == ["web-1"]
    [warning] = view.warnings
    assert (warning.line, warning.object) == (10, ObjectRef("Pod", "", "shop"))
    assert warning.message == (
        "items[1]: Pod has no metadata.name, and an object must be named to be diagnosed; skipped"
    )


def test_an_unnamed_object_in_a_directory_is_skipped_the_rest_read(tmp_path: Path) -> None:
    _write(tmp_path, "pod.yaml", POD)
    _write(tmp_path, "deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\nspec: {}\n")

    view = load_files([tmp_path])

    assert [p.name for p in view.pods] == ["web-1"]
    assert [(Path(str(w.file)).name, w.field) for w in view.warnings] == [
        ("deploy.yaml", "metadata.name")
    ]


def test_a_bare_array_of_objects_is_read_like_a_list(tmp_path: Path) -> None:
    """``kubectl get pods -o json | jq .items``: the objects, without the List around them."""
    path = _write(
        tmp_path,
        "pods.json",
        '[\n  {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "web-1", "namespace": '
        '"shop", "creationTimestamp": "2024-05-01T09:00:00Z"}, "spec": {"containers": '
        '[{"name": "web"}]}, "status": {"phase": "Running"}},\n  "web-2"\n]\n',
    )

    view = load_files([path])

    assert [p.name for p in view.pods] == ["web-1"]
    assert not view.knows("Pod", "shop")  # not a kubectl list: it proves nothing absent
    [warning] = view.warnings
    assert (warning.line, warning.message) == (
        3,
        "[1]: not a Kubernetes object (found a string); skipped",
    )


def test_undated_files_say_so_and_keep_their_events_as_current(tmp_path: Path) -> None:
    undated = EVENTS_WITHOUT_METADATA.replace('  lastTimestamp: "2024-05-01T10:13:05Z"\n', "")
    undated = undated.replace('  lastTimestamp: "2024-05-01T10:12:55Z"\n', "")
    pod = POD.replace('  creationTimestamp: "2024-05-01T09:00:00Z"\n', "")
    view = load_files([_write(tmp_path, "pod.yaml", pod), _write(tmp_path, "ev.yaml", undated)])

    web = view.get("Pod", "shop", "web-1")
    assert web is not None
    assert [e.reason for e in view.events_for(web)] == ["BackOff", "Unhealthy"]  # as pasted
    assert view.warnings[-1] == ScanWarning(
        "the files record no time (no creation, status or event time): ages cannot be judged, "
        "so every event is taken as current"
    )


def test_an_undated_event_sorts_after_dated_ones(tmp_path: Path) -> None:
    undated = EVENTS_WITHOUT_METADATA.replace('  lastTimestamp: "2024-05-01T10:13:05Z"\n', "")
    view = load_files([_write(tmp_path, "pod.yaml", POD), _write(tmp_path, "ev.yaml", undated)])

    web = view.get("Pod", "shop", "web-1")
    assert web is not None
    assert [e.reason for e in view.events_for(web)] == ["Unhealthy", "BackOff"]
    assert all("record no time" not in w.message for w in view.warnings)


def test_events_k8s_io_times_and_counts_are_read(tmp_path: Path) -> None:
    """``kubectl get events.v1.events.k8s.io -o yaml``: the same facts under other names."""
    path = _write(
        tmp_path,
        "events.yaml",
        "apiVersion: events.k8s.io/v1\nkind: Event\nmetadata:\n  name: web-1.17c\n"
        "  namespace: shop\nregarding: {kind: Pod, name: web-1, namespace: shop}\n"
        "reason: BackOff\ntype: Warning\nnote: Back-off restarting failed container web\n"
        "deprecatedCount: 14\ndeprecatedFirstTimestamp: '2024-05-01T09:40:00Z'\n"
        "deprecatedLastTimestamp: '2024-05-01T10:13:05Z'\n",
    )

    view = load_files([_write(tmp_path, "pod.yaml", POD), path])

    [event] = view.of_kind("Event", Event)
    assert (event.count, event.message) == (14, "Back-off restarting failed container web")
    assert event.last_seen is not None
    assert event.last_seen.isoformat() == "2024-05-01T10:13:05+00:00"
    assert view.observed_at == event.last_seen


def test_an_owner_without_namespace_takes_its_pods_and_node_events_go_to_default(
    tmp_path: Path,
) -> None:
    owned = POD.replace(
        "  creationTimestamp:",
        "  ownerReferences:\n  - {kind: ReplicaSet, name: web-7d9f, uid: rs-1, controller: true}\n"
        "  creationTimestamp:",
    )
    replica_set = (
        "apiVersion: apps/v1\nkind: ReplicaSet\nmetadata:\n  name: web-7d9f\n  uid: rs-1\n"
    )
    node_event = (
        "apiVersion: v1\nkind: Event\nmetadata:\n  name: node-a.17c0\n"
        "involvedObject: {kind: Node, name: node-a, uid: node-a}\nreason: NodeNotReady\n"
        "message: 'Node node-a status is now: NodeNotReady'\n"
    )
    path = _write(tmp_path, "all.yaml", "---\n".join([owned, replica_set, node_event]))

    view = load_files([path])

    assert view.get("ReplicaSet", "shop", "web-7d9f") is not None
    assert [e.namespace for e in view.of_kind("Event", Event)] == ["default"]
    assert [w.message.split('", ')[1] for w in view.warnings] == [
        "the namespace of the objects it owns",
        "where events about a cluster-scoped Node node-a are stored",
    ]
