"""A client of a running sandbox: readiness and the ``/sandbox/v1/`` control API.

It reads the server, CA and admin token from the sandbox's kubeconfig and speaks HTTPS with
the standard library, so ``kubemedic sandbox status`` answers without loading a Kubernetes
client. Failures become ``SandboxError`` with the server's own message.
"""

from __future__ import annotations

import http.client
import ssl
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import orjson

from kubemedic.errors import SandboxError
from kubemedic.sandbox.statedir import Connection, read_connection


class ControlClient:
    """Talks to one sandbox's API server on behalf of ``kubemedic sandbox`` commands."""

    def __init__(self, connection: Connection, *, timeout: float = 30.0) -> None:
        self.connection = connection
        self.timeout = timeout
        split = urlsplit(connection.server_url)
        self._host = split.hostname or "127.0.0.1"
        self._port = split.port or 443
        self._context = ssl.create_default_context(cadata=connection.ca_pem.decode())

    @classmethod
    def from_kubeconfig(cls, kubeconfig: Path, *, timeout: float = 30.0) -> ControlClient:
        try:
            return cls(read_connection(kubeconfig), timeout=timeout)
        except (OSError, KeyError, StopIteration, TypeError, ValueError) as exc:
            raise SandboxError(f"cannot read the sandbox kubeconfig {kubeconfig}: {exc}") from exc

    def ready(self) -> bool:
        """True once the API server answers ``/readyz``."""
        try:
            status, _ = self._request("GET", "/readyz", None, timeout=2.0)
        except (OSError, ssl.SSLError, http.client.HTTPException):
            return False
        return status == 200

    def status(self) -> dict[str, Any]:
        return self._call("GET", "status")

    def scenarios(self) -> list[dict[str, str]]:
        listed: list[dict[str, str]] = self._call("GET", "scenarios")["scenarios"]
        return listed

    def break_scenario(self, scenario: str, *, target: str | None, namespace: str | None) -> str:
        body = {"scenario": scenario, "target": target, "namespace": namespace}
        return str(self._call("POST", "break", body)["message"])

    def set_load(self, kind: str, namespace: str, name: str, cpu_percent: float) -> str:
        body = {"kind": kind, "namespace": namespace, "name": name, "cpuPercent": cpu_percent}
        return str(self._call("POST", "load", body)["message"])

    def reset(self, seed: str | None = None) -> str:
        return str(self._call("POST", "reset", {"seed": seed})["message"])

    def add_image(self, spec: dict[str, Any]) -> str:
        return str(self._call("POST", "registry", spec)["message"])

    def remove_image(self, image: str, tags: list[str]) -> str:
        body = {"image": image, "tags": tags}
        return str(self._call("POST", "registry/remove", body)["message"])

    def history(self, days: int) -> bytes:
        return self._raw("GET", "/sandbox/v1/history?" + urlencode({"days": days}), None)

    # ------------------------------------------------------------------ plumbing

    def _call(self, method: str, verb: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        payload = self._raw(method, f"/sandbox/v1/{verb}", body)
        decoded: dict[str, Any] = orjson.loads(payload)
        return decoded

    def _raw(self, method: str, path: str, body: dict[str, Any] | None) -> bytes:
        try:
            status, payload = self._request(method, path, body, timeout=self.timeout)
        except (OSError, ssl.SSLError, http.client.HTTPException) as exc:
            raise SandboxError(
                f"the sandbox at {self.connection.server_url} did not answer: {exc}",
                hint="is it running? `kubemedic sandbox status`",
            ) from exc
        if status >= 400:
            raise SandboxError(_failure_message(status, payload))
        return payload

    def _request(
        self, method: str, path: str, body: dict[str, Any] | None, *, timeout: float
    ) -> tuple[int, bytes]:
        connection = http.client.HTTPSConnection(
            self._host, self._port, timeout=timeout, context=self._context
        )
        try:
            headers = {"Authorization": f"Bearer {self.connection.token}"}
            data = None
            if body is not None:
                data = orjson.dumps(body)
                headers["Content-Type"] = "application/json"
            connection.request(method, path, body=data, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()


def _failure_message(status: int, payload: bytes) -> str:
    try:
        body = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return f"the sandbox answered HTTP {status}"
    if isinstance(body, dict) and body.get("message"):
        return str(body["message"])
    return f"the sandbox answered HTTP {status}"
