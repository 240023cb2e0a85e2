"""How a watch resumes, re-lists, backs off and gives up, against scripted API answers."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kubemedic.adapters.kubernetes.api import POD
from kubemedic.adapters.kubernetes.live import connect
from kubemedic.adapters.kubernetes.watch import WatchEvent, watch
from kubemedic.errors import Forbidden

from .fake_api import FakeApiServer, Reply, status

PODS = "/api/v1/namespaces/shop/pods"


def pod(name: str, version: str) -> dict[str, Any]:
    meta = {"name": name, "namespace": "shop", "uid": f"uid-{name}", "resourceVersion": version}
    return {"kind": "Pod", "apiVersion": "v1", "metadata": meta}


def listing(version: str, *pods: dict[str, Any]) -> Reply:
    items = [{k: v for k, v in p.items() if k not in ("kind", "apiVersion")} for p in pods]
    body = {"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": version}}
    return Reply(200, body | {"items": items})


def stream(*events: tuple[str, dict[str, Any]]) -> Reply:
    return Reply(200, {"__lines__": [{"type": t, "object": o} for t, o in events]})


def follow(
    kubeconfig: Path,
    *,
    until: Callable[[list[WatchEvent]], bool],
    sleep: Callable[[threading.Event, float], None] | None = None,
    max_backoff: float = 30.0,
) -> list[WatchEvent]:
    """Watch the pods of ``shop`` until ``until(events)`` holds; the events seen."""
    events: list[WatchEvent] = []
    stop = threading.Event()

    def record(event: WatchEvent) -> None:
        events.append(event)
        if until(events):
            stop.set()

    client = connect(context=None, kubeconfig=kubeconfig, timeout=5)
    watch(
        client,
        POD,
        "shop",
        on_event=record,
        stop=stop,
        sleep=(lambda seconds: sleep(stop, seconds)) if sleep else None,
        max_backoff=max_backoff,
    )
    return events


def names(events: list[WatchEvent]) -> list[tuple[str, str]]:
    return [(e.type, e.object["metadata"].get("name", "")) for e in events]


def test_an_expired_version_relists_and_reports_what_changed_meanwhile(
    api: FakeApiServer, kubeconfig: Path
) -> None:
    before = listing("10", pod("a", "5"), pod("b", "6"))
    after = listing("20", pod("a", "15"), pod("c", "18"))
    api.script(PODS, before, after)
    gone = status(410, "Expired", "too old resource version: 10 (15)")
    api.script(PODS, Reply(410, gone), watch=True)

    events = follow(kubeconfig, until=lambda seen: seen[-1].type == "RELISTED" and len(seen) > 3)

    assert names(events) == [
        ("ADDED", "a"),
        ("ADDED", "b"),
        ("RELISTED", ""),
        ("DELETED", "b"),
        ("MODIFIED", "a"),
        ("ADDED", "c"),
        ("RELISTED", ""),
    ]
    assert events[0].object["kind"] == "Pod"  # filled in: list items carry no kind
    assert [p["metadata"]["name"] for p in events[-1].object["items"]] == ["a", "c"]
    assert [(r.query.get("watch"), r.query.get("resourceVersion")) for r in api.received] == [
        (None, None),
        ("1", "10"),
        (None, None),
    ]


def test_bookmarks_move_the_resume_point_without_reaching_the_caller(
    api: FakeApiServer, kubeconfig: Path
) -> None:
    api.script(PODS, listing("10", pod("a", "5")))
    bookmark = {"kind": "Pod", "apiVersion": "v1", "metadata": {"resourceVersion": "30"}}
    api.script(
        PODS,
        stream(("MODIFIED", pod("a", "11")), ("BOOKMARK", bookmark)),
        stream(("DELETED", pod("a", "31"))),
        watch=True,
    )

    events = follow(kubeconfig, until=lambda seen: seen[-1].type == "DELETED")

    assert names(events) == [("ADDED", "a"), ("RELISTED", ""), ("MODIFIED", "a"), ("DELETED", "a")]
    watches = [r.query for r in api.received if r.query.get("watch")]
    assert [w["resourceVersion"] for w in watches] == ["10", "30"]
    assert watches[0] == {
        "watch": "1",
        "resourceVersion": "10",
        "allowWatchBookmarks": "true",
        "timeoutSeconds": "300",
    }


def test_server_errors_back_off_doubling_to_the_limit_then_start_over(
    api: FakeApiServer, kubeconfig: Path, caplog: pytest.LogCaptureFixture
) -> None:
    api.script(PODS, listing("10"))
    unavailable = Reply(503, status(503, "ServiceUnavailable", "etcd is unavailable"))
    api.script(PODS, *[unavailable] * 3, stream(), unavailable, watch=True)
    pauses: list[float] = []

    def sleep(stop: threading.Event, seconds: float) -> None:
        pauses.append(seconds)
        if len(pauses) == 4:
            stop.set()

    with caplog.at_level(logging.WARNING, logger="kubemedic.adapters.kubernetes.watch"):
        follow(kubeconfig, until=lambda seen: False, sleep=sleep, max_backoff=3.0)

    assert pauses == [1.0, 2.0, 3.0, 1.0]  # the fourth watch was served: the back-off restarts
    assert caplog.messages[0] == (
        'watching pods in namespace "shop" failed, trying again in 1s: the API server at '
        f"{api.url} answered HTTP 503 Service Unavailable to GET {PODS}?watch=1&"
        "resourceVersion=10&allowWatchBookmarks=true&timeoutSeconds=300: etcd is unavailable"
    )


def test_a_refused_watch_ends_with_the_refusal(api: FakeApiServer, kubeconfig: Path) -> None:
    message = (
        'pods is forbidden: User "ci-bot" cannot watch resource "pods" in API group "" in the '
        'namespace "shop"'
    )
    api.script(PODS, listing("10"))
    api.script(PODS, Reply(403, status(403, "Forbidden", message)), watch=True)

    with pytest.raises(Forbidden) as refused:
        follow(kubeconfig, until=lambda seen: False)

    assert refused.value.message == message
    assert refused.value.hint == "check with: kubectl auth can-i watch pods -n shop --context fake"
