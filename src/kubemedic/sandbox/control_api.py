"""The sandbox's own control API under ``/sandbox/v1/``: status, break, load, reset, registry.

``kubemedic sandbox break|load|reset|registry|history|status`` talk to a running sandbox
through these endpoints (admin token only), so the CLI never reaches into the process.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from kubemedic.sandbox.apierrors import BadRequestError, NotFoundError, StoreError
from kubemedic.sandbox.backend import Backend
from kubemedic.sandbox.negotiation import Query, Reply, parse_body

PREFIX = "/sandbox/v1/"


class ControlAPI:
    """Dispatches ``/sandbox/v1/<verb>`` to the simulation and the runtime."""

    def __init__(
        self,
        backend: Backend,
        status: Callable[[], dict[str, Any]],
        reset: Callable[[str | None], str],
    ) -> None:
        self._backend = backend
        self._status = status
        self._reset = reset

    def handle(self, method: str, path: str, query: Query, body: bytes) -> Reply:
        verb = path[len(PREFIX) :].strip("/")
        routes: dict[tuple[str, str], Callable[[Query, bytes], Reply]] = {
            ("GET", "status"): lambda q, b: _json(self._status()),
            ("GET", "scenarios"): self._scenarios,
            ("POST", "break"): self._break,
            ("POST", "load"): self._load,
            ("POST", "reset"): self._reset_cluster,
            ("POST", "registry"): self._registry,
            ("POST", "registry/remove"): self._registry_remove,
            ("GET", "history"): self._history,
        }
        handler = routes.get((method, verb))
        if handler is None:
            raise NotFoundError(None, "", message=f"no sandbox control endpoint {method} {path}")
        try:
            return handler(query, body)
        except StoreError:
            raise
        except (ValueError, LookupError) as exc:
            raise BadRequestError(_reason(exc)) from exc

    def _scenarios(self, query: Query, body: bytes) -> Reply:
        listed = [{"name": n, "description": d} for n, d in self._backend.scenarios()]
        return _json({"scenarios": listed})

    def _break(self, query: Query, body: bytes) -> Reply:
        request = _object(body)
        message = self._backend.break_scenario(
            str(request.get("scenario") or ""),
            target=request.get("target"),
            namespace=request.get("namespace"),
        )
        return _json({"message": message})

    def _load(self, query: Query, body: bytes) -> Reply:
        request = _object(body)
        message = self._backend.set_load(
            str(request.get("kind") or ""),
            str(request.get("namespace") or ""),
            str(request.get("name") or ""),
            float(request.get("cpuPercent") or 0),
        )
        return _json({"message": message})

    def _reset_cluster(self, query: Query, body: bytes) -> Reply:
        request = _object(body) if body.strip() else {}
        seed = request.get("seed")
        return _json({"message": self._reset(str(seed) if seed else None)})

    def _registry(self, query: Query, body: bytes) -> Reply:
        return _json({"message": self._backend.add_image(_object(body))})

    def _registry_remove(self, query: Query, body: bytes) -> Reply:
        request = _object(body)
        tags = [str(t) for t in request.get("tags") or []]
        return _json({"message": self._backend.remove_image(str(request.get("image") or ""), tags)})

    def _history(self, query: Query, body: bytes) -> Reply:
        days = query.integer("days") or 7
        if not 1 <= days <= 90:
            raise BadRequestError("days must be between 1 and 90")
        text = self._backend.history(days)
        return Reply(
            200, text.encode(), "application/openmetrics-text; version=1.0.0; charset=utf-8"
        )


def _json(data: dict[str, Any]) -> Reply:
    return Reply(200, orjson.dumps(data))


def _object(body: bytes) -> dict[str, Any]:
    parsed = parse_body(body)
    if not isinstance(parsed, dict):
        raise BadRequestError("the request body must be a JSON object")
    return parsed


def _reason(exc: Exception) -> str:
    text = str(exc)
    if isinstance(exc, KeyError) and len(exc.args) == 1:
        text = str(exc.args[0])
    return text or type(exc).__name__
