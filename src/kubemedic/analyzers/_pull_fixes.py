"""Diagnoses of image pulls that need a change to the pod spec or its credentials.

Denied access (with what the pull secrets can and cannot do), invalid image names and
``imagePullPolicy: Never`` images absent from the node: each explained with this cluster's
names and turned into the kubectl commands that fix it.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable
from dataclasses import dataclass

from kubemedic._internal.image_reference import cut
from kubemedic.analyzers._build import Fix, event_evidence, spec_evidence, status_evidence
from kubemedic.analyzers._image_ref import ImageRef, corrected_image, invalid_reason
from kubemedic.analyzers._pull_errors import PullError
from kubemedic.analyzers._pull_secrets import PullSecretReport
from kubemedic.analyzers._template_patch import container_patch, template_patch
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence, ObjectRef
from kubemedic.models.k8s import ContainerSpec, ContainerStatus, Event, Pod

_DOCKER_HUB_SERVER = "https://index.docker.io/v1/"
# How each cloud registry grants pulls, when nodes pull with their own identity.
_CLOUD_ACCESS = {
    ".amazonaws.com": "For ECR, the node role needs ecr:GetAuthorizationToken and "
    "ecr:BatchGetImage, and ECR tokens stored in pull secrets expire after 12 hours.",
    "-docker.pkg.dev": "For Artifact Registry, the node's service account needs "
    "roles/artifactregistry.reader on the repository.",
    ".azurecr.io": "For ACR, grant AcrPull to the kubelet identity (az aks update --attach-acr) "
    "or use a pull secret.",
}


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """Why one container's image cannot be pulled."""

    container: str
    category: Category
    summary: str
    cause: str
    evidence: tuple[Evidence, ...]
    events: tuple[Event, ...]
    fix: Fix


@dataclass(frozen=True, slots=True)
class PullCase:
    """One container whose image the kubelet cannot get, and the kubelet's events about it."""

    view: ClusterView
    pod: Pod
    status: ContainerStatus
    spec: ContainerSpec
    events: tuple[Event, ...]

    @property
    def workload(self) -> ObjectRef:
        return self.view.workload_of(self.pod)

    @property
    def kubelet_message(self) -> str:
        """Why the kubelet refuses the image: its waiting message, else its latest event."""
        return self.status.state.waiting_message or (self.events[-1].message if self.events else "")

    def cannot_pull(self, image: ImageRef) -> str:
        """``Container app cannot pull "nginx:1.27" (registry host docker.io, ...)``."""
        return f'Container {self.spec.name} cannot pull "{self.spec.image}" ({image.described})'

    def waiting_evidence(self, message: str) -> Evidence:
        """The container's waiting reason with ``message``, the kubelet's words for it."""
        fact = f"{self.status.state.waiting_reason}: {message}".rstrip(": ")
        return status_evidence(self.pod, self.status, "state.waiting", fact)

    def diagnosis(
        self, category: Category, summary: str, cause: str, evidence: Iterable[Evidence], fix: Fix
    ) -> Diagnosis:
        return Diagnosis(
            self.spec.name, category, summary, cause, tuple(evidence), self.events, fix
        )


def denied(
    case: PullCase,
    image: ImageRef,
    error: PullError | None,
    secrets: PullSecretReport,
    evidence: Iterable[Evidence],
    fallback: tuple[str, str] | None = None,
) -> Diagnosis:
    """The registry refused the pull, or the credentials it needs are not there.

    Credentials are something only a person has, so their commands carry placeholders; when
    the workload runs another image that pulls (``fallback``: the image and where it runs),
    returning to it is the command, and the credentials are the way forward.
    """
    pod, spec, workload = case.pod, case.spec, case.workload
    parts = [f"{case.cannot_pull(image)}:"]
    if error is not None:
        parts.append(f'registry {image.host} denied access — "{error.detail}".')
    else:
        parts.append("the pull fails and the credentials it needs are missing.")
    if secrets.problems:
        problems = "; ".join(secrets.problems)
        parts.append(f"{problems[0].upper()}{problems[1:]}.")
    if not secrets.usable:
        parts.append(
            "Without usable credentials the kubelet pulls anonymously, which a private "
            "repository refuses"
            + (
                " (Docker Hub answers the same for a repository that does not exist)."
                if image.is_docker_hub
                else "."
            )
        )
    else:
        parts.append(
            f"The pod does send pull secret {', '.join(secrets.usable)}, so its credentials "
            f"are wrong for {image.host}: no entry for that host, an expired token, or an "
            f"account without pull access to {image.repository}."
        )
    parts += [text for host_part, text in _CLOUD_ACCESS.items() if host_part in image.host]
    name = (secrets.missing or secrets.unusable or secrets.usable or ("regcred",))[0]
    server = _DOCKER_HUB_SERVER if image.is_docker_hub else image.host
    create = (
        f"kubectl create secret docker-registry {name} -n {pod.namespace} "
        f"--docker-server={server} --docker-username=<user> --docker-password=<token>"
    )
    commands = []
    if name in secrets.unusable:  # a secret's type cannot change: replace it
        commands += [f"kubectl delete secret {name} -n {pod.namespace}", create]
    elif name in secrets.usable:  # refresh it in place
        commands.append(f"{create} --dry-run=client -o yaml | kubectl apply -f -")
    else:
        commands.append(create)
    if name not in secrets.configured:
        patch = template_patch(workload, {"imagePullSecrets": [{"name": name}]})
        commands += [patch] if patch else []
    summary = (
        f"Give the pod valid pull credentials for {image.host} in a "
        f"kubernetes.io/dockerconfigjson secret ({name}) referenced by imagePullSecrets."
    )
    steps = [
        f"Create or refresh secret {name} in {pod.namespace} with an account (or token) "
        f"allowed to pull {image.repository} from {image.host}: its user name in place of "
        "<user>, its password or access token in place of <token>.",
        f"Reference it from the workload (or ServiceAccount {pod.service_account}) "
        "imagePullSecrets; new pods pick it up, and existing ones on their next retry.",
        f"Check that {image.repository} really exists on {image.host} if access still "
        "fails with valid credentials.",
    ]
    held = secrets.alternatives[:1] if name in secrets.missing else ()
    patch = template_patch(workload, {"imagePullSecrets": [{"name": held[0]}]}) if held else None
    if held and patch:  # the credentials may be there already, under another name
        summary = (
            f"Reference registry secret {held[0]}, which namespace {pod.namespace} holds, "
            f"instead of the missing {name} (or create {name} with credentials for "
            f"{image.host})."
        )
        steps = [
            f"Point imagePullSecrets at {held[0]} (the command below) if it holds credentials "
            f"for {image.host} (whoever created it knows; kubemedic never reads secret "
            "values).",
            f"Otherwise create {name} with an account allowed to pull {image.repository}: "
            f"{' then '.join(commands)} (its user name in place of <user>, its password or "
            "access token in place of <token>).",
            *steps[2:],
        ]
        commands = [patch]
    if fallback is not None:
        good, where = fallback
        summary = (
            f"Run {good} again in container {spec.name} (it pulls: {where[0].lower()}"
            f"{where[1:].rstrip('.')}), or give the pod valid pull credentials for "
            f"{image.host} ({name}, referenced by imagePullSecrets) to run {spec.image}."
        )
        steps.append(f"With the credentials, in this order: {'; then '.join(commands)}")
        commands = list(set_image(workload, spec, good))
    return case.diagnosis(
        Category.IMAGE_AUTH,
        summary=f"Registry {image.host} denies the pull of {spec.image}",
        cause=" ".join(parts),
        evidence=(*evidence, *secrets.evidence),
        fix=Fix(summary=summary, steps=tuple(steps), commands=tuple(commands)),
    )


def invalid_name(case: PullCase) -> Diagnosis:
    """The image field is not a reference the runtime can parse."""
    spec = case.spec
    reason = invalid_reason(spec.image) or "the runtime cannot parse it"
    _, colon, tag = spec.image.strip().rpartition(":")
    kept_tag = tag if colon and tag and "/" not in tag else "<tag>"
    fixed = corrected_image(spec.image) or f"{_kept_repository(spec.image)}:{kept_tag}"
    found, commands = set_image_found(case.workload, spec, fixed)
    message = case.kubelet_message
    evidence = [
        case.waiting_evidence(message),
        spec_evidence(case.pod, spec_path(spec, "image"), f'image: "{spec.image}"'),
        *(event_evidence(e) for e in case.events[-1:]),
    ]
    cause = (
        f'Container {spec.name} has image "{spec.image}", which is not a valid image reference: '
        f"{reason}. The kubelet rejects it before any pull"
        + (f' ("{message}")' if message else "")
        + ". Such values usually come from templating: an empty or mis-cased Helm value, "
        "stray quotes or spaces."
    )
    return case.diagnosis(
        Category.IMAGE_INVALID_NAME,
        summary=f'Container {spec.name} has an invalid image name "{spec.image}"',
        cause=cause,
        evidence=evidence,
        fix=Fix(
            summary=f"Set a valid image reference on container {spec.name}: {fixed}.",
            steps=(
                "Fix the value where the manifest is generated (Helm values, kustomization, "
                "CI variables) so the next deploy does not bring it back.",
                *found,
            ),
            commands=commands,
        ),
    )


def never_pulled(case: PullCase) -> Diagnosis:
    """``imagePullPolicy: Never`` with an image the node does not have."""
    pod, spec = case.pod, case.spec
    node = f"node {pod.node_name}" if pod.node_name else "the node"
    evidence = [
        case.waiting_evidence(case.kubelet_message),
        spec_evidence(
            pod,
            spec_path(spec, "imagePullPolicy"),
            f"imagePullPolicy: {spec.image_pull_policy or 'Never'}",
        ),
        *(event_evidence(e) for e in case.events[-1:]),
    ]
    patch = container_patch(case.workload, spec, {"imagePullPolicy": "IfNotPresent"})
    return case.diagnosis(
        Category.IMAGE_NOT_FOUND,
        summary=f"Image {spec.image} is not on {node} and may not be pulled",
        cause=(
            f'Container {spec.name} has imagePullPolicy Never and image "{spec.image}" is not '
            f"present on {node}, so the kubelet will not pull it. Images loaded by hand (kind "
            "load, minikube image load) exist only on the nodes they were loaded onto."
        ),
        evidence=evidence,
        fix=Fix(
            summary=f"Load {spec.image} onto every node that can run the pod, or push it to a "
            "registry and use imagePullPolicy IfNotPresent.",
            steps=(
                f"kind: kind load docker-image {spec.image}; minikube: minikube image load "
                f"{spec.image}; other nodes: ctr -n k8s.io images import <archive>.",
            ),
            commands=(patch,) if patch else (),
        ),
    )


def set_image(workload: ObjectRef, spec: ContainerSpec, image: str) -> tuple[str, ...]:
    """``kubectl set image`` for kinds whose image can change (a bare Pod's can; a Job's pod
    template cannot, it is recreated)."""
    if workload.kind == "Job":
        return ()
    return (f"kubectl set image {workload.kubectl_ref} {spec.name}={image}",)


def set_image_found(
    workload: ObjectRef, spec: ContainerSpec, image: str
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The steps and commands of :func:`set_image`. An ``image`` with a part that neither the
    cluster nor the pod spec holds (``<existing-tag>``, ``<registry>``) is preceded by the
    kubectl command that lists what pods run in its place, and a step says what goes where."""
    commands = set_image(workload, spec, image)
    opened = re.findall(r"<[a-z-]+>", image)
    if not opened:
        return (), commands
    repository, _, tag = image.rpartition(":")
    images = "kubectl get pods {} -o jsonpath='{{..image}}' | tr ' ' '\\n'"
    if "<" in repository:
        find = f"{images.format(f'-n {workload.namespace}')} | sort -u"
        step = (
            f"Replace {' and '.join(opened)} in {image} with what {spec.name} is meant to run: "
            f"kubectl get pods below lists the images the pods of namespace "
            f"{workload.namespace} run, often from the same registry."
        )
    else:
        named = shlex.quote(f"{cut(repository).path}:")
        find = f"{images.format('-A')} | grep -F {named} | sort -u"
        step = (
            f"Replace {tag} with a tag of {repository} that exists: kubectl get pods below "
            "lists the tags of it that pods of the cluster run; its registry lists them all."
        )
    return (step,), (find, *commands)


def _kept_repository(image: str) -> str:
    """The registry and repository of an invalid image, as far as it names them: a leading
    ``/`` lost only the registry, an empty tag nothing else."""
    written = cut(image.strip())
    if not written.path:
        return "<registry>/<repository>"
    kept = f"<registry>{written.path}" if written.path.startswith("/") else written.path
    kept = f"{written.host}/{kept}" if written.host else kept
    valid = invalid_reason(kept.replace("<registry>", "registry.local")) is None
    return kept if valid else "<registry>/<repository>"


def spec_path(spec: ContainerSpec, field: str) -> str:
    """``spec.initContainers[migrate].image``: where a container's field is declared."""
    group = "spec.initContainers" if spec.is_init else "spec.containers"
    return f"{group}[{spec.name}].{field}"
