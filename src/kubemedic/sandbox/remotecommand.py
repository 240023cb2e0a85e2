"""``pods/exec`` and ``pods/attach``: ``kubectl exec``, ``kubectl attach`` and ``kubectl run -i``.

kubectl (1.30+) asks for a WebSocket upgrade first and falls back to SPDY only when the
upgrade fails; the sandbox speaks the WebSocket channel protocols (``websocket``), so every
error a user can see is given before the upgrade, with the real messages. An exec runs its
command in the container's simulated shell (``kubelet.remote``) and plays the output back on
the cluster clock, then ends with the real ``Status`` (``command terminated with exit code
N`` in kubectl). With ``-it`` a shell is interactive: each line typed runs, echoed as a
terminal would. An attach follows the container's output until it ends.
"""

from __future__ import annotations

import queue
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from urllib.parse import parse_qsl

import orjson

from kubemedic.sandbox.apierrors import BadRequestError, NotFoundError, StoreError
from kubemedic.sandbox.backend import Backend
from kubemedic.sandbox.kubelet.process import Process
from kubemedic.sandbox.kubelet.remote import ExecOutcome, ExecRefused
from kubemedic.sandbox.resources import KINDS
from kubemedic.sandbox.routing import Route
from kubemedic.sandbox.store import Obj, Store
from kubemedic.sandbox.websocket import (
    CLOSE,
    ERROR,
    STDOUT,
    Channels,
    accept_key,
    choose_subprotocol,
)

_TICK = 0.1  # wall seconds between looks at the clock, the log and the client
_SUCCESS: dict[str, object] = {"metadata": {}, "status": "Success"}


@dataclass(frozen=True, slots=True)
class Upgrade:
    """An answer that switches the connection to WebSocket and runs ``session`` on it."""

    accept: str
    subprotocol: str
    session: Callable[[Channels], None]


@dataclass(frozen=True, slots=True)
class Options:
    """What the request asks for (``command``, ``container``, ``stdin``, ``tty`` ...)."""

    container: str
    command: tuple[str, ...]
    stdin: bool
    tty: bool
    prompt: str = field(default="# ")


class RemoteCommands:
    """Decides an exec or attach request, then runs its session on the upgraded connection."""

    def __init__(self, store: Store, backend: Backend, now: Callable[[], datetime]) -> None:
        self.store, self.backend, self.now = store, backend, now

    def upgrade(self, method: str, route: Route, query: str, headers: dict[str, str]) -> Upgrade:
        namespace, name = route.namespace or "default", route.name or ""
        pod = self.store.try_get("Pod", namespace, name)
        if pod is None:
            raise NotFoundError(KINDS["Pod"], name)
        options = _options(pod, query)
        if not _running(pod, options.container):
            raise BadRequestError(f'container not found ("{options.container}")')
        subprotocol = choose_subprotocol(headers.get("sec-websocket-protocol", ""))
        if method != "GET" or "websocket" not in headers.get("upgrade", "").lower():
            raise BadRequestError("Upgrade request required")
        if subprotocol is None or "sec-websocket-key" not in headers:
            raise BadRequestError("unable to upgrade: no supported channel protocol")
        run = self._exec if route.subresource == "exec" else self._attach
        session = partial(run, namespace, name, options)
        return Upgrade(accept_key(headers["sec-websocket-key"]), subprotocol, session)

    # -- exec ----------------------------------------------------------------------------

    def _exec(self, namespace: str, pod: str, options: Options, channels: Channels) -> None:
        if options.stdin and options.tty:
            self._interactive(namespace, pod, options, channels)
            return
        stdin = _read_stdin(channels) if options.stdin else ""
        if stdin is None:
            return
        try:
            outcome = self._run(namespace, pod, options, stdin)
        except StoreError as error:
            _finish(channels, error.status())
            return
        if outcome.forever is not None:
            self._follow(outcome.forever, channels, options.tty)
            return
        if self._play(outcome, channels, options.tty):
            _finish(channels, _exit_status(options.command, outcome.status))

    def _run(self, namespace: str, pod: str, options: Options, stdin: str) -> ExecOutcome:
        try:
            return self.backend.exec_command(
                namespace, pod, options.container, list(options.command), stdin
            )
        except ExecRefused as refused:
            raise StoreError(
                "Internal error occurred: error executing command in container: failed to "
                f'exec in container: failed to start exec "{secrets.token_hex(32)}": {refused}'
            ) from None

    def _play(self, outcome: ExecOutcome, channels: Channels, tty: bool) -> bool:
        """Send the output as the cluster clock reaches it; False if the client left."""
        start = self.now()
        for at, stream, text in outcome.events:
            while (self.now() - start).total_seconds() < at:
                if _hung_up(channels, _TICK):
                    return False
            channels.send(STDOUT if tty else stream, _terminal(text, tty))
        return True

    def _follow(self, process: Process, channels: Channels, tty: bool) -> None:
        """A command that never ends: its output as it comes, until the client leaves."""
        start, sent = self.now(), 0
        while not _hung_up(channels, _TICK):
            lines = process.lines_until((self.now() - start).total_seconds())
            for _, text in lines[sent:]:
                channels.send(STDOUT, _terminal(text + "\n", tty))
            sent = len(lines)

    def _interactive(self, namespace: str, pod: str, options: Options, ch: Channels) -> None:
        """``kubectl exec -it POD -- sh``: each line typed runs; the terminal echoes."""
        typed, script, shown, status = "", "", 0, 0
        ch.send(STDOUT, options.prompt.encode())
        while True:
            message = ch.inbox.get()
            if message.channel is None:
                return
            if message.channel == CLOSE:
                break
            if message.channel != 0:
                continue
            for char in message.data.decode("utf-8", "replace"):
                if char in "\r\n":
                    ch.send(STDOUT, b"\r\n")
                    script += typed + "\n"
                    try:
                        outcome = self._run(namespace, pod, options, script)
                    except StoreError as error:
                        _finish(ch, error.status())
                        return
                    output = "".join(text for _, _, text in outcome.events)
                    ch.send(STDOUT, _terminal(output[shown:], tty=True))
                    shown, status = len(output), outcome.status
                    if typed.split()[:1] == ["exit"]:
                        _finish(ch, _exit_status(options.command, status))
                        return
                    typed = ""
                    ch.send(STDOUT, options.prompt.encode())
                elif char in "\x7f\b":
                    if typed:
                        typed = typed[:-1]
                        ch.send(STDOUT, b"\b \b")
                elif char == "\x03":
                    typed = ""
                    ch.send(STDOUT, b"^C\r\n" + options.prompt.encode())
                elif char == "\x04" and not typed:
                    _finish(ch, _exit_status(options.command, status))
                    return
                else:
                    typed += char
                    ch.send(STDOUT, char.encode())
        _finish(ch, _exit_status(options.command, status))

    # -- attach --------------------------------------------------------------------------

    def _attach(self, namespace: str, pod: str, options: Options, channels: Channels) -> None:
        """The container's output so far, then as it comes until it ends (or the client
        leaves); what it printed before the attach is shown too, so a quick ``kubectl run
        -i`` command is never lost."""
        sent = 0
        while True:
            current = self.store.try_get("Pod", namespace, pod)
            running = current is not None and _running(current, options.container)
            text = self._log(namespace, pod, options.container)
            if len(text) < sent:  # a restart began a new log
                sent = 0
            if len(text) > sent:
                channels.send(STDOUT, _terminal(text[sent:], options.tty))
                sent = len(text)
            if not running:
                _finish(channels, _SUCCESS)
                return
            if _hung_up(channels, _TICK):
                return

    def _log(self, namespace: str, pod: str, container: str) -> str:
        try:
            return self.backend.pod_log(namespace, pod, container, previous=False, tail_lines=None)
        except StoreError:
            return ""


def _options(pod: Obj, query: str) -> Options:
    params = parse_qsl(query, keep_blank_values=True)
    values = dict(params)
    spec = pod.get("spec") or {}
    containers = list(spec.get("containers") or [])
    name = values.get("container") or (containers[0]["name"] if containers else "")
    every = [*(spec.get("initContainers") or []), *containers]
    image = next((str(c.get("image", "")) for c in every if c.get("name") == name), None)
    if image is None:
        raise BadRequestError(f"container {name} is not valid for pod {pod['metadata']['name']}")
    ash = any(word in image for word in ("busybox", "alpine"))
    return Options(
        container=name,
        command=tuple(value for key, value in params if key == "command"),
        stdin=values.get("stdin") in ("true", "1"),
        tty=values.get("tty") in ("true", "1"),
        prompt="/ # " if ash else "# ",
    )


def _running(pod: Obj, container: str) -> bool:
    status = pod.get("status") or {}
    for entry in [
        *(status.get("initContainerStatuses") or []),
        *(status.get("containerStatuses") or []),
    ]:
        if entry.get("name") == container:
            return "running" in (entry.get("state") or {})
    return False


def _read_stdin(channels: Channels) -> str | None:
    """Everything the client sends on stdin until it closes it; None if it hung up."""
    data = b""
    while True:
        message = channels.inbox.get()
        if message.channel is None:
            return None
        if message.channel == CLOSE and message.data[:1] == b"\x00":
            return data.decode("utf-8", "replace")
        if message.channel == 0:
            data += message.data


def _hung_up(channels: Channels, wait: float) -> bool:
    """Wait up to ``wait`` seconds for the client; True if it left."""
    try:
        message = channels.inbox.get(timeout=wait)
    except queue.Empty:
        return False
    return message.channel is None


def _terminal(text: str, tty: bool) -> bytes:
    return (text.replace("\n", "\r\n") if tty else text).encode()


def _exit_status(command: tuple[str, ...], status: int) -> dict[str, object]:
    if status == 0:
        return _SUCCESS
    return {
        "metadata": {},
        "status": "Failure",
        "message": "command terminated with non-zero exit code: error executing command "
        f"[{' '.join(command)}], exit code {status}",
        "reason": "NonZeroExitCode",
        "details": {"causes": [{"reason": "ExitCode", "message": str(status)}]},
    }


def _finish(channels: Channels, status: object) -> None:
    channels.send(ERROR, orjson.dumps(status))
    channels.close()
