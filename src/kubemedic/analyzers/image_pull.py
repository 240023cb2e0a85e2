"""Images that cannot be pulled: missing tag or repository, denied access, invalid names,
registries the node cannot reach.

While a container backs off its status only says ``Back-off pulling image "..."``, so the cause
is read from the kubelet's ``Failed`` events (or, on recent kubelets, the error appended to the
waiting message). The root cause names the registry host, repository and tag separately, checks
the pod's pull secrets and, for a platform mismatch, the node's architecture.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from kubemedic.analyzers._build import (
    Fix,
    event_evidence,
    matching_events,
    merged_fix,
    pod_finding,
    related_evidence,
    spec_evidence,
)
from kubemedic.analyzers._image_hints import (
    WorkingImages,
    known_good,
    replacement,
    repository_replacement,
)
from kubemedic.analyzers._image_ref import ImageRef, parse_image
from kubemedic.analyzers._init_hold import hold_evidence, hold_sentence, is_init_step
from kubemedic.analyzers._pull_errors import PullCause, PullError, classify, error_detail
from kubemedic.analyzers._pull_fixes import (
    Diagnosis,
    PullCase,
    denied,
    invalid_name,
    never_pulled,
    set_image_found,
    spec_path,
)
from kubemedic.analyzers._pull_secrets import check_pull_secrets
from kubemedic.analyzers._registry import Analyzer
from kubemedic.analyzers._template_patch import (
    container_patch,
    follow_up_steps,
    template_patch,
)
from kubemedic.models.categories import Category
from kubemedic.models.cluster import ClusterView
from kubemedic.models.findings import Evidence, Finding
from kubemedic.models.k8s import ContainerSpec, ContainerStatus, Event, Node, Pod
from kubemedic.models.severity import RiskTier, Severity

NAME = "image-pull"
IDS = {
    Category.IMAGE_NOT_FOUND: "KM-POD-IMAGE-NOT-FOUND",
    Category.IMAGE_AUTH: "KM-POD-IMAGE-AUTH",
    Category.IMAGE_INVALID_NAME: "KM-POD-IMAGE-INVALID-NAME",
    Category.IMAGE_REGISTRY_UNREACHABLE: "KM-POD-IMAGE-REGISTRY-UNREACHABLE",
}
_PULL_REASONS = frozenset({"ErrImagePull", "ImagePullBackOff", "RegistryUnavailable"})
_OUTCOMES = {
    Category.IMAGE_NOT_FOUND: "The kubelet pulls the corrected image on its next attempt and "
    "the container starts; the pods leave ImagePullBackOff.",
    Category.IMAGE_INVALID_NAME: "The kubelet accepts the corrected reference, pulls it and "
    "starts the container.",
    Category.IMAGE_AUTH: "The next pull authenticates and succeeds (the kubelet retries within "
    "5 minutes; a patched template rolls out new pods at once) and the container starts.",
    Category.IMAGE_REGISTRY_UNREACHABLE: "Pulls from the registry succeed again and the pods "
    "leave ImagePullBackOff without further changes to the workload.",
}


def analyze(view: ClusterView) -> Iterator[Finding]:
    working = WorkingImages(view)
    for pod in view.troubled_pods:
        if pod.deletion_timestamp is not None:
            continue
        found = [
            d
            for status in pod.all_container_statuses
            if (d := _diagnose(view, pod, status, working)) is not None
        ]
        for category in dict.fromkeys(d.category for d in found):
            yield _finding(view, pod, [d for d in found if d.category is category])


def _diagnose(
    view: ClusterView, pod: Pod, status: ContainerStatus, working: WorkingImages
) -> Diagnosis | None:
    reason = status.state.waiting_reason
    spec = pod.container(status.name)
    if spec is None:
        return None
    if reason == "InvalidImageName":
        events = matching_events(view, pod, ("InspectFailed",), container=spec.name)
        return invalid_name(PullCase(view, pod, status, spec, tuple(events)))
    if reason == "ErrImageNeverPull":
        events = matching_events(view, pod, ("ErrImageNeverPull",), container=spec.name)
        return never_pulled(PullCase(view, pod, status, spec, tuple(events)))
    if reason in _PULL_REASONS:
        return _failed_pull(view, pod, status, spec, working)
    return None


def _failed_pull(
    view: ClusterView,
    pod: Pod,
    status: ContainerStatus,
    spec: ContainerSpec,
    working: WorkingImages,
) -> Diagnosis:
    image = parse_image(spec.image)
    failed = matching_events(
        view, pod, ("Failed",), container=spec.name, contains="Failed to pull image"
    )
    failed = [e for e in failed if f'"{spec.image}"' in e.message] or failed
    backoffs = matching_events(
        view, pod, ("BackOff",), container=spec.name, contains="Back-off pulling image"
    )
    case = PullCase(view, pod, status, spec, (*failed, *backoffs))
    error, source = _latest_error(status, failed, backoffs)
    evidence = [case.waiting_evidence(status.state.waiting_message)]
    if source is not None:
        evidence.append(event_evidence(source))
    secrets = check_pull_secrets(view, pod, image)
    cause = error.cause if error else PullCause.UNKNOWN
    if (cause is PullCause.ACCESS_DENIED and not image.is_official_library) or (
        cause is PullCause.UNKNOWN and secrets.missing
    ):
        fallback = known_good(view, pod, spec, working)
        return denied(case, image, error, secrets, evidence, fallback)
    if error is None:
        return _unexplained(case, image, evidence, working)
    if cause.category is Category.IMAGE_REGISTRY_UNREACHABLE:
        return _unreachable(case, image, error, evidence)
    return _not_found(case, image, error, evidence, working)


def _latest_error(
    status: ContainerStatus, failed: Sequence[Event], backoffs: Sequence[Event]
) -> tuple[PullError | None, Event | None]:
    """The most recent runtime error: Failed events first, then the waiting message."""
    for event in reversed(failed):
        if error_detail(event.message):
            return classify(event.message), event
    if error_detail(status.state.waiting_message):
        return classify(status.state.waiting_message), None
    for event in reversed(backoffs):
        if error_detail(event.message):
            return classify(event.message), event
    return None, None


def _not_found(
    case: PullCase,
    image: ImageRef,
    error: PullError,
    evidence: Sequence[Evidence],
    working: WorkingImages,
) -> Diagnosis:
    view, pod, spec, workload = case.view, case.pod, case.spec, case.workload
    intro = f"{case.cannot_pull(image)}:"
    quoted = f'The runtime reports "{error.detail}".'
    if error.cause is PullCause.PLATFORM_MISMATCH:
        return _platform_mismatch(case, image, error, evidence)
    if error.cause in (PullCause.ACCESS_DENIED, PullCause.REPOSITORY_NOT_FOUND):
        what = f"registry {image.host} has no repository {image.repository}"
        if error.cause is PullCause.ACCESS_DENIED:  # only reached for official library images
            what = (
                f"Docker Hub has no image {image.repository.removeprefix('library/')}: official "
                'images are public, so "pull access denied" means the name does not exist'
            )
        hints, target = repository_replacement(spec, image)
        steps = [f"Check the repository name in {spec.image}: spelling, organisation, registry."]
    else:
        what = f"registry {image.host} has no {image.version} in repository {image.repository}"
        hints, target = replacement(view, pod, spec, image, working)
        steps = [
            f"Or, if {image.version} is the intended release and was simply not pushed yet, "
            "push it: the kubelet picks it up on its next retry.",
        ]
    found, commands = set_image_found(workload, spec, target)
    steps[:0] = found
    steps.append("Fix the image in the workload's source (Helm values, kustomization) too.")
    return case.diagnosis(
        Category.IMAGE_NOT_FOUND,
        summary=f"Image {spec.image} of container {spec.name} does not exist",
        cause=" ".join((intro, f"{what}.", quoted, *hints)),
        evidence=evidence,
        fix=Fix(
            summary=f"Point container {spec.name} at an image that exists ({target}).",
            steps=tuple(steps),
            commands=tuple(commands),
        ),
    )


def _platform_mismatch(
    case: PullCase, image: ImageRef, error: PullError, evidence: Sequence[Evidence]
) -> Diagnosis:
    pod, spec = case.pod, case.spec
    node = case.view.get("Node", "", pod.node_name)
    arch = node.labels.get("kubernetes.io/arch", "") if node else ""
    node_os = node.labels.get("kubernetes.io/os", "linux") if node else "linux"
    if node is not None and arch:
        evidence = [
            *evidence,
            related_evidence(
                f"Node {node.name}",
                f"labels kubernetes.io/arch={arch}, kubernetes.io/os={node_os}",
            ),
        ]
    platform = f"{node_os}/{arch}" if arch else "the node's platform"
    where = f"node {pod.node_name} ({platform})" if pod.node_name else platform
    other = "amd64" if arch == "arm64" else "arm64" if arch == "amd64" else ""
    steps = [
        f"Build and push {image.text} for {platform} as well (docker buildx "
        f"build --platform linux/amd64,linux/arm64 --push ...).",
    ]
    steps.append(f"See the platforms it is published for: docker manifest inspect {image.text}")
    commands = []
    nodes = case.view.nodes
    known = case.view.knows("Node") and nodes
    if other and (not known or any(n.labels.get("kubernetes.io/arch") == other for n in nodes)):
        steps.append(
            f"Or, if the image only exists for {other}, schedule the pod on {other} nodes."
        )
        patch = template_patch(case.workload, {"nodeSelector": {"kubernetes.io/arch": other}})
        commands += [patch] if patch else []
    commands.append("kubectl get nodes -L kubernetes.io/arch,kubernetes.io/os")
    return case.diagnosis(
        Category.IMAGE_NOT_FOUND,
        summary=f"Image {spec.image} has no build for {platform}",
        cause=(
            f"{case.cannot_pull(image)}: the image exists but has no variant for {where} — the "
            f'runtime reports "{error.detail}". An image built on one architecture (e.g. on an '
            "arm64 laptop) only runs on nodes of that architecture unless it is published "
            "multi-arch."
        ),
        evidence=evidence,
        fix=Fix(
            summary=f"Publish {image.text} for {platform} (multi-arch), or run "
            "the pod on nodes of an architecture the image supports.",
            steps=tuple(steps),
            commands=tuple(commands),
            risk=RiskTier.MEDIUM,
        ),
    )


def _unreachable(
    case: PullCase, image: ImageRef, error: PullError, evidence: Sequence[Evidence]
) -> Diagnosis:
    from kubemedic.analyzers._registry_reach import (  # only for unreachable ones
        container_runtime,
        reach_advice,
    )

    spec = case.spec
    node = case.view.get("Node", "", case.pod.node_name) if case.pod.node_name else None
    ids = [str(s.raw.get("containerID") or "") for s in case.pod.all_container_statuses]
    runtime = container_runtime(error, ids, node if isinstance(node, Node) else None)
    advice = reach_advice(error, image, case.pod.node_name, runtime)
    commands = advice.commands
    policy = spec.image_pull_policy or ("Always" if image.tag == "latest" else "IfNotPresent")
    if error.cause is PullCause.RATE_LIMITED and policy == "Always":
        evidence = [
            *evidence,
            spec_evidence(
                case.pod,
                spec_path(spec, "imagePullPolicy"),
                "imagePullPolicy Always: every container start pulls from the registry again",
            ),
        ]
        patch = container_patch(case.workload, spec, {"imagePullPolicy": "IfNotPresent"})
        commands += (patch,) if patch else ()
    return case.diagnosis(
        Category.IMAGE_REGISTRY_UNREACHABLE,
        summary=f"Container {spec.name} cannot get {spec.image} from registry {image.host}",
        cause=f"{case.cannot_pull(image)}: {advice.explanation} "
        f'The runtime reports "{error.detail}".',
        evidence=evidence,
        fix=Fix(advice.summary, advice.steps, commands, advice.risk),
    )


def _unexplained(
    case: PullCase, image: ImageRef, evidence: Sequence[Evidence], working: WorkingImages
) -> Diagnosis:
    pod, spec = case.pod, case.spec
    hints, target = replacement(case.view, pod, spec, image, working)
    found, changes = set_image_found(case.workload, spec, target)
    return case.diagnosis(
        Category.IMAGE_NOT_FOUND,
        summary=f"Container {spec.name} cannot pull image {spec.image}",
        cause=" ".join(
            (
                f"{case.cannot_pull(image)}. The runtime's error was not collected (no Failed "
                "event), so the cause is not certain; most often the tag or repository does not "
                "exist, less often credentials are missing or the registry is unreachable.",
                *hints,
            )
        ),
        evidence=evidence,
        fix=Fix(
            summary=f"Read the pull error, then fix the image of {spec.name} or its access.",
            steps=(
                f"Run kubectl describe pod {pod.name} -n {pod.namespace} and read the latest "
                "Failed event.",
                *found,
            ),
            commands=(f"kubectl describe pod {pod.name} -n {pod.namespace}", *changes),
        ),
    )


def _finding(view: ClusterView, pod: Pod, found: Sequence[Diagnosis]) -> Finding:
    category = found[0].category
    workload = view.workload_of(pod)
    extra: tuple[str, ...] = ()
    if category is not Category.IMAGE_REGISTRY_UNREACHABLE:  # the fix changes the pod template
        # kubectl set image fixes a bare pod in place; a pull secret needs it recreated
        image_only = workload.kind == "Pod" and category is not Category.IMAGE_AUTH
        extra = follow_up_steps(workload, pod, recreate=not image_only)
    held = [d.container for d in found if is_init_step(pod, d.container)]
    status = pod.container_status(held[0]) if held else None
    blocked = f"; pod held at Init:{status.state.waiting_reason}" if status is not None else ""
    return pod_finding(
        view,
        pod,
        id=IDS[category],
        analyzer=NAME,
        severity=Severity.HIGH,
        category=category,
        containers=[d.container for d in found],
        summary="; ".join(d.summary for d in found) + blocked,
        root_cause=" ".join([*(d.cause for d in found), *(hold_sentence(pod, c) for c in held)]),
        evidence=[e for d in found for e in d.evidence] + (hold_evidence(pod) if held else []),
        events=[e for d in found for e in d.events],
        remediation=merged_fix([d.fix for d in found], extra).remediation(_OUTCOMES[category]),
    )


ANALYZER = Analyzer(
    name=NAME,
    description="Image pulls that fail: missing tags or repositories, denied access, invalid "
    "image names, unreachable registries.",
    categories=tuple(IDS),
    analyze=analyze,
)
