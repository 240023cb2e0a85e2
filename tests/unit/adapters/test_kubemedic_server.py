"""What a user of ``--server`` reads for each answer a kubemedic server (or something else at
that URL) can give: a local HTTP server on 127.0.0.1 plays the other end."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from kubemedic.adapters.kubemedic_server import KubemedicServer, ServerConnection
from kubemedic.errors import (
    EXIT_CLUSTER,
    EXIT_RECORDS,
    EXIT_REFUSED,
    EXIT_USAGE,
    ClusterError,
    ConfigError,
    InputError,
    KubemedicError,
    LockBusy,
    Refused,
    Unauthorized,
    Unreachable,
)
from tests.support.http_stub import FakeServer, Reply, http_stub

TOKEN = "s3cr3t-t0ken-value"


@pytest.fixture
def fake() -> Iterator[FakeServer]:
    with http_stub(Reply(200, b"{}")) as served:
        yield served


def client(url: str, **options: object) -> KubemedicServer:
    connection = ServerConnection(url, TOKEN, 'context "prod"', **options)  # type: ignore[arg-type]
    return KubemedicServer(connection)


def refusal(fake: FakeServer, status: int, body: object, content_type: str) -> KubemedicError:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    fake.reply = Reply(status, raw, content_type)
    with closing(client(fake.url)) as server, pytest.raises(KubemedicError) as caught:
        server.post("/operations/OP-1/approve", {"reason": "ok"})
    assert TOKEN not in str(caught.value)
    return caught.value


def test_the_token_goes_out_as_a_bearer_header_and_json_comes_back(fake: FakeServer) -> None:
    fake.reply = Reply(200, b'[{"id": "OP-1"}]')
    with closing(client(fake.url + "/")) as server:
        assert server.get("/operations", {"state": "pending-approval"}) == [{"id": "OP-1"}]
        server.post("/operations/OP-1/approve", {"reason": "fine"})
    (get, post) = fake.received
    assert (get.method, get.path) == ("GET", "/api/v1/operations?state=pending-approval")
    assert get.headers["Authorization"] == f"Bearer {TOKEN}"
    assert post.path == "/api/v1/operations/OP-1/approve"
    assert json.loads(post.body) == {"reason": "fine"}


@pytest.mark.parametrize(
    ("status", "body", "kind", "exit_code", "says"),
    [
        (401, {"error": "sign in or send a Kubernetes bearer token"}, Unauthorized, EXIT_CLUSTER,
         'did not accept your token (TokenReview) from context "prod"'),
        (403, {"error": "you requested operation OP-1: cannot approve it", "hint": "ask a peer"},
         Refused, EXIT_REFUSED, "you requested operation OP-1: cannot approve it"),
        (404, {"error": "no record OP-1 in /records", "hint": None}, InputError, EXIT_USAGE,
         "no record OP-1 in /records"),
        (409, {"error": "OP-1 is locked by another kubemedic"}, LockBusy, EXIT_RECORDS,
         "OP-1 is locked"),
        (422, {"detail": [{"loc": ["body", "reason"], "msg": "Input should be a valid string"}]},
         InputError, EXIT_USAGE, "body.reason: Input should be a valid string"),
        (500, {"error": "records repository is read-only"}, ClusterError, EXIT_CLUSTER,
         "failed (500): records repository is read-only"),
        (502, b"<html>Bad Gateway</html>", ClusterError, EXIT_CLUSTER,
         "failed (502): <html>Bad Gateway</html>"),
    ],
)  # fmt: skip
def test_each_refusal_becomes_the_error_and_exit_code_the_cli_documents(
    fake: FakeServer,
    status: int,
    body: object,
    kind: type[KubemedicError],
    exit_code: int,
    says: str,
) -> None:
    error = refusal(fake, status, body, "application/json")
    assert type(error) is kind
    assert error.exit_code == exit_code
    assert says in error.message


def test_the_servers_hint_reaches_the_user(fake: FakeServer) -> None:
    error = refusal(fake, 403, {"error": "no", "hint": "ask a peer"}, "application/json")
    assert error.hint == "ask a peer"


def test_a_url_that_is_not_a_kubemedic_server_is_named(fake: FakeServer) -> None:
    error = refusal(fake, 404, b"<html>Not Found</html>", "text/html")
    assert isinstance(error, InputError)
    assert error.message == f"{fake.url} has no /api/v1/operations/OP-1/approve"
    assert "kubemedic server" in str(error.hint)
    fake.reply = Reply(200, b"<html>welcome</html>", "text/html")
    with closing(client(fake.url)) as server, pytest.raises(ClusterError, match="without JSON"):
        server.get("/approvals")


def test_a_server_that_does_not_answer_in_time_is_unreachable(fake: FakeServer) -> None:
    fake.reply = Reply(200, b"{}", hang=True)
    with closing(client(fake.url, timeout=0.3)) as server, pytest.raises(Unreachable) as caught:
        server.get("/approvals")
    assert caught.value.message == f"kubemedic server {fake.url} did not answer within 0.3 s"


def test_a_closed_port_is_unreachable_with_exit_code_3() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    with closing(client(url)) as server, pytest.raises(Unreachable) as caught:
        server.get("/approvals")
    assert caught.value.exit_code == EXIT_CLUSTER
    assert caught.value.message.startswith(f"cannot reach kubemedic server {url}:")


def test_https_to_a_plain_http_server_points_at_the_tls_options(fake: FakeServer) -> None:
    url = fake.url.replace("http://", "https://")
    with closing(client(url)) as server, pytest.raises(Unreachable) as caught:
        server.get("/approvals")
    assert "--certificate-authority" in str(caught.value.hint)


def test_a_bad_url_or_missing_ca_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not an http:// or https:// URL"):
        client("kubemedic.example.com")
    with pytest.raises(ConfigError, match="does not exist"):
        client("https://kubemedic.example.com", ca_file=tmp_path / "missing.pem")
