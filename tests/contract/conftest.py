"""A fake API server per test, and kubeconfigs pointing at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from .fake_api import FakeApiServer


class Sleeps:
    """Records the pauses between retries instead of waiting them out."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


@pytest.fixture
def api() -> Iterator[FakeApiServer]:
    server = FakeApiServer()
    server.start()
    yield server
    server.stop()


def write_kubeconfig(
    path: Path,
    server: str,
    user: dict[str, object],
    *,
    namespace: str = "shop",
    cluster: dict[str, object] | None = None,
) -> Path:
    """A kubeconfig with one context, ``fake``, as ``kubectl config view --raw`` prints it."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": "fake", "cluster": {"server": server} | (cluster or {})}],
        "users": [{"name": "reader", "user": user}],
        "contexts": [
            {
                "name": "fake",
                "context": {"cluster": "fake", "user": "reader", "namespace": namespace},
            }
        ],
        "current-context": "fake",
        "preferences": {},
    }
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture
def kubeconfig(api: FakeApiServer, tmp_path: Path) -> Path:
    return write_kubeconfig(tmp_path / "kubeconfig", api.url, {"token": api.token})
