"""What the container runtime reports when a container cannot start at all.

containerd (the default) ends such a container with reason ``StartError`` and exit code 128;
cri-dockerd, on nodes whose ``containerRuntimeVersion`` is ``docker://``, with
``ContainerCannotRun`` and Docker's exit code (127 for a missing executable, 126 for one that
cannot be run). Either way the run never started: ``startedAt`` is the Unix epoch.
"""

from __future__ import annotations

from dataclasses import dataclass

NEVER_STARTED = "1970-01-01T00:00:00Z"
_RUNC = "failed to create shim task: OCI runtime create failed: runc create failed: "


@dataclass(frozen=True, slots=True)
class StartFailure:
    reason: str
    exit_code: int
    message: str  # the terminated state's message
    event: str  # the kubelet's ``Failed`` event


def start_failure(runtime: str, container: str, error: str) -> StartFailure:
    """The failure ``runtime`` reports for ``container`` when runc says ``error``."""
    cause = f"{_RUNC}unable to start container process: {error}: unknown"
    if runtime == "docker":
        message = f"failed to create task for container: {cause}"
        return StartFailure(
            "ContainerCannotRun",
            _docker_exit_code(error),
            message,
            f'Error: failed to start container "{container}": Error response from daemon: '
            f"{message}",
        )
    message = f"failed to create containerd task: {cause}"
    return StartFailure("StartError", 128, message, f"Error: {message}")


def _docker_exit_code(error: str) -> int:
    if "executable file not found" in error or "no such file or directory" in error:
        return 127
    if "permission denied" in error:
        return 126
    return 128
