"""Input that cannot be read stops the load with a message naming the file and where to look.

A file that is not valid YAML or JSON, or an input holding no Kubernetes object at all: what
is merely incomplete is read with warnings instead (test_files_tolerant.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kubemedic.adapters.kubernetes.files import load_files
from kubemedic.errors import InputError

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: web-1
  namespace: shop
spec:
  containers:
  - name: web
    image: nginx:1.27
"""


def _load_error(*paths: Path) -> InputError:
    with pytest.raises(InputError) as caught:
        load_files(paths)
    return caught.value


def test_broken_yaml_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "pod.yaml"
    path.write_text(POD + "  - name: sidecar\n    image: [busybox\n")

    error = _load_error(path)

    assert error.path == str(path)
    assert error.line == 12
    assert str(error).startswith(f"{path}:12: not valid YAML")
    assert "flow sequence started at line 11" in str(error)


def test_misindented_yaml(tmp_path: Path) -> None:
    path = tmp_path / "pod.yaml"
    path.write_text(POD.replace("  namespace: shop", "   namespace: shop"))

    error = _load_error(path)

    assert error.line == 5
    assert "mapping values are not allowed" in str(error)


def test_broken_json_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "pods.json"
    path.write_text(
        '{\n  "kind": "PodList",\n  "items": [\n    {"metadata": {"name": "a"},}\n  ]\n}\n'
    )

    error = _load_error(path)

    assert error.line == 4
    assert "not valid JSON" in str(error)
    assert "column" in str(error)


def test_a_file_of_things_that_are_not_objects_names_the_first(tmp_path: Path) -> None:
    path = tmp_path / "pods.yaml"
    path.write_text("# kubectl get pods\n---\n- web-1\n- web-2\n---\nmetadata:\n  name: web-3\n")

    error = _load_error(path)

    assert error.path == str(path)
    assert error.line == 3
    assert error.message == (
        f"{path}:3: no Kubernetes objects found: [0] of document 1: not a Kubernetes object "
        "(found a string) (and 2 more that cannot be read)"
    )
    assert error.hint is not None
    assert "kubectl get pods,events -n NAMESPACE -o yaml" in error.hint


def test_an_empty_file_is_said_to_be_empty(tmp_path: Path) -> None:
    path = tmp_path / "pods.yaml"
    path.write_text("\n# nothing was pasted here\n")

    assert str(_load_error(path)).startswith(
        f"{path}: no Kubernetes objects found: the input is empty"
    )


def test_an_input_of_empty_lists_holds_no_objects(tmp_path: Path) -> None:
    """What ``kubectl get pods -o yaml`` saves when the context points at the wrong namespace."""
    path = tmp_path / "pods.yaml"
    path.write_text("apiVersion: v1\nitems: []\nkind: List\nmetadata:\n  resourceVersion: ''\n")

    assert "holds only empty lists" in str(_load_error(path))


def test_missing_path(tmp_path: Path) -> None:
    error = _load_error(tmp_path / "nope.yaml")

    assert str(error) == f"{tmp_path / 'nope.yaml'}: no such file or directory"


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "pod.yaml"
    path.write_bytes(b"kind: Pod\nmetadata:\n  name: \xff\xfe\n")

    assert "not UTF-8" in str(_load_error(path))


def test_an_explicit_file_of_something_else_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "values.yaml"
    path.write_text("replicaCount: 3\nimage:\n  tag: 1.2.3\n")

    assert "has no kind" in str(_load_error(path))


def test_other_yaml_found_in_a_directory_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(POD)
    (tmp_path / "values.yaml").write_text("replicaCount: 3\n")

    assert [p.name for p in load_files([tmp_path]).pods] == ["web-1"]


def test_a_directory_without_manifests(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("# nothing here\n")

    assert "no Kubernetes manifests found" in str(_load_error(tmp_path))


def test_pasted_output_with_nothing_readable_says_why(tmp_path: Path) -> None:
    pasted = tmp_path / "session.txt"
    pasted.write_text(
        "$ kubectl get pods -o yaml\napiVersion: v1\nitems:\n- kind: Pod\n  spec: {}\nkind: List\n"
    )
    error = str(_load_error(pasted))
    assert "no Kubernetes object could be read: " in error
    assert "session.txt:2" in error


def test_a_log_given_alone_must_belong_to_a_pod(tmp_path: Path) -> None:
    (tmp_path / "pods.yaml").write_text(POD + "---\n" + POD.replace("web-1", "web-2"))
    log = tmp_path / "crash.txt"
    log.write_text("boom\n")

    error = _load_error(tmp_path / "pods.yaml", log)

    assert error.path == str(log)
    assert "which pod" in str(error)
