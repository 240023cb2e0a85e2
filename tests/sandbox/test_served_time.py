"""Served timestamps move back by the cluster clock's lead; nothing else in a body changes."""

from __future__ import annotations

import orjson

from kubemedic.sandbox.negotiation import Reply, Stream
from kubemedic.sandbox.served_time import ServedTime, shift_times

POD = {
    "kind": "Pod",
    "metadata": {
        "name": "web",
        "creationTimestamp": "2026-12-06T21:44:15Z",
        "annotations": {"kubectl.kubernetes.io/restartedAt": "2026-12-06T21:44:15Z"},
    },
    "status": {
        "startTime": "2026-12-06T21:44:15Z",
        "containerStatuses": [
            {
                "state": {"waiting": {"reason": "RunContainerError"}},
                "lastState": {
                    "terminated": {
                        "startedAt": "1970-01-01T00:00:00Z",
                        "finishedAt": "2026-12-06T21:45:00Z",
                    }
                },
            }
        ],
    },
}
EVENT = {"kind": "Event", "eventTime": "2026-12-06T23:59:59.123456Z", "message": "at 21:44:15Z"}


def test_every_timestamp_field_moves_and_nothing_else() -> None:
    served = orjson.loads(shift_times(orjson.dumps(POD), -75))
    assert served["metadata"]["creationTimestamp"] == "2026-12-06T21:43:00Z"
    assert served["status"]["startTime"] == "2026-12-06T21:43:00Z"
    terminated = served["status"]["containerStatuses"][0]["lastState"]["terminated"]
    assert terminated["finishedAt"] == "2026-12-06T21:43:45Z"
    assert terminated["startedAt"] == "1970-01-01T00:00:00Z", "the never-started marker stays"
    assert served["metadata"]["annotations"] == POD["metadata"]["annotations"]


def test_micro_times_keep_their_precision_across_midnight() -> None:
    later = orjson.loads(shift_times(orjson.dumps(EVENT), 2))
    assert later == {**EVENT, "eventTime": "2026-12-07T00:00:01.123456Z"}


def test_responses_move_back_and_requests_forward() -> None:
    served = ServedTime(lambda: 60)
    reply = served.response(Reply(200, orjson.dumps(POD)))
    assert isinstance(reply, Reply)
    assert orjson.loads(reply.body)["status"]["startTime"] == "2026-12-06T21:43:15Z"
    sent = b'{"metadata": {"creationTimestamp": "2026-12-06T21:43:15Z"}}'
    received = orjson.loads(served.request(sent, "application/merge-patch+json"))
    assert received["metadata"]["creationTimestamp"] == "2026-12-06T21:44:15Z"
    logs = served.response(Reply(200, b'{"startTime":"2026-12-06T21:44:15Z"}', "text/plain"))
    assert isinstance(logs, Reply)
    assert b"21:44:15Z" in logs.body, "logs are text, not objects"
    watched = served.response(Stream(iter([orjson.dumps({"type": "ADDED", "object": POD})])))
    assert isinstance(watched, Stream)
    event = orjson.loads(next(watched.chunks))
    assert event["object"]["metadata"]["creationTimestamp"] == "2026-12-06T21:43:15Z"


def test_a_tables_created_at_column_moves_too() -> None:
    table = {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "columnDefinitions": [
            {"name": "Name", "format": "name"},
            {"name": "Created At", "format": "date"},
        ],
        "rows": [{"cells": ["reader", "2026-12-06T21:44:15Z"], "object": {"metadata": {}}}],
    }
    reply = ServedTime(lambda: 15).response(Reply(200, orjson.dumps(table)))
    assert isinstance(reply, Reply)
    assert orjson.loads(reply.body)["rows"][0]["cells"] == ["reader", "2026-12-06T21:44:00Z"]
