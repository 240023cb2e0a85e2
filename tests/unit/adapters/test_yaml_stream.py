"""YAML read piece by piece gives exactly what libyaml gives for the whole file.

A large ``kubectl get -o yaml`` List is cut between its entries so that memory holds objects,
not a node graph of the whole file. Each case writes a file and compares what ``parse`` reads
(objects, and the lines warnings would name) with libyaml reading the whole file at once; files
that cannot be cut with certainty are read whole, errors included.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from kubemedic.adapters.kubernetes.manifests import Manifest, parse
from kubemedic.errors import InputError


def _pod(index: int, indent: str = "") -> str:
    """One Pod as a list entry, the way kubectl prints it (about 600 bytes)."""
    body = f"""\
- apiVersion: v1
  kind: Pod
  metadata:
    creationTimestamp: "2024-05-01T10:00:00Z"
    labels:
      app: web
    name: web-{index:05d}
    namespace: shop
    uid: 6513270e-269e-0d37-f2a7-{index:012d}
  spec:
    containers:
    - image: registry.example.com/web:1.4.2
      name: web
      args:
      - --port=8080
      - -v
  status:
    conditions:
    - lastTransitionTime: "2024-05-01T10:00:00Z"
      status: "False"
      type: Ready
    containerStatuses:
    - name: web
      ready: false
      restartCount: {index % 7}
      state:
        waiting:
          message: 'back-off 5m0s restarting failed container=web pod=web-{index:05d}_shop(6513)'
          reason: CrashLoopBackOff
"""
    return "".join(f"{indent}{line}\n" for line in body.splitlines())


def _list(count: int, indent: str = "") -> str:
    return (
        "apiVersion: v1\nitems:\n"
        + "".join(_pod(i, indent) for i in range(count))
        + 'kind: List\nmetadata:\n  resourceVersion: ""\n'
    )


BIG = 450  # entries: about 280 kB, more than one piece


def _read(tmp_path: Path, text: str | bytes) -> tuple[Manifest, tuple[Any, ...]]:
    """What ``parse`` reads, and what libyaml reads from the whole file."""
    path = tmp_path / "objects.yaml"
    data = text.encode() if isinstance(text, str) else text
    path.write_bytes(data)
    return parse(path), tuple(yaml.load_all(data, Loader=yaml.CSafeLoader))


def _items(document: Any) -> Any:
    return (document.get("items") or ()) if isinstance(document, dict) else ()


def _lines_whole(manifest: Manifest, places: list[tuple[int, int | None]]) -> list[int | None]:
    """The lines the whole file composed at once gives for these places."""
    return Manifest(manifest.path, manifest.documents).lines(places)


CASES = {
    "a kubectl List, in pieces": _list(BIG),
    "a List whose entries are indented": _list(BIG, indent="  "),
    "a bare sequence, as jq .items writes": "".join(_pod(i) for i in range(3)),
    "several documents": "---\n" + _list(3) + "---\n# nothing\n---\n" + _list(2) + "...\n",
    "documents ended by ...": "a: 1\n...\n...\n# c\n--- \nb: 2\n...\n",
    "empty documents": "---\n---\n\n---\n",
    "comments and blank lines between entries": "items:\n\n# first\n- a: 1\n\n  # inside\n  b: 2\n"
    "# between\n\n- c: 3\nkind: List\n",
    "items with a comment on the key": "items: # all of them\n- a: 1\n- b: 2\n",
    "block scalars that look like entries": "items:\n- data: |\n    - not an entry\n    items:\n"
    "    ---x\n  folded: >-\n    two\n    lines\n- plain\n",
    "a quoted scalar over several lines": 'items:\n- message: "one\n    two"\n- b\n',
    "typed scalars": "items:\n- [1, 2.5, true, no, null, ~, 2024-05-01, 2024-05-01T10:00:00Z,"
    " 0x1f]\n- {on: off, y: n, '': empty, 12: twelve}\n",
    "items that are not a sequence": "items:\n  a: 1\nkind: List\n",
    "items empty": "items: []\nkind: List\n",
    "items null": "items:\nkind: List\n",
    "CRLF line ends": _list(3).replace("\n", "\r\n"),
    "aliases across entries": "items:\n- &shared {a: 1}\n- *shared\n",
    "a directive": "%YAML 1.1\n---\n" + _list(2),
    "items twice": "items:\n- a\nitems: []\n",
}


@pytest.mark.parametrize("text", CASES.values(), ids=CASES.keys())
def test_objects_are_those_of_the_whole_file(tmp_path: Path, text: str) -> None:
    manifest, whole = _read(tmp_path, text)
    assert manifest.documents == whole
    last = [len(d) if isinstance(d, list) else len(_items(d)) for d in whole]
    places = [(d, i) for d in range(len(whole)) for i in (None, 0, 1, max(last[d] - 1, 0))]
    assert manifest.lines(places) == _lines_whole(manifest, places)


def test_a_byte_order_mark_is_not_content(tmp_path: Path) -> None:
    manifest, whole = _read(tmp_path, b"\xef\xbb\xbf" + _list(2).encode())
    assert manifest.documents == whole
    assert manifest.documents[0]["items"][1]["metadata"]["name"] == "web-00001"


def test_scalars_keep_their_types(tmp_path: Path) -> None:
    (document,) = _read(tmp_path, CASES["typed scalars"])[0].documents
    numbers, mapping = document["items"]
    assert numbers == [1, 2.5, True, False, None, None, date(2024, 5, 1), numbers[7], 31]
    assert isinstance(numbers[7], datetime)
    assert mapping == {True: False, "y": "n", "": "empty", 12: "twelve"}


def test_a_list_is_read_entry_by_entry_with_every_line(tmp_path: Path) -> None:
    manifest, _ = _read(tmp_path, _list(BIG))
    items = manifest.documents[0]["items"]
    assert [pod["metadata"]["name"] for pod in items[-2:]] == ["web-00448", "web-00449"]
    assert manifest.streamed is not None
    lines = _pod(0).count("\n")
    assert manifest.lines([(0, 0), (0, BIG - 1)]) == [3, 3 + (BIG - 1) * lines]


ERRORS = {
    "a syntax error late in a large list": _list(BIG).replace("web-00440\n", "[web-00440\n"),
    "content after a sequence": "- a\nkind: List\n",
    "a document after ... without ---": "a: 1\n...\nb: 2\n",
    "... before any document": "...\na: 1\n",
}


@pytest.mark.parametrize("text", ERRORS.values(), ids=ERRORS.keys())
def test_errors_are_those_of_the_whole_file(tmp_path: Path, text: str) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    with pytest.raises(yaml.MarkedYAMLError) as whole:
        list(yaml.load_all(text, Loader=yaml.CSafeLoader))
    with pytest.raises(InputError) as caught:
        parse(path)
    assert whole.value.problem_mark is not None
    assert caught.value.line == whole.value.problem_mark.line + 1
    assert str(whole.value.problem) in str(caught.value)


def test_replicas_share_what_their_template_repeats_and_nothing_else(tmp_path: Path) -> None:
    manifest, whole = _read(tmp_path, _list(BIG))
    assert manifest.documents == whole  # the same objects, some of them now one object
    first, second = manifest.documents[0]["items"][0:2]
    assert first["spec"] is second["spec"]
    assert first["status"]["conditions"] is second["status"]["conditions"]
    assert first["metadata"]["labels"] is not second["metadata"]["labels"]  # may be filled in


def test_values_of_other_types_are_not_shared(tmp_path: Path) -> None:
    entries = "".join(
        f"- kind: Deployment\n  metadata: {{name: d{i}}}\n  spec: {{replicas: {value}}}\n"
        for i, value in enumerate(["1", "1.0", "true", "1"])
    )
    manifest, whole = _read(tmp_path, "apiVersion: v1\nkind: List\nitems:\n" + entries)
    assert manifest.documents == whole
    specs = [item["spec"] for item in manifest.documents[0]["items"]]
    assert [type(spec["replicas"]) for spec in specs] == [int, float, bool, int]
    assert specs[0] is specs[3]
    assert len({id(spec) for spec in specs}) == 3
