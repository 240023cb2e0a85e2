"""What the API server asks of the simulation: logs, metrics and the sandbox's control verbs.

The server depends on this protocol rather than on ``Simulation`` itself, so the API can be
served (and tested) over a bare store; ``StoreOnly`` answers for a cluster with no simulation,
the way a real API server with no kubelets or metrics-server would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from kubemedic.sandbox.apierrors import NotFoundError, StoreError
from kubemedic.sandbox.resources import KINDS

if TYPE_CHECKING:
    from kubemedic.sandbox.kubelet.remote import ExecOutcome


class Backend(Protocol):
    """The part of ``kubemedic.sandbox.simulation.Simulation`` the server uses."""

    def pod_log(
        self,
        namespace: str,
        pod: str,
        container: str,
        *,
        previous: bool,
        tail_lines: int | None,
    ) -> str: ...

    def exec_command(
        self, namespace: str, pod: str, container: str, argv: list[str], stdin: str
    ) -> ExecOutcome: ...

    def pod_metrics(self, namespace: str | None) -> list[dict[str, Any]]: ...

    def node_metrics(self) -> list[dict[str, Any]]: ...

    def prometheus_text(self) -> str: ...

    def scenarios(self) -> list[tuple[str, str]]: ...

    def break_scenario(self, name: str, *, target: str | None, namespace: str | None) -> str: ...

    def set_load(self, kind: str, namespace: str, name: str, cpu_percent: float) -> str: ...

    def add_image(self, spec: dict[str, Any]) -> str: ...

    def remove_image(self, image: str, tags: list[str]) -> str: ...

    def history(self, days: int) -> str: ...

    def reset(self) -> None: ...


class NotSimulated(StoreError):
    """The sandbox runs without its simulation, so this request has nothing to act on."""

    code = 503
    reason = "ServiceUnavailable"


class StoreOnly:
    """The backend of a sandbox serving its store alone: no logs, metrics or scenarios."""

    def pod_log(
        self,
        namespace: str,
        pod: str,
        container: str,
        *,
        previous: bool,
        tail_lines: int | None,
    ) -> str:
        raise NotFoundError(KINDS["Pod"], pod)

    def exec_command(
        self, namespace: str, pod: str, container: str, argv: list[str], stdin: str
    ) -> ExecOutcome:
        raise NotSimulated("this sandbox runs without its simulation: no container runs")

    def pod_metrics(self, namespace: str | None) -> list[dict[str, Any]]:
        return []

    def node_metrics(self) -> list[dict[str, Any]]:
        return []

    def prometheus_text(self) -> str:
        return ""

    def scenarios(self) -> list[tuple[str, str]]:
        return []

    def break_scenario(self, name: str, *, target: str | None, namespace: str | None) -> str:
        raise NotSimulated("this sandbox runs without its simulation: nothing can be broken")

    def set_load(self, kind: str, namespace: str, name: str, cpu_percent: float) -> str:
        raise NotSimulated("this sandbox runs without its simulation: load cannot be driven")

    def add_image(self, spec: dict[str, Any]) -> str:
        raise NotSimulated("this sandbox runs without its simulation: it has no image registry")

    def remove_image(self, image: str, tags: list[str]) -> str:
        raise NotSimulated("this sandbox runs without its simulation: it has no image registry")

    def history(self, days: int) -> str:
        raise NotSimulated("this sandbox runs without its simulation: it has no metrics history")

    def reset(self) -> None:
        return None
