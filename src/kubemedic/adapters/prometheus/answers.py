"""What a Prometheus-compatible server answered, judged: the data, or the error that explains it.

The API wraps every answer in ``{"status": "success" | "error", ...}``. An error carries an
``errorType`` (``bad_data`` 400, ``execution`` 422, ``timeout`` and ``unavailable`` 503, ...)
and Prometheus' own text, which is quoted. Anything else — an HTML page, a 404 from a web
server, a redirect to a login page — is not a Prometheus API at that URL.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import orjson

from kubemedic.errors import MetricsError

QUOTED_CHARS = 300
"""How much of Prometheus' error text (or the query) a message quotes."""
NOT_PROMETHEUS_HINT = (
    "give the server's base URL, the part before /api/v1 (for example http://prometheus:9090, "
    "or the path prefix of Thanos, Mimir or VictoriaMetrics)"
)


@dataclass(frozen=True, slots=True)
class Answer:
    """One HTTP answer as received."""

    endpoint: str
    status: int
    content_type: str
    body: bytes


@dataclass(frozen=True, slots=True)
class Sample:
    """One series of an instant query: its labels and its value."""

    labels: Mapping[str, str]
    value: float


@dataclass(frozen=True, slots=True)
class RangeSeries:
    """One series of a range query: its labels and its (Unix time, value) points."""

    labels: Mapping[str, str]
    points: tuple[tuple[float, float], ...]


def data(answer: Answer, *, url: str, purpose: str, query: str, credentials: bool) -> Any:
    """The ``data`` of a successful answer, or the MetricsError that explains the failure."""
    envelope = _envelope(answer.body)
    if answer.status in {401, 403}:
        raise _refused(answer, url, purpose, credentials)
    if envelope is None and answer.status >= 500:
        raise MetricsError(
            f"Prometheus at {url} failed: {answer.endpoint} answered HTTP "
            f"{answer.status} {_phrase(answer.status)} while reading {purpose}"
        )
    if envelope is None:
        raise _not_prometheus(answer, url, purpose)
    if envelope["status"] == "success" and answer.status < 300:
        return envelope.get("data")
    error_type = str(envelope.get("errorType") or "")
    error = _quote(str(envelope.get("error") or "no error text"))
    if error_type == "timeout":
        raise MetricsError(
            f"Prometheus at {url} timed out evaluating the query for {purpose}: {error}",
            hint="the query is too heavy for this server: read fewer namespaces or less "
            "history, or raise its --query.timeout",
        )
    if error_type == "bad_data":
        raise MetricsError(
            f"Prometheus at {url} rejected the query for {purpose}: {error}",
            hint=f"the query was: {_quote(query)}",
        )
    if error_type == "execution":
        raise MetricsError(
            f"Prometheus at {url} failed evaluating the query for {purpose}: {error}",
            hint="read fewer namespaces or less history, or raise the server's limits "
            "(--query.max-samples)",
        )
    if error_type == "unavailable":
        raise MetricsError(f"Prometheus at {url} is unavailable ({error}) for {purpose}")
    raise MetricsError(
        f"Prometheus at {url} answered HTTP {answer.status} ({error_type or 'error'}) "
        f"for {purpose}: {error}"
    )


def vector(payload: Any, url: str, purpose: str) -> list[Sample]:
    """The series of an instant query's ``data``."""
    try:
        return [
            Sample(item["metric"], float(item["value"][1]))
            for item in _results(payload, "vector", url, purpose)
        ]
    except (KeyError, IndexError, TypeError, ValueError):
        raise _malformed(url, purpose) from None


def matrix(payload: Any, url: str, purpose: str) -> list[RangeSeries]:
    """The series of a range query's ``data``."""
    try:
        return [
            RangeSeries(
                item["metric"], tuple((float(at), float(value)) for at, value in item["values"])
            )
            for item in _results(payload, "matrix", url, purpose)
        ]
    except (KeyError, IndexError, TypeError, ValueError):
        raise _malformed(url, purpose) from None


def strings(payload: Any, url: str, purpose: str) -> list[str]:
    """A list of strings (label names), or an error if the answer is something else."""
    if not isinstance(payload, list) or not all(isinstance(item, str) for item in payload):
        raise _malformed(url, purpose)
    return payload


def _results(payload: Any, kind: str, url: str, purpose: str) -> list[Any]:
    if not isinstance(payload, dict) or payload.get("resultType") != kind:
        raise _malformed(url, purpose)
    result = payload.get("result")
    if not isinstance(result, list):
        raise _malformed(url, purpose)
    return result


def _envelope(body: bytes) -> dict[str, Any] | None:
    try:
        decoded = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if isinstance(decoded, dict) and decoded.get("status") in {"success", "error"}:
        return decoded
    return None


def _refused(answer: Answer, url: str, purpose: str, credentials: bool) -> MetricsError:
    hint = (
        "the credentials were not accepted: check the bearer token or Authorization header "
        "(it may have expired) and its permissions"
        if credentials
        else "the server wants credentials: give a bearer token or an Authorization header"
    )
    return MetricsError(
        f"Prometheus at {url} refused the request for {purpose}: HTTP {answer.status} "
        f"{_phrase(answer.status)}",
        hint=hint,
    )


def _not_prometheus(answer: Answer, url: str, purpose: str) -> MetricsError:
    kind = answer.content_type.split(";")[0].strip() or "no content type"
    return MetricsError(
        f"not a Prometheus API at {url}: {answer.endpoint} answered HTTP {answer.status} "
        f"{_phrase(answer.status)} ({kind}) while reading {purpose}",
        hint=NOT_PROMETHEUS_HINT,
    )


def _malformed(url: str, purpose: str) -> MetricsError:
    return MetricsError(
        f"not a Prometheus API at {url}: the answer for {purpose} is not shaped like one",
        hint=NOT_PROMETHEUS_HINT,
    )


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTED_CHARS else text[: QUOTED_CHARS - 1] + "…"
