"""Generate the synthetic cluster dumps the benchmarks read, deterministic for a given seed.

``mixed``: ``kubectl cluster-info dump --output-directory`` layout, 10,000 pods in 20
namespaces (50 Deployments of 10 replicas each per namespace), 5% of them failing in varied
ways, 20,000 events, 30 nodes. ``one-workload``: the same layout holding a single failing
Deployment of 100,000 crash-looping replicas (logs saved for a few of them). ``yaml``: the
mixed cluster grown namespace by namespace into one ``kubectl get ... -A -o yaml`` List file
of about 150 MB. Each writes the dump (``OUT/dump/`` or ``OUT/cluster.yaml``) and, beside it,
``OUT/expected.json``: the findings a diagnosis must report.

    python bench/generate_dump.py mixed OUT_DIR [--pods 10000] [--events 20000] [--seed 7]
    python bench/generate_dump.py one-workload OUT_DIR [--replicas 100000] [--seed 7]
    python bench/generate_dump.py yaml OUT_DIR [--megabytes 150] [--seed 7]
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cluster_objects import EXPECTED_CATEGORY, FAILURES, Workload, nodes, routine_event, workload
from yaml_text import document, item

NAMESPACES = 20
REPLICAS = 10
DUMP_DIR = "dump"
YAML_FILE = "cluster.yaml"
_LISTS = (
    ("pods", "PodList", "v1"),
    ("events", "EventList", "v1"),
    ("replicasets", "ReplicaSetList", "apps/v1"),
    ("deployments", "DeploymentList", "apps/v1"),
    ("services", "ServiceList", "v1"),
)


def mixed(out: Path, pods: int, events: int, seed: int) -> None:
    rng = random.Random(seed)
    dump = out / DUMP_DIR
    dump.mkdir(parents=True, exist_ok=True)
    node_items = nodes(rng)
    _write_json(dump / "nodes.json", "NodeList", "v1", node_items, indent=None)
    names = [n["metadata"]["name"] for n in node_items]
    expected: list[dict[str, Any]] = []
    for n in range(NAMESPACES):
        ns = f"team-{n:02d}"
        workloads = list(_namespace(ns, n, pods // NAMESPACES, events // NAMESPACES, names, rng))
        _write_namespace(dump / ns, workloads)
        expected += _expected(workloads)
    _write_expected(out, expected)


def one_workload(out: Path, replicas: int, seed: int) -> None:
    rng = random.Random(seed)
    dump = out / DUMP_DIR
    dump.mkdir(parents=True, exist_ok=True)
    node_items = nodes(rng)
    _write_json(dump / "nodes.json", "NodeList", "v1", node_items, indent=None)
    names = [n["metadata"]["name"] for n in node_items]
    big = workload("load", "api", replicas, "crash", names, rng, unique_names=True, logs=3)
    _write_namespace(dump / "load", [big])
    _write_expected(out, _expected([big]))


def yaml_list(out: Path, megabytes: int, seed: int) -> None:
    """Namespaces of the mixed cluster, written as items of one List until the file holds
    ``megabytes``; ``expected.json`` lists the failing workloads among them."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    node_items = nodes(rng)
    names = [n["metadata"]["name"] for n in node_items]
    expected: list[dict[str, Any]] = []
    with (out / YAML_FILE).open("w") as file:
        file.write("apiVersion: v1\nitems:\n")
        file.writelines(map(item, node_items))
        n = 0
        while file.tell() < megabytes * 1_000_000:
            ns = f"team-{n:02d}"
            per_ns = 10_000 // NAMESPACES
            workloads = list(_namespace(ns, n, per_ns, 2 * per_ns, names, rng))
            for part in workloads:
                objects = [*part.pods, *part.events, part.replica_set, part.deployment]
                file.writelines(map(item, [*objects, part.service]))
            expected += _expected(workloads)
            n += 1
        file.write(document({"kind": "List", "metadata": {"resourceVersion": ""}}))
    _write_expected(out, expected)


def _namespace(
    ns: str, n: int, pods: int, events: int, node_names: list[str], rng: random.Random
) -> Iterator[Workload]:
    """The namespace's Deployments; routine events of healthy pods fill it up to ``events``."""
    workloads = []
    for d in range(pods // REPLICAS):
        failure = FAILURES[(n * 7 + d) % len(FAILURES)] if d % 10 == 0 else None
        workloads.append(workload(ns, f"svc-{d:02d}", REPLICAS, failure, node_names, rng))
    healthy = [p for w in workloads for p in w.pods if p["status"]["phase"] == "Running"]
    count = sum(len(w.events) for w in workloads)
    filler = workloads[-1].events
    while count < events:
        filler.append(routine_event(ns, healthy[count % len(healthy)], rng))
        count += 1
    yield from workloads


def _write_namespace(folder: Path, workloads: list[Workload]) -> None:
    folder.mkdir(exist_ok=True)
    for workload_ in workloads:
        for pod, log in workload_.logs.items():
            (folder / pod).mkdir(exist_ok=True)
            (folder / pod / "logs.txt").write_text(log)
    lists: dict[str, list[dict[str, Any]]] = {
        "pods": [p for w in workloads for p in w.pods],
        "events": [e for w in workloads for e in w.events],
        "replicasets": [w.replica_set for w in workloads],
        "deployments": [w.deployment for w in workloads],
        "services": [w.service for w in workloads],
    }
    for name, kind, api in _LISTS:
        _write_json(folder / f"{name}.json", kind, api, lists[name], indent=4)


def _write_json(
    file: Path, kind: str, api: str, items: list[dict[str, Any]], *, indent: int | None
) -> None:
    file.write_text(json.dumps({"kind": kind, "apiVersion": api, "items": items}, indent=indent))


def _expected(workloads: list[Workload]) -> list[dict[str, Any]]:
    """One finding per failing Deployment, of the category its failure must be diagnosed as,
    naming every pod that has the failure."""
    return [
        {
            "kind": "Deployment",
            "namespace": w.deployment["metadata"]["namespace"],
            "name": w.deployment["metadata"]["name"],
            "category": EXPECTED_CATEGORY[w.failure],
            "affected": sum(1 for p in w.pods if _failing(p)),
        }
        for w in workloads
        if w.failure is not None
    ]


def _failing(pod: dict[str, Any]) -> bool:
    status = pod["status"]
    ready = all(cs.get("ready") for cs in status.get("containerStatuses", ()))
    return status["phase"] != "Running" or not ready


def _write_expected(out: Path, expected: list[dict[str, Any]]) -> None:
    (out / "expected.json").write_text(json.dumps(expected, indent=1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    shapes = parser.add_subparsers(dest="shape", required=True)
    for shape in ("mixed", "one-workload", "yaml"):
        sub = shapes.add_parser(shape)
        sub.add_argument("out", type=Path)
        sub.add_argument("--seed", type=int, default=7)
    shapes.choices["mixed"].add_argument("--pods", type=int, default=10_000)
    shapes.choices["mixed"].add_argument("--events", type=int, default=20_000)
    shapes.choices["one-workload"].add_argument("--replicas", type=int, default=100_000)
    shapes.choices["yaml"].add_argument("--megabytes", type=int, default=150)
    args = parser.parse_args()
    if args.shape == "mixed":
        mixed(args.out, args.pods, args.events, args.seed)
    elif args.shape == "one-workload":
        one_workload(args.out, args.replicas, args.seed)
    else:
        yaml_list(args.out, args.megabytes, args.seed)


if __name__ == "__main__":
    main()
