"""What image a failing reference was probably meant to be.

A missing tag is most often a typo of a variant word (``1.27-alpne``) or a version the rest of
the workload still runs successfully; naming either turns "the tag does not exist" into the
exact ``kubectl set image`` that fixes it.
"""

from __future__ import annotations

import difflib

from kubemedic.analyzers._image_ref import ImageRef
from kubemedic.analyzers._previous_revision import previous_revision
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import ObjectRef
from kubemedic.models.k8s import ContainerSpec, Pod

# Tag words of common image variants; a near miss of one is almost always a typo.
_TAG_WORDS = (
    "alpine", "slim", "bookworm", "bullseye", "buster", "jammy", "focal", "noble", "jdk", "jre",
    "latest", "stable", "mainline", "distroless", "ubuntu", "debian", "temurin", "management",
)  # fmt: skip


def replacement(
    view: ClusterView, pod: Pod, spec: ContainerSpec, image: ImageRef, working: WorkingImages
) -> tuple[list[str], str]:
    """Hints at the intended image, and the best replacement to suggest."""
    hints: list[str] = []
    target = f"{image.repository_url}:<existing-tag>"
    good = known_good(view, pod, spec, working)
    if good is not None:
        target, hint = good
        hints.append(hint)
    typo = _tag_typo(image.tag)
    if typo is not None:
        hints.append(f"Tag {image.tag} looks like a typo of {typo}.")
        target = image.with_tag(typo)
    return hints, target


def known_good(
    view: ClusterView, pod: Pod, spec: ContainerSpec, working: WorkingImages
) -> tuple[str, str] | None:
    """Another image this container runs, and where: on another pod of the workload, else in
    the revision before the one that fails."""
    running = working.find(view.workload_of(pod), spec.name, spec.image)
    if running is not None:
        text, other_pod = running
        return text, f"Pod {other_pod} of the same workload runs {text} for {spec.name}."
    previous = previous_revision(view, pod)
    before = previous.container(spec.name) if previous is not None else None
    if previous is not None and before is not None and before.image != spec.image:
        return before.image, f"The workload's {previous.name} ran {before.image} for {spec.name}."
    return None


def repository_replacement(spec: ContainerSpec, image: ImageRef) -> tuple[list[str], str]:
    """For a repository that does not exist: a near-miss of the container's own name, if any."""
    name = image.repository.rsplit("/", 1)[-1]
    target = f"<registry>/<repository>:{image.tag or '<tag>'}"
    ratio = difflib.SequenceMatcher(None, name, spec.name).ratio()
    if spec.name == name or ratio < 0.8:
        return [], target
    start = image.text.rfind(name)
    fixed = image.text[:start] + spec.name + image.text[start + len(name) :]
    return [f"Repository {name} looks like a typo of {spec.name}, the container's name."], fixed


def _tag_typo(tag: str) -> str | None:
    """The tag with one near-miss variant word corrected (``1.27-alpne`` → ``1.27-alpine``)."""
    words = tag.split("-")
    for index, word in enumerate(words):
        if not word.isalpha() or word in _TAG_WORDS:
            continue
        close = difflib.get_close_matches(word.lower(), _TAG_WORDS, n=1, cutoff=0.8)
        if close:
            return "-".join([*words[:index], close[0], *words[index + 1 :]])
    return None


class WorkingImages:
    """Images that other pods of the same workload run, per workload and container (cached)."""

    def __init__(self, view: ClusterView) -> None:
        self._view = view
        self._cache: dict[tuple[ObjectRef, str, str], tuple[str, str] | None] = {}

    def find(self, workload: ObjectRef, container: str, failing: str) -> tuple[str, str] | None:
        key = (workload, container, failing)
        if key not in self._cache:
            self._cache[key] = self._search(workload, container, failing)
        return self._cache[key]

    def _search(self, workload: ObjectRef, container: str, failing: str) -> tuple[str, str] | None:
        for pod in self._view.pods_of(workload):
            spec = pod.container(container)
            status = pod.container_status(container)
            if spec and status and status.state.is_running and spec.image != failing:
                return spec.image, pod.name
        return None
