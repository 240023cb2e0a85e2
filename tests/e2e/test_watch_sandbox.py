"""kubemedic's watch against the sandbox: new pods seen, streams resumed, resets re-listed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from kubemedic.adapters.kubernetes.api import POD
from kubemedic.adapters.kubernetes.live import connect
from kubemedic.adapters.kubernetes.watch import WatchEvent, watch
from kubemedic.adapters.kubernetes.writer import ClusterWriter, PatchType
from kubemedic.models.findings import ObjectRef
from tests.e2e.conftest import Sandbox

pytestmark = pytest.mark.e2e


class Watching:
    """A watch of one namespace's pods running in a thread, and what it delivered so far."""

    def __init__(self, sandbox: Sandbox, namespace: str, timeout_seconds: int) -> None:
        self.client = connect(context=None, kubeconfig=sandbox.kubeconfig, timeout=10)
        self.events: list[WatchEvent] = []
        self.failure: BaseException | None = None
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(namespace, timeout_seconds))

    def _run(self, namespace: str, timeout_seconds: int) -> None:
        try:
            watch(
                self.client,
                POD,
                namespace,
                on_event=self.events.append,
                stop=self.stop,
                timeout_seconds=timeout_seconds,
            )
        except BaseException as exc:  # handed to the test thread
            self.failure = exc

    def seen(self) -> list[tuple[str, str]]:
        return [(e.type, e.object["metadata"].get("name", "")) for e in list(self.events)]

    def relists(self) -> int:
        return [e.type for e in list(self.events)].count("RELISTED")

    def watches_sent(self) -> int:
        return sum("watch=1" in path for path in list(self.client.stats.paths))

    def stopped(self) -> bool:
        self.stop.set()
        self.thread.join(timeout=10)
        return not self.thread.is_alive()


@contextmanager
def watching(sandbox: Sandbox, namespace: str, *, timeout_seconds: int = 300) -> Iterator[Watching]:
    watcher = Watching(sandbox, namespace, timeout_seconds)
    watcher.thread.start()
    try:
        yield watcher
    finally:
        assert watcher.stopped(), "the watch did not return after stop was set"
        watcher.client.close()
        if watcher.failure is not None:
            raise watcher.failure


def pod(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name},
        "spec": {"containers": [{"name": "app", "image": "nginx:1.27.2"}]},
    }


def test_pods_of_a_scaled_deployment_arrive_as_added(sandbox: Sandbox) -> None:
    def frontend_added(events: list[tuple[str, str]]) -> set[str]:
        return {name for kind, name in events if kind == "ADDED" and name.startswith("frontend-")}

    writer = ClusterWriter.connect(context=None, kubeconfig=sandbox.kubeconfig, timeout=10)
    sandbox.wait_for(
        lambda: len(writer.list("Pod", "todo", label_selector="app=frontend")) == 2,
        what="the two frontend pods",
    )
    with writer, watching(sandbox, "todo") as watcher:
        sandbox.wait_for(watcher.relists, what="the first list")
        listed = frontend_added(watcher.seen())
        writer.patch(
            ObjectRef("Deployment", "frontend", "todo"),
            {"spec": {"replicas": 4}},
            patch_type=PatchType.STRATEGIC,
        )
        new = sandbox.wait_for(
            lambda: len(frontend_added(watcher.seen()) - listed) >= 2 and watcher.seen(),
            what="the new frontend pods",
        )

    assert len(listed) == 2
    assert len(frontend_added(new) - listed) == 2
    assert watcher.relists() == 1


def test_stop_ends_a_quiet_watch(bare_sandbox: Sandbox) -> None:
    with watching(bare_sandbox, "default") as watcher:
        bare_sandbox.wait_for(watcher.relists, what="the first list")
        assert watcher.stopped()  # long before the server would end its 300 s stream

    assert watcher.seen() == [("RELISTED", "")]


def test_a_stream_the_server_ends_is_resumed_where_it_stopped(bare_sandbox: Sandbox) -> None:
    writer = ClusterWriter.connect(context=None, kubeconfig=bare_sandbox.kubeconfig, timeout=10)
    with writer, watching(bare_sandbox, "default", timeout_seconds=1) as watcher:
        bare_sandbox.wait_for(watcher.relists, what="the first list")
        writer.create("Pod", "default", pod("a"))
        bare_sandbox.wait_for(lambda: ("ADDED", "a") in watcher.seen(), what="pod a")
        bare_sandbox.wait_for(lambda: watcher.watches_sent() >= 2, what="a resumed watch")
        writer.create("Pod", "default", pod("b"))
        bare_sandbox.wait_for(lambda: ("ADDED", "b") in watcher.seen(), what="pod b")
        lists = [p for p in watcher.client.stats.paths if "watch=1" not in p]

    assert watcher.seen() == [("RELISTED", ""), ("ADDED", "a"), ("ADDED", "b")]
    assert len(lists) == 1  # resumed from its resourceVersion, never listed again


def test_after_a_reset_the_watch_lists_again_and_reports_what_vanished(
    bare_sandbox: Sandbox,
) -> None:
    writer = ClusterWriter.connect(context=None, kubeconfig=bare_sandbox.kubeconfig, timeout=10)
    with writer:
        for name in ("a", "b"):
            writer.create("Pod", "default", pod(name))
        with watching(bare_sandbox, "default") as watcher:
            bare_sandbox.wait_for(watcher.relists, what="the first list")
            bare_sandbox.server.reset()  # every resourceVersion before it is gone: 410
            bare_sandbox.wait_for(lambda: watcher.relists() == 2, what="the list after the reset")
            writer.create("Pod", "default", pod("c"))
            bare_sandbox.wait_for(lambda: ("ADDED", "c") in watcher.seen(), what="pod c")

    assert watcher.seen() == [
        ("ADDED", "a"),
        ("ADDED", "b"),
        ("RELISTED", ""),
        ("DELETED", "a"),
        ("DELETED", "b"),
        ("RELISTED", ""),
        ("ADDED", "c"),
    ]
