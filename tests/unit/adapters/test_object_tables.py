"""``kubectl get pvc``, ``pv``, ``sc``, ``nodes`` and workload tables, as pasted, become objects.

The texts are from public reports: get-sc-and-pvc.txt from CrunchyData/postgres-operator#1490,
get-pvc-all-namespaces.txt from jenkins-x/jx#8378, get-pv.txt from kubernetes/kubernetes#77993,
get-nodes-not-ready.txt from cloud-barista/cb-ladybug#79, get-nodes-cordoned.txt from
krkn-chaos/cerberus#203, helm-1.5-resources.txt from helm/helm#1911 and
get-statefulset-and-pods-2017.txt from googlecodelabs/feedback#295.
"""

from __future__ import annotations

from pathlib import Path

from kubemedic.adapters.kubernetes.transcript import Output, parts
from kubemedic.models.cluster import ClusterView
from kubemedic.models.k8s import KObject

from .pasting import PASTED, load_pasted


def _load(tmp_path: Path, *names: str, **texts: str) -> ClusterView:
    files = {name.replace("-", "_"): (PASTED / f"{name}.txt").read_text() for name in names}
    return load_pasted(tmp_path, **files, **texts)


def _one(view: ClusterView, kind: str, namespace: str, name: str) -> KObject:
    found = view.get(kind, namespace, name)
    assert found is not None, f"no {kind} {namespace}/{name}"
    return found


def _warned(view: ClusterView, text: str) -> list[str]:
    return [str(w) for w in view.warnings if text in w.message]


class TestClaims:
    def test_a_pending_row_is_a_pending_claim_of_its_class(self, tmp_path: Path) -> None:
        view = _load(tmp_path, "get-sc-and-pvc")

        claim = _one(view, "PersistentVolumeClaim", "pgouser1", "crdcluster")
        assert claim.status == {"phase": "Pending"}
        assert claim.spec == {"storageClassName": "standard"}
        assert claim.created_at is not None
        assert _warned(view, "which does not show a claim's requested size")

    def test_a_bound_row_gives_its_volume_size_and_modes(self, tmp_path: Path) -> None:
        view = _load(tmp_path, "get-pvc-all-namespaces")

        bound = _one(view, "PersistentVolumeClaim", "jx", "my-claim")
        assert bound.spec == {"volumeName": "my-local-pv", "storageClassName": "my-local-storage"}
        assert bound.status == {
            "phase": "Bound",
            "capacity": {"storage": "5Gi"},
            "accessModes": ["ReadWriteOnce"],
        }
        unset = _one(view, "PersistentVolumeClaim", "default", "pvc1")
        assert unset.spec == {}  # no class shown: none is guessed

    def test_a_row_that_lost_its_alignment_still_reads_its_class(self, tmp_path: Path) -> None:
        squeezed = (
            "$ kubectl get pvc -n shop\n"
            "NAME   STATUS   VOLUME   CAPACITY   ACCESS MODES   STORAGECLASS   "
            "VOLUMEATTRIBUTESCLASS   AGE\n"
            "data  Pending  gp3  <unset>  5m\n"
            "logs  Bound  pvc-1f2e  1Gi  RWO,RWX  gp3  <unset>  5m\n"
        )
        view = load_pasted(tmp_path, session=squeezed)

        assert _one(view, "PersistentVolumeClaim", "shop", "data").spec == {
            "storageClassName": "gp3"
        }
        logs = _one(view, "PersistentVolumeClaim", "shop", "logs")
        assert logs.status["accessModes"] == ["ReadWriteOnce", "ReadWriteMany"]

    def test_a_terminating_claim_is_being_deleted_its_phase_unknown(self, tmp_path: Path) -> None:
        text = (
            "$ kubectl get pvc\n"
            "NAME   STATUS        VOLUME     CAPACITY   ACCESS MODES   STORAGECLASS   AGE\n"
            "data   Terminating   pvc-9a1c   8Gi        RWO            standard       3d\n"
        )
        view = load_pasted(tmp_path, session=text)

        claim = _one(view, "PersistentVolumeClaim", "default", "data")
        assert claim.deletion_timestamp is not None
        assert "phase" not in claim.status


class TestStorageClassesAndVolumes:
    def test_a_whole_class_listing_tells_which_classes_exist(self, tmp_path: Path) -> None:
        view = _load(tmp_path, "get-sc-and-pvc")

        assert view.knows("StorageClass")
        default = _one(view, "StorageClass", "", "microk8s-hostpath")
        assert default.annotations == {"storageclass.kubernetes.io/is-default-class": "true"}
        assert default.raw["provisioner"] == "microk8s.io/hostpath"
        assert _one(view, "StorageClass", "", "px-repl3-sc").raw["allowVolumeExpansion"] is True

    def test_a_filtered_class_listing_is_not_taken_for_all_of_them(self, tmp_path: Path) -> None:
        text = (PASTED / "get-sc-and-pvc.txt").read_text()
        view = load_pasted(tmp_path, session=text.replace("get sc", "get sc | grep -v px"))

        assert not view.knows("StorageClass")

    def test_a_volume_row(self, tmp_path: Path) -> None:
        view = _load(tmp_path, "get-pv")

        volume = _one(view, "PersistentVolume", "", "flex-vnf-volume")
        assert volume.spec == {
            "capacity": {"storage": "100Gi"},
            "accessModes": ["ReadWriteMany"],
            "persistentVolumeReclaimPolicy": "Retain",
            "storageClassName": "manual",
        }
        assert volume.status == {"phase": "Available"}


class TestNodes:
    def test_a_not_ready_node_has_a_ready_condition_whose_reason_is_unknown(
        self, tmp_path: Path
    ) -> None:
        view = _load(tmp_path, "get-nodes-not-ready")

        down = _one(view, "Node", "", "cb-sjh1-sjh1-w-1-rw7mc")
        ready = down.condition("Ready")
        assert ready is not None
        assert (ready.status, ready.reason) == ("False", "")
        assert "not why" in ready.message
        up = _one(view, "Node", "", "ip-192-168-1-149")
        assert up.labels == {"node-role.kubernetes.io/master": ""}
        assert up.status["nodeInfo"] == {"kubeletVersion": "v1.18.9"}
        (said,) = _warned(view, "not Ready but not why")
        assert said.startswith(f"{tmp_path / 'get_nodes_not_ready.txt'}:3:")

    def test_scheduling_disabled_is_a_cordoned_node(self, tmp_path: Path) -> None:
        view = _load(tmp_path, "get-nodes-cordoned")

        cordoned = {n.name for n in view.nodes if n.spec.get("unschedulable") is True}
        assert cordoned == {
            "ip-10-0-215-4.us-east-2.compute.internal",
            "ip-10-0-221-107.us-east-2.compute.internal",
        }
        assert len(view.nodes) == 7
        (skipped,) = _warned(view, "could not be cut into its columns")
        assert skipped.endswith("skipped")
        assert ":3:" in skipped

    def test_wide_columns_are_read_and_a_column_kubemedic_does_not_know_is_named(
        self, tmp_path: Path
    ) -> None:
        text = (
            "$ kubectl get nodes -o wide -L topology.kubernetes.io/zone\n"
            "NAME     STATUS   ROLES    AGE   VERSION   INTERNAL-IP   EXTERNAL-IP   "
            "OS-IMAGE             KERNEL-VERSION   CONTAINER-RUNTIME     ZONE\n"
            "node-1   Ready    <none>   9d    v1.29.4   10.0.0.11     <none>        "
            "Ubuntu 22.04.4 LTS   5.15.0-105       containerd://1.7.13   eu-west-1a\n"
        )
        view = load_pasted(tmp_path, session=text)

        node = _one(view, "Node", "", "node-1")
        assert node.status["addresses"] == [{"type": "InternalIP", "address": "10.0.0.11"}]
        assert node.status["nodeInfo"]["osImage"] == "Ubuntu 22.04.4 LTS"
        assert "topology.kubernetes.io/zone" not in node.labels
        (unknown,) = _warned(view, "are not ones kubemedic reads")
        assert "ZONE" in unknown
        assert ":2:" in unknown


class TestWorkloads:
    def test_ready_up_to_date_available(self, tmp_path: Path) -> None:
        text = (
            "ubuntu@microk8s-vm:~$ kubectl get  deployments\n"
            "NAME      READY   UP-TO-DATE   AVAILABLE   AGE\n"
            "k8s-101   0/1     1            0           65m\n"
        )  # lachie83/k8s-kubectl#116
        view = load_pasted(tmp_path, session=text)

        deployment = _one(view, "Deployment", "default", "k8s-101")
        assert deployment.spec == {"replicas": 1}
        assert deployment.status == {
            "readyReplicas": 0,
            "updatedReplicas": 1,
            "availableReplicas": 0,
        }

    def test_a_statefulset_before_ready_and_its_pods(self, tmp_path: Path) -> None:
        view = _load(tmp_path, "get-statefulset-and-pods-2017")

        mongo = _one(view, "StatefulSet", "default", "mongo")
        assert (mongo.spec, mongo.status) == ({"replicas": 3}, {"replicas": 2})
        assert {p.name for p in view.pods_of(mongo)} == {"mongo-0", "mongo-1"}

    def test_get_all_names_each_kind_and_a_replicaset_its_deployment(self, tmp_path: Path) -> None:
        text = (
            "$ kubectl get all -n shop\n"
            "NAME                       READY   STATUS             RESTARTS   AGE\n"
            "pod/web-5d8f7c9b6d-x2x8z   0/1     CrashLoopBackOff   6          9m\n"
            "\n"
            "NAME          TYPE        CLUSTER-IP     EXTERNAL-IP   PORT(S)   AGE\n"
            "service/web   ClusterIP   10.96.12.7     <none>        80/TCP    9m\n"
            "\n"
            "NAME                  READY   UP-TO-DATE   AVAILABLE   AGE\n"
            "deployment.apps/web   0/1     1            0           9m\n"
            "\n"
            "NAME                             DESIRED   CURRENT   READY   AGE\n"
            "replicaset.apps/web-5d8f7c9b6d   1         1         0       9m\n"
        )
        view = load_pasted(tmp_path, session=text)

        web = _one(view, "Deployment", "shop", "web")
        replica_set = _one(view, "ReplicaSet", "shop", "web-5d8f7c9b6d")
        assert view.owner(replica_set) is web
        assert [p.name for p in view.pods_of(web)] == ["web-5d8f7c9b6d-x2x8z"]
        assert {p.name for p in view.pods} == {"web-5d8f7c9b6d-x2x8z"}  # not service/web
        assert _warned(view, "is a table of a kind kubemedic does not read")

    def test_the_tables_helm_printed_with_kubectl_1_5_columns(self, tmp_path: Path) -> None:
        view = _load(tmp_path, "helm-1.5-resources")

        assert _one(
            view, "PersistentVolumeClaim", "default", "jolly-rattlesnake-jenkins"
        ).status == {"phase": "Pending"}
        jenkins = _one(view, "Deployment", "default", "jolly-rattlesnake-jenkins")
        assert jenkins.spec == {"replicas": 1}
        assert jenkins.status["availableReplicas"] == 0


def test_each_table_is_its_own_part() -> None:
    text = (PASTED / "get-sc-and-pvc.txt").read_text()

    assert [part.output for part in parts(text)] == [Output.OBJECTS, Output.OBJECTS]
