"""Image pull secrets as the kubelet uses them: which exist, which it ignores, which are missing.

Only names, types and data key names are read. Secret values, the ``.dockerconfigjson``
document included, are never decoded, kept or shown; which registry hosts a secret holds is
left to a command the user runs, which prints host names only.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass

from kubemedic.analyzers._build import event_evidence, matching_events, related_evidence
from kubemedic.analyzers._image_ref import DOCKER_HUB, ImageRef
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence, EvidenceSource
from kubemedic.models.k8s import KObject, Pod, dig

# The type the kubelet requires and the data key it then reads.
_DOCKER_SECRET_KEYS = {
    "kubernetes.io/dockerconfigjson": ".dockerconfigjson",
    "kubernetes.io/dockercfg": ".dockercfg",
}
_UNRETRIEVED = re.compile(r"Unable to retrieve some image pull secrets \(([^)]*)\)")
# Registry families people name their pull secrets after, and how their hosts end.
_NAME_HINTS = {
    "ghcr": "ghcr.io",
    "quay": "quay.io",
    "gitlab": "registry.gitlab.com",
    "dockerhub": DOCKER_HUB,
    "ecr": ".amazonaws.com",
    "acr": ".azurecr.io",
    "gcr": "gcr.io",
    "gar": "-docker.pkg.dev",
}


@dataclass(frozen=True, slots=True)
class PullSecretReport:
    """What the pod's pull secrets can and cannot do for one image."""

    configured: tuple[str, ...]
    missing: tuple[str, ...]
    unusable: tuple[str, ...]
    alternatives: tuple[str, ...]
    service_account_only: tuple[str, ...]
    problems: tuple[str, ...]
    evidence: tuple[Evidence, ...]

    @property
    def usable(self) -> tuple[str, ...]:
        bad = set(self.missing) | set(self.unusable)
        return tuple(name for name in self.configured if name not in bad)


def check_pull_secrets(view: ClusterView, pod: Pod, image: ImageRef) -> PullSecretReport:
    """Check every pull secret the pod names (and its ServiceAccount's) for use with ``image``."""
    configured = tuple(name for name in pod.image_pull_secrets if name)
    evidence: list[Evidence] = [_spec_fact(pod, configured)]
    problems: list[str] = []
    missing = _unretrieved(view, pod, evidence)
    unusable: list[str] = []
    for name in configured:
        secret = view.get("Secret", pod.namespace, name)
        if secret is None:
            if view.knows("Secret", pod.namespace) and name not in missing:
                missing.append(name)
                evidence.append(
                    related_evidence(
                        f"Secret {pod.namespace}/{name}",
                        f"no Secret named {name} among those listed in namespace {pod.namespace}",
                    )
                )
            continue
        problem = _unusable_reason(secret)
        if problem:
            unusable.append(name)
            problems.append(problem)
        else:
            hint = _host_hint(name, image)
            if hint:
                problems.append(hint)
        evidence.append(_secret_fact(secret))
    alternatives: tuple[str, ...] = ()
    if missing:
        problems.insert(
            0, f"image pull secret {', '.join(missing)} does not exist in {pod.namespace}"
        )
        alternatives = _registry_secrets(view, pod.namespace, configured, missing[0])
    if alternatives:
        problems.append(
            f"the namespace does hold registry secret {', '.join(alternatives)}: perhaps the "
            "reference should name it"
        )
    service_account_only = _service_account_only(view, pod, configured, evidence)
    if service_account_only:
        why = (
            "the pod sets its own imagePullSecrets, so the ServiceAccount's are not added"
            if configured
            else "they were added after this pod was created, so the pod does not use them"
        )
        problems.append(
            f"ServiceAccount {pod.service_account} lists {', '.join(service_account_only)}, "
            f"but {why}"
        )
    return PullSecretReport(
        configured=configured,
        missing=tuple(missing),
        unusable=tuple(unusable),
        alternatives=alternatives,
        service_account_only=service_account_only,
        problems=tuple(problems),
        evidence=tuple(evidence),
    )


def _spec_fact(pod: Pod, configured: tuple[str, ...]) -> Evidence:
    fact = f"imagePullSecrets: {', '.join(configured)}" if configured else "no imagePullSecrets"
    return Evidence(
        fact, EvidenceSource.SPEC, f"Pod {pod.namespace}/{pod.name} spec.imagePullSecrets"
    )


def _unretrieved(view: ClusterView, pod: Pod, evidence: list[Evidence]) -> list[str]:
    names: list[str] = []
    for event in matching_events(view, pod, ("FailedToRetrieveImagePullSecret",)):
        match = _UNRETRIEVED.search(event.message)
        found = [n.strip() for n in match.group(1).split(",")] if match else []
        names += [n for n in found if n and n not in names]
        evidence.append(event_evidence(event))
    return names


def _unusable_reason(secret: KObject) -> str | None:
    type_ = str(secret.raw.get("type") or "Opaque")
    keys = _data_keys(secret)
    wanted = _DOCKER_SECRET_KEYS.get(type_)
    if wanted is None:
        return (
            f"Secret {secret.name} has type {type_}; the kubelet only uses secrets of type "
            "kubernetes.io/dockerconfigjson (or the legacy kubernetes.io/dockercfg) for pulls"
        )
    if wanted not in keys:
        return (
            f"Secret {secret.name} of type {type_} has no {wanted} key, so it holds no credentials"
        )
    return None


def _secret_fact(secret: KObject) -> Evidence:
    keys = ", ".join(sorted(_data_keys(secret))) or "none"
    type_ = str(secret.raw.get("type") or "Opaque")
    return related_evidence(
        f"Secret {secret.namespace}/{secret.name}", f"type {type_}, data keys: {keys}"
    )


def _data_keys(secret: KObject) -> set[str]:
    """Key names only: values are never read."""
    keys: set[str] = set()
    for field in ("data", "stringData"):
        section = secret.raw.get(field)
        if isinstance(section, Mapping):
            keys.update(str(k) for k in section)
    return keys


def _registry_secrets(
    view: ClusterView, namespace: str, configured: tuple[str, ...], wanted: str
) -> tuple[str, ...]:
    """Registry-credential secrets of the namespace the pod does not name, closest name first."""
    names = [
        s.name
        for s in view.objects("Secret", namespace)
        if s.raw.get("type") in _DOCKER_SECRET_KEYS and s.name not in configured
    ]
    return tuple(sorted(names, key=lambda n: -difflib.SequenceMatcher(None, n, wanted).ratio()))


def _host_hint(name: str, image: ImageRef) -> str | None:
    """A pull secret named after another registry than the image's (a name-based hint only)."""
    tokens = set(re.split(r"[-_.]", name.lower()))
    for token, host_part in _NAME_HINTS.items():
        if token in tokens and host_part not in image.host:
            return (
                f"pull secret {name} is named after {host_part.strip('.-')} while the image is "
                f"on {image.host}: check that it holds credentials for {image.host}"
            )
    return None


def _service_account_only(
    view: ClusterView, pod: Pod, configured: tuple[str, ...], evidence: list[Evidence]
) -> tuple[str, ...]:
    account = view.get("ServiceAccount", pod.namespace, pod.service_account)
    if account is None:
        return ()
    listed = [
        str(dig(entry, "name") or "")
        for entry in account.raw.get("imagePullSecrets") or ()
        if isinstance(entry, Mapping)
    ]
    evidence.append(
        related_evidence(
            f"ServiceAccount {pod.namespace}/{pod.service_account}",
            f"imagePullSecrets: {', '.join(listed)}" if listed else "no imagePullSecrets",
        )
    )
    return tuple(name for name in listed if name and name not in configured)
