"""A local OpenAI-compatible chat-completions server for tests: scripted answers, kept requests.

Each POST to ``/v1/chat/completions`` is recorded (parsed JSON and headers) and answered by
the next entry of the script: a dict (sent as JSON with status 200), a ``(status, bytes)``
pair, or a number of seconds to stall before answering (for timeouts).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = dict[str, Any] | tuple[int, bytes] | float


@dataclass
class ChatServer:
    url: str
    script: list[Answer]
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)

    @property
    def sent(self) -> str:
        """Every request body as one text, for asserting what never left the machine."""
        return "\n".join(json.dumps(r) for r in self.requests)


def reply(
    content: str | None = None,
    *,
    tool_calls: list[dict[str, Any]] | None = None,
    finish: str = "stop",
    refusal: str | None = None,
) -> dict[str, Any]:
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if tool_calls:
        message["tool_calls"] = tool_calls
    if refusal:
        message["refusal"] = refusal
    return {
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {"total_tokens": 42},
    }


def tool_call(call_id: str, name: str, arguments: str) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


@contextmanager
def chat_server(script: list[Answer]) -> Iterator[ChatServer]:
    state = ChatServer("", list(script))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.requests.append(json.loads(body))
            state.headers.append(dict(self.headers))
            answer = state.script.pop(0) if state.script else (500, b"script exhausted")
            if isinstance(answer, float | int):
                time.sleep(answer)
                answer = reply("too late")
            status, data = (
                answer if isinstance(answer, tuple) else (200, json.dumps(answer).encode())
            )
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_port}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
