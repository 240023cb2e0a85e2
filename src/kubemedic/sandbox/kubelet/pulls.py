"""Image pulls on a node: the image cache, pull secrets, pull errors and their back-off.

ErrImagePull is followed by ImagePullBackOff with the kubelet's back-off (10 s doubling to 5
minutes); ``IfNotPresent`` images already on the node are not pulled again; a missing pull
secret is reported before the pull is tried anyway, as the kubelet does.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from kubemedic.sandbox.kubelet.config import pull_credentials
from kubemedic.sandbox.kubelet.images import InvalidImageName, Pulled, PullFailed, parse_reference
from kubemedic.sandbox.kubelet.state import ContainerRuntime
from kubemedic.sandbox.kubelet.sync import COMPONENT, FIRST_BACKOFF, MAX_BACKOFF, Sync, retry

Obj = dict[str, Any]
PULL_BANDWIDTH = 40_000_000.0  # bytes per second


def ensure_image(sync: Sync, spec: Obj, cr: ContainerRuntime) -> Pulled | None:
    """Make sure the image is on the node; None while pulling or failing."""
    image = str(spec.get("image") or "")
    try:
        ref = parse_reference(image)
    except InvalidImageName as exc:
        sync.event(spec, cr.init, "Warning", "InspectFailed", str(exc))
        sync.event(spec, cr.init, "Warning", "Failed", "Error: InvalidImageName")
        cr.wait("InvalidImageName", str(exc))
        retry(sync, cr)
        return None
    policy = str(spec.get("imagePullPolicy") or "IfNotPresent")
    known = sync.catalog.lookup(ref)
    if ref.full in sync.images and policy != "Always" and known is not None:
        sync.event(
            spec,
            cr.init,
            "Normal",
            "Pulled",
            f'Container image "{image}" already present on machine',
        )
        return Pulled(known, ref)
    if policy == "Never":
        message = f'Container image "{image}" is not present with pull policy of Never'
        sync.event(spec, cr.init, "Warning", "ErrImageNeverPull", message)
        cr.wait("ErrImageNeverPull", message)
        retry(sync, cr)
        return None
    if cr.pull_started is not None and cr.pulled is not None:
        done = cr.pull_started + timedelta(
            seconds=0.4 + cr.pulled.image.size_bytes / PULL_BANDWIDTH
        )
        if sync.now < done:
            sync.after(done)
            return None
        took = (done - cr.pull_started).total_seconds()
        sync.event(
            spec,
            cr.init,
            "Normal",
            "Pulled",
            f'Successfully pulled image "{image}" in {took:.3f}s ({took:.3f}s including waiting). '
            f"Image size: {cr.pulled.image.size_bytes} bytes.",
        )
        sync.images.add(ref.full)
        cr.pull_started, cr.pull_backoff = None, 0.0
        return cr.pulled
    if cr.pull_backoff_until is not None and sync.now < cr.pull_backoff_until:
        if "ImagePullBackOff" not in str(cr.state.get("waiting")):
            sync.event(spec, cr.init, "Normal", "BackOff", f'Back-off pulling image "{image}"')
            sync.event(spec, cr.init, "Warning", "Failed", "Error: ImagePullBackOff")
        cr.wait(
            "ImagePullBackOff", f'Back-off pulling image "{image}": ErrImagePull: {cr.pull_error}'
        )
        sync.after(cr.pull_backoff_until)
        return None
    hosts, missing = pull_credentials(sync.store, sync.pod)
    if missing:
        sync.recorder.record(
            sync.pod,
            "Warning",
            "FailedToRetrieveImagePullSecret",
            f"Unable to retrieve some image pull secrets ({', '.join(missing)}); attempting to "
            "pull "
            "the image may not succeed.",
            component=COMPONENT,
            host=sync.host,
        )
    sync.event(spec, cr.init, "Normal", "Pulling", f'Pulling image "{image}"')
    result = sync.catalog.pull(ref, arch=sync.arch, credentials=hosts)
    if isinstance(result, PullFailed):
        sync.event(
            spec, cr.init, "Warning", "Failed", f'Failed to pull image "{image}": {result.message}'
        )
        sync.event(spec, cr.init, "Warning", "Failed", "Error: ErrImagePull")
        cr.wait("ErrImagePull", result.message)
        cr.pull_error = result.message
        cr.pull_backoff = min(max(cr.pull_backoff * 2, FIRST_BACKOFF), MAX_BACKOFF)
        cr.pull_backoff_until = sync.now + timedelta(seconds=cr.pull_backoff)
        sync.after(cr.pull_backoff_until)
        return None
    cr.pulled, cr.pull_started = result, sync.now
    cr.wait("ContainerCreating")
    sync.wake.append(0.4 + result.image.size_bytes / PULL_BANDWIDTH)
    return None
