"""Helpers for tests of pasted kubectl text: write it to files, load it, find a pod."""

from __future__ import annotations

from pathlib import Path

from kubemedic.adapters.kubernetes.files import load_files
from kubemedic.models.cluster import ClusterView
from kubemedic.models.k8s import Pod

PASTED = Path(__file__).parent / "pasted"
"""Texts as kubectl prints them (kept in files: their trailing blanks and widths are real)."""


def load_pasted(folder: Path, **files: str) -> ClusterView:
    """Write each text to ``<name>.txt`` in ``folder`` and load the folder."""
    for name, text in files.items():
        (folder / f"{name}.txt").write_text(text)
    return load_files([folder])


def pod_in(view: ClusterView, namespace: str, name: str) -> Pod:
    pod = view.get("Pod", namespace, name)
    assert isinstance(pod, Pod), f"no pod {namespace}/{name} among {len(view.pods)} pods"
    return pod
