"""Container images: mutable tags, no digest, registries outside the allow-list.

``latest`` (or no tag, which means latest) makes what runs change without a change to the
manifest; a tag without a digest can be moved by whoever can push to the registry; an image
from a registry the organisation does not vet skips its scanning and signing. References are
read with the runtimes' grammar (``_internal.image_reference``): ``nginx`` is
``docker.io/library/nginx:latest``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from kubemedic._internal.image_reference import ImageReference, parse
from kubemedic.checks._common import checkov, cis, finding, kubescape, nsa, rule, spec_fact
from kubemedic.checks._registry import Check
from kubemedic.checks._templates import Container, Template, templates
from kubemedic.models.cluster import ClusterView
from kubemedic.models.security import AuditOptions, Fix, Rule, SecurityFinding
from kubemedic.models.severity import Severity

FAMILY = "images"
_GUIDE = nsa("Upgrading and application security practices")

MUTABLE_TAG = rule(
    "KM-SEC-IMAGE-LATEST",
    "Image tag is latest or missing",
    Severity.MEDIUM,
    FAMILY,
    "latest (or no tag) pulls whatever was pushed last: replicas can run different code, and a "
    "rollback does not roll back.",
    _GUIDE,
    checkov("CKV_K8S_14"),
    kubescape("C-0075"),
)
NO_DIGEST = rule(
    "KM-SEC-IMAGE-NO-DIGEST",
    "Image not pinned by digest",
    Severity.LOW,
    FAMILY,
    "A tag can be moved to other content by anyone who can push to the repository; a digest "
    "names exactly one image.",
    cis("5.5.1"),
    checkov("CKV_K8S_43"),
    kubescape("C-0306"),
)
REGISTRY = rule(
    "KM-SEC-IMAGE-REGISTRY",
    "Image from a registry outside the allow-list",
    Severity.HIGH,
    FAMILY,
    "The image comes from a registry the allow-list (--allowed-registry) does not name, so it "
    "skipped the organisation's scanning and signing.",
    cis("5.5.1"),
    _GUIDE,
    kubescape("C-0078"),
)


def allowed(reference: ImageReference, registries: Sequence[str]) -> bool:
    """Whether the image's host, or host/repository prefix, is in the allow-list."""
    full = f"{reference.host}/{reference.repository}"
    for entry in registries:
        entry = entry.strip().rstrip("/")
        if entry in ("docker.io", "index.docker.io") and reference.host == "docker.io":
            return True
        if full == entry or full.startswith(entry + "/") or reference.host == entry:
            return True
    return False


def run(view: ClusterView, options: AuditOptions) -> Iterator[SecurityFinding]:
    registries = options.allowed_registries

    def outside(ref: ImageReference) -> str | None:
        return None if allowed(ref, registries) else f"registry {ref.host} is not allowed"

    for template in templates(view):
        yield from _check(template, MUTABLE_TAG, _mutable, _pinned)
        yield from _check(template, NO_DIGEST, _undigested, _pinned)
        if registries:
            yield from _check(template, REGISTRY, outside, _moved)


def _mutable(ref: ImageReference) -> str | None:
    if ref.digest or ref.tag != "latest":
        return None  # a digest pins it whatever the tag says
    return "tag latest" if ref.text.rstrip().endswith(":latest") else "no tag (so latest)"


def _undigested(ref: ImageReference) -> str | None:
    return None if ref.digest else f"{ref.version}, no digest"


def _pinned(ref: ImageReference) -> str:
    return f"{ref.repository_url}:<version>@sha256:<digest>"


def _moved(ref: ImageReference) -> str:
    return f"<allowed registry>/{ref.repository}:<version>@sha256:<digest>"


def _check(
    template: Template,
    of: Rule,
    flaw: Callable[[ImageReference], str | None],
    replacement: Callable[[ImageReference], str],
) -> Iterator[SecurityFinding]:
    flawed: list[tuple[Container, ImageReference, str]] = []
    for c in template.containers:
        if c.group == "ephemeralContainers" or not c.spec.image:
            continue
        reference = parse(c.spec.image)
        why = flaw(reference)
        if why is not None:
            flawed.append((c, reference, why))
    if not flawed:
        return
    evidence = [
        spec_fact(
            f"container {c.name} image {c.spec.image}: {why}", f"{template.workload} {c.path}.image"
        )
        for c, _, why in flawed
    ]
    images = ", ".join(dict.fromkeys(c.spec.image for c, _, _ in flawed))
    changes = " ".join(f"{c.name}={replacement(ref)}" for c, ref, _ in flawed)
    commands = (
        (f"kubectl set image {template.workload.kubectl_ref} {changes}",)
        if template.patchable
        else ()
    )
    examples = "; ".join(f"{c.name}: {replacement(ref)}" for c, ref, _ in flawed)
    yield finding(
        of,
        template.workload,
        f"{template.workload}: {of.title.lower()} ({images})",
        evidence,
        Fix(f"Set the image in the manifest to a pinned reference ({examples}).", commands),
    )


CHECK = Check(
    name="images",
    description="Image tags, digests and registries",
    rules=(MUTABLE_TAG, NO_DIGEST, REGISTRY),
    run=run,
)
