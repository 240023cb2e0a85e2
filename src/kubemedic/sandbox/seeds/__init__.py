"""Seeds: the objects a fresh sandbox starts with, kept as plain Kubernetes YAML.

``empty`` is a three-node cluster with its system namespaces, the ``standard`` StorageClass,
CoreDNS and metrics-server; ``todo-chatbot`` adds the Todo application the demo breaks.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import yaml

from kubemedic.sandbox.apierrors import BadRequestError

SEEDS: dict[str, tuple[str, ...]] = {
    "empty": ("cluster.yaml",),
    "todo-chatbot": ("cluster.yaml", "todo-chatbot.yaml"),
}


def load(name: str) -> list[dict[str, Any]]:
    """The objects of seed ``name``, in creation order."""
    files = SEEDS.get(name)
    if files is None:
        raise BadRequestError(f"unknown seed {name!r}; known seeds: {', '.join(sorted(SEEDS))}")
    objects: list[dict[str, Any]] = []
    for file in files:
        text = resources.files(__name__).joinpath(file).read_text(encoding="utf-8")
        objects.extend(doc for doc in yaml.safe_load_all(text) if doc)
    return objects
