"""Bad requests get the status codes and ``Status`` bodies a real API server sends."""

from __future__ import annotations

import http.client
import json
import ssl
from typing import Any

import pytest

from kubemedic.sandbox.statedir import read_connection
from tests.e2e.conftest import Sandbox

pytestmark = pytest.mark.e2e


class Raw:
    """Plain HTTPS requests, so the tests see exactly what a client receives."""

    def __init__(self, sandbox: Sandbox, *, readonly: bool = False) -> None:
        self.connection = read_connection(sandbox.kubeconfig, readonly=readonly)
        self.port = sandbox.server.port
        self.context = ssl.create_default_context(cadata=self.connection.ca_pem.decode())

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        content_type: str = "application/json",
        token: bool = True,
    ) -> tuple[int, Any]:
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context)
        headers = {"Content-Type": content_type}
        if token:
            headers["Authorization"] = f"Bearer {self.connection.token}"
        data = body if isinstance(body, bytes) else json.dumps(body).encode() if body else None
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        conn.close()
        try:
            return response.status, json.loads(payload)
        except ValueError:
            return response.status, payload


@pytest.fixture
def raw(bare_sandbox: Sandbox) -> Raw:
    return Raw(bare_sandbox)


CONFIGMAPS = "/api/v1/namespaces/default/configmaps"


def test_missing_token_is_401(raw: Raw) -> None:
    status, body = raw.request("GET", CONFIGMAPS, token=False)
    assert status == 401
    assert (body["reason"], body["code"], body["message"]) == ("Unauthorized", 401, "Unauthorized")


def test_unknown_object_is_404_with_details(raw: Raw) -> None:
    status, body = raw.request("GET", "/api/v1/namespaces/default/pods/x")
    assert status == 404
    assert body == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": 'pods "x" not found',
        "reason": "NotFound",
        "details": {"name": "x", "kind": "pods"},
        "code": 404,
    }


def test_unknown_resource_path_is_404(raw: Raw) -> None:
    status, body = raw.request("GET", "/apis/apps/v1/namespaces/default/widgets")
    assert status == 404
    assert body["message"] == "the server could not find the requested resource"


def test_duplicate_create_is_409_already_exists(raw: Raw) -> None:
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "dup"}}
    assert raw.request("POST", CONFIGMAPS, cm)[0] == 201
    status, body = raw.request("POST", CONFIGMAPS, cm)
    assert (status, body["reason"]) == (409, "AlreadyExists")
    assert body["message"] == 'configmaps "dup" already exists'


def test_stale_resource_version_is_409_conflict(raw: Raw) -> None:
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"a": "1"}}
    _, created = raw.request("POST", CONFIGMAPS, cm)
    raw.request("PUT", f"{CONFIGMAPS}/cfg", {**created, "data": {"a": "2"}})
    status, body = raw.request("PUT", f"{CONFIGMAPS}/cfg", {**created, "data": {"a": "3"}})
    assert (status, body["reason"]) == (409, "Conflict")
    assert body["message"] == (
        'Operation cannot be fulfilled on configmaps "cfg": the object has been modified; '
        "please apply your changes to the latest version and try again"
    )


def test_invalid_object_is_422_with_field_causes(raw: Raw) -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "Bad_Name"},
        "spec": {"containers": [{"name": "app"}]},
    }
    status, body = raw.request("POST", "/api/v1/namespaces/default/pods", pod)
    assert (status, body["reason"]) == (422, "Invalid")
    assert body["details"]["kind"] == "Pod"
    fields = [cause["field"] for cause in body["details"]["causes"]]
    assert fields == ["metadata.name", "spec.containers[0].image"]
    assert body["message"].startswith('Pod "Bad_Name" is invalid: [metadata.name: Invalid value')


def test_malformed_selector_is_400(raw: Raw) -> None:
    status, body = raw.request("GET", f"{CONFIGMAPS}?labelSelector=app%20in%20(a")
    assert (status, body["reason"]) == (400, "BadRequest")


def test_unsupported_patch_type_is_415(raw: Raw) -> None:
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}}
    raw.request("POST", CONFIGMAPS, cm)
    status, body = raw.request(
        "PATCH", f"{CONFIGMAPS}/cfg", {"data": {}}, content_type="application/xml"
    )
    assert (status, body["reason"]) == (415, "UnsupportedMediaType")


def test_watch_from_an_expired_version_sends_a_410_error_event(bare_sandbox: Sandbox) -> None:
    store = bare_sandbox.store
    for index in range(3):
        store.create(
            {"kind": "ConfigMap", "metadata": {"name": f"c{index}", "namespace": "default"}}
        )
    store.reset()  # forgets the change history, as a compaction would
    status, body = Raw(bare_sandbox).request("GET", f"{CONFIGMAPS}?watch=1&resourceVersion=1")
    assert status == 200
    assert body["type"] == "ERROR"
    assert (body["object"]["code"], body["object"]["reason"]) == (410, "Expired")
    assert body["object"]["message"].startswith("too old resource version: 1")


def test_dry_run_returns_the_object_without_storing_it(raw: Raw) -> None:
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "preview"}}
    status, body = raw.request("POST", f"{CONFIGMAPS}?dryRun=All", cm)
    assert status == 201
    assert body["metadata"]["name"] == "preview"
    assert raw.request("GET", f"{CONFIGMAPS}/preview")[0] == 404


def test_read_only_token_cannot_use_the_control_api(bare_sandbox: Sandbox) -> None:
    status, body = Raw(bare_sandbox, readonly=True).request("POST", "/sandbox/v1/reset", {})
    assert (status, body["reason"]) == (403, "Forbidden")
