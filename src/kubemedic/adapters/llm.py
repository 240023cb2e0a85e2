"""An OpenAI-compatible chat-completions client: one POST per turn, retried, time-limited.

Any server that speaks ``POST {base_url}/chat/completions`` works (OpenAI, Azure OpenAI's
compatible endpoint, vLLM, Ollama, llama.cpp, LiteLLM). Timeouts, connection failures, 429 and
5xx answers are retried with backoff; everything else — an error status, a body that is not
the documented shape — becomes an ``LlmError`` that names what went wrong, never the API key.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
import urllib3

from kubemedic._internal.backoff import retry_wait
from kubemedic.errors import LlmError

RETRIED = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class ToolCall:
    """A tool the model asked to call, with its raw JSON arguments."""

    id: str
    name: str
    arguments: str


@dataclass(frozen=True, slots=True)
class Reply:
    """The model's answer: text and/or tool calls, why it stopped, what it cost."""

    content: str
    tool_calls: tuple[ToolCall, ...]
    finish_reason: str
    refusal: str | None = None
    total_tokens: int | None = None


@dataclass(slots=True)
class ChatClient:
    """A chat-completions endpoint: base URL, API key, timeout and retries."""

    base_url: str
    api_key: str | None = field(default=None, repr=False)
    timeout: float = 60.0
    retries: int = 2
    _pool: urllib3.PoolManager = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._pool = urllib3.PoolManager(retries=False)

    def complete(self, body: Mapping[str, Any]) -> Reply:
        """Send ``body``; the parsed reply. ``LlmError`` when no usable answer comes back."""
        url = self.base_url.rstrip("/") + "/chat/completions"
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        payload = orjson.dumps(body)
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                response = self._pool.request(
                    "POST",
                    url,
                    body=payload,
                    headers=headers,
                    timeout=urllib3.Timeout(connect=self.timeout, read=self.timeout),
                )
            except urllib3.exceptions.HTTPError as exc:
                if last:
                    raise LlmError(
                        f"the language model at {self.base_url} did not answer "
                        f"({type(exc).__name__}) after {attempt + 1} tries",
                        hint="check llm.base_url, or raise llm.timeout (docs/agents.md)",
                    ) from None
                time.sleep(retry_wait(None, attempt))
                continue
            if response.status in RETRIED and not last:
                time.sleep(retry_wait(response.headers.get("Retry-After"), attempt))
                continue
            if response.status != 200:
                raise LlmError(
                    f"the language model at {self.base_url} answered HTTP {response.status}: "
                    f"{_error_text(response.data)}",
                    hint="check llm.model and the API key variable llm.api_key_env names",
                )
            return parse_reply(response.data)
        raise AssertionError("unreachable: the last try returns or raises")

    def close(self) -> None:
        self._pool.clear()


def request_body(
    model: str,
    messages: Sequence[Mapping[str, Any]],
    tools: Sequence[Mapping[str, Any]] = (),
    *,
    max_tokens: int,
) -> dict[str, Any]:
    """The JSON body of one call: what ``--show-prompt`` prints and what is sent."""
    body: dict[str, Any] = {
        "model": model,
        "messages": list(messages),
        "max_tokens": max_tokens,
        "temperature": 0,
    }
    if tools:
        body["tools"] = list(tools)
    return body


def parse_reply(data: bytes) -> Reply:
    """The first choice of a chat-completions answer; ``LlmError`` when it has another shape."""
    try:
        body = orjson.loads(data)
        choice = body["choices"][0]
        message = choice["message"]
        calls = tuple(
            ToolCall(
                str(call["id"]),
                str(call["function"]["name"]),
                str(call["function"].get("arguments") or "{}"),
            )
            for call in message.get("tool_calls") or ()
        )
        usage = body.get("usage") or {}
        return Reply(
            content=str(message.get("content") or ""),
            tool_calls=calls,
            finish_reason=str(choice.get("finish_reason") or ""),
            refusal=message.get("refusal") or None,
            total_tokens=usage.get("total_tokens"),
        )
    except (orjson.JSONDecodeError, KeyError, IndexError, TypeError, AttributeError):
        raise LlmError(
            "the language model's answer is not a chat completion: "
            f"{data[:200].decode('utf-8', 'replace')!r}",
            hint="llm.base_url must point at an OpenAI-compatible /v1 endpoint",
        ) from None


def _error_text(data: bytes) -> str:
    try:
        error = orjson.loads(data).get("error")
        message = error.get("message") if isinstance(error, dict) else error
        return str(message)[:300]
    except (orjson.JSONDecodeError, AttributeError):
        return data[:300].decode("utf-8", "replace")
