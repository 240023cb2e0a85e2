"""What a user reads when the Prometheus URL does not lead to a working Prometheus.

A local HTTP server on 127.0.0.1 plays the other end: a web server's HTML 404, Prometheus'
own timeout and authentication answers, a server that never answers. It also records what
kubemedic sent, to show the token and headers go out and never come back in a message.
"""

from __future__ import annotations

import base64
import socket
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from kubemedic.adapters.prometheus import PrometheusClient, PrometheusUsage
from kubemedic.errors import ConfigError, MetricsError
from kubemedic.models.usage import UsageWindow
from tests.support.http_stub import FakeServer, Reply, http_stub

TOKEN = "s3cr3t-t0ken-value"
AT = datetime(2024, 5, 1, tzinfo=UTC)
EMPTY_VECTOR = b'{"status":"success","data":{"resultType":"vector","result":[]}}'


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with http_stub(Reply(200, EMPTY_VECTOR)) as fake:
        yield fake


def failure(client: PrometheusClient) -> MetricsError:
    with pytest.raises(MetricsError) as caught:
        client.query("up", at=AT, purpose="CPU p95 per container")
    assert caught.value.exit_code == 7
    return caught.value


def test_queries_are_post_forms_under_the_path_prefix_with_token_and_headers(
    server: FakeServer,
) -> None:
    long_query = "sum(" + " + ".join(["up"] * 2000) + ")"
    with PrometheusClient(
        f"{server.url}/prometheus/", token=TOKEN, headers={"X-Scope-OrgID": "team-a"}
    ) as client:
        assert client.query(long_query, at=AT, purpose="a long query") == []
        assert client.requests == 1

    (sent,) = server.received
    assert (sent.method, sent.path) == ("POST", "/prometheus/api/v1/query")
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert sent.headers["X-Scope-OrgID"] == "team-a"
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert sent.form["query"] == [long_query]
    assert sent.form["time"] == [f"{AT.timestamp():.3f}"]
    assert sent.form["timeout"] == ["60"]


def test_an_html_404_is_not_a_prometheus_api(server: FakeServer) -> None:
    server.reply = Reply(404, b"<html><body>Not Found</body></html>", "text/html; charset=utf-8")
    error = failure(PrometheusClient(f"{server.url}/grafana"))
    assert str(error.message) == (
        f"not a Prometheus API at {server.url}/grafana: /api/v1/query answered HTTP 404 "
        "Not Found (text/html) while reading CPU p95 per container"
    )
    assert "base URL" in str(error.hint)


def test_an_html_page_answered_200_is_not_a_prometheus_api(server: FakeServer) -> None:
    server.reply = Reply(200, b"<!doctype html><title>Sign in</title>", "text/html")
    assert "not a Prometheus API" in failure(PrometheusClient(server.url)).message


def test_prometheus_timing_out_says_the_query_is_too_heavy(server: FakeServer) -> None:
    server.reply = Reply(
        503,
        b'{"status":"error","errorType":"timeout",'
        b'"error":"query timed out in expression evaluation"}',
    )
    error = failure(PrometheusClient(server.url))
    assert error.message == (
        f"Prometheus at {server.url} timed out evaluating the query for CPU p95 per "
        "container: query timed out in expression evaluation"
    )
    assert "fewer namespaces" in str(error.hint)


def test_a_server_that_never_answers_hits_the_client_timeout(server: FakeServer) -> None:
    server.reply = Reply(200, b"", hang=True)
    error = failure(PrometheusClient(server.url, timeout=0.3))
    assert error.message == (
        f"Prometheus at {server.url} did not answer within 0.3s while reading CPU p95 per container"
    )


def test_a_refused_token_is_named_but_never_shown(server: FakeServer) -> None:
    server.reply = Reply(401, b"Unauthorized\n", "text/plain")
    error = failure(PrometheusClient(server.url, token=TOKEN, headers={"X-Api-Key": TOKEN}))
    assert error.message == (
        f"Prometheus at {server.url} refused the request for CPU p95 per container: "
        "HTTP 401 Unauthorized"
    )
    assert "bearer token" in str(error.hint)
    assert TOKEN not in str(error)
    assert server.received[0].headers["X-Api-Key"] == TOKEN


def test_forbidden_without_credentials_asks_for_them(server: FakeServer) -> None:
    server.reply = Reply(403, b'{"status":"error","errorType":"forbidden","error":"denied"}')
    error = failure(PrometheusClient(server.url))
    assert "HTTP 403 Forbidden" in error.message
    assert error.hint == (
        "the server wants credentials: give a bearer token or an Authorization header"
    )


def test_user_info_in_the_url_is_sent_as_basic_auth_and_never_shown(server: FakeServer) -> None:
    server.reply = Reply(500, b"oops", "text/plain")
    url = server.url.replace("http://", f"http://admin:{TOKEN}@")
    error = failure(PrometheusClient(url))
    assert TOKEN not in str(error)
    expected = base64.b64encode(f"admin:{TOKEN}".encode()).decode()
    assert server.received[0].headers["Authorization"] == f"Basic {expected}"
    assert error.message.startswith(f"Prometheus at {server.url} failed: /api/v1/query answered")


def test_a_refused_connection_names_the_url_and_purpose() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error = failure(PrometheusClient(f"http://127.0.0.1:{port}"))
    assert error.message == (
        f"cannot reach Prometheus at http://127.0.0.1:{port} while reading CPU p95 per "
        "container: connection refused"
    )


def test_an_unreachable_server_fails_a_whole_read_with_exit_code_7() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    window = UsageWindow(AT, AT.replace(day=8))
    with pytest.raises(MetricsError) as caught:
        PrometheusUsage(PrometheusClient(f"http://127.0.0.1:{port}")).container_usage(
            window, None, lambda namespace, pod: None
        )
    assert "connection refused" in caught.value.message
    assert "the label names of container_" in caught.value.message


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("prometheus:9090", "must be http:// or https://"),
        ("ftp://prometheus", "must be http:// or https://"),
    ],
)
def test_a_url_that_cannot_be_used_is_a_configuration_error(url: str, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected):
        PrometheusClient(url)


def test_a_header_with_a_line_break_is_refused_without_showing_it() -> None:
    with pytest.raises(ConfigError) as caught:
        PrometheusClient("http://127.0.0.1:9", headers={"X-Token": f"{TOKEN}\r\nX-Evil: 1"})
    assert TOKEN not in str(caught.value)
    assert "X-Token" in str(caught.value)
