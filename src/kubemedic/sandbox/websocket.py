"""The WebSocket side of ``pods/exec`` and ``pods/attach``: RFC 6455 framing and the numbered
channels of Kubernetes' ``v5.channel.k8s.io`` / ``v4.channel.k8s.io`` subprotocols.

Each binary message starts with its channel: 0 stdin, 1 stdout, 2 stderr, 3 the error channel
(a ``Status`` once the command ends), 4 terminal resizes, and in v5 255 to close a stream
(kubectl sends ``[255, 0]`` when its stdin ends). A reader thread turns the client's frames
into a queue, so a session can wait for input and the clock at once.
"""

from __future__ import annotations

import base64
import hashlib
import io
import queue
import struct
import threading
from dataclasses import dataclass

_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
SUBPROTOCOLS = ("v5.channel.k8s.io", "v4.channel.k8s.io")
STDIN, STDOUT, STDERR, ERROR, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255
_TEXT, _BINARY, _CLOSE, _PING, _PONG = 0x1, 0x2, 0x8, 0x9, 0xA
_MAX_MESSAGE = 16 * 2**20


def accept_key(key: str) -> str:
    """``Sec-WebSocket-Accept`` for the client's ``Sec-WebSocket-Key``."""
    digest = hashlib.sha1((key + _GUID).encode(), usedforsecurity=False).digest()
    return base64.b64encode(digest).decode()


def choose_subprotocol(offered: str) -> str | None:
    """The channel protocol to speak, from the client's ``Sec-WebSocket-Protocol``."""
    names = [name.strip() for name in offered.split(",")]
    return next((name for name in SUBPROTOCOLS if name in names), None)


@dataclass(frozen=True, slots=True)
class Message:
    """One channel message from the client; ``channel`` None means it hung up."""

    channel: int | None
    data: bytes = b""


class Channels:
    """One upgraded connection: numbered channels out, the client's messages in."""

    def __init__(self, rfile: io.BufferedIOBase, wfile: io.BufferedIOBase) -> None:
        self._rfile, self._wfile = rfile, wfile
        self._lock = threading.Lock()
        self.inbox: queue.Queue[Message] = queue.Queue()
        threading.Thread(target=self._read, name="websocket-reader", daemon=True).start()

    def send(self, channel: int, data: bytes) -> None:
        self._frame(_BINARY, bytes([channel]) + data)

    def close(self) -> None:
        self._frame(_CLOSE, struct.pack("!H", 1000))

    def _frame(self, opcode: int, payload: bytes) -> None:
        size = len(payload)
        if size < 126:
            head = struct.pack("!BB", 0x80 | opcode, size)
        elif size < 2**16:
            head = struct.pack("!BBH", 0x80 | opcode, 126, size)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 127, size)
        with self._lock:
            try:
                self._wfile.write(head + payload)
                self._wfile.flush()
            except (OSError, ValueError):
                self.inbox.put(Message(None))

    def _read(self) -> None:
        try:
            while True:
                frame = self._read_frame()
                if frame is None:
                    break
                opcode, payload = frame
                if opcode == _CLOSE:
                    break
                if opcode == _PING:
                    self._frame(_PONG, payload)
                elif opcode in (_BINARY, _TEXT) and payload:
                    self.inbox.put(Message(payload[0], payload[1:]))
        except (OSError, ValueError):
            pass
        self.inbox.put(Message(None))

    def _read_frame(self) -> tuple[int, bytes] | None:
        head = self._rfile.read(2)
        if len(head) < 2:
            return None
        opcode, length = head[0] & 0x0F, head[1] & 0x7F
        if length == 126:
            length = struct.unpack("!H", self._rfile.read(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", self._rfile.read(8))[0]
        if length > _MAX_MESSAGE:
            return None
        mask = self._rfile.read(4) if head[1] & 0x80 else b""
        data = self._rfile.read(length)
        if mask:
            data = bytes(byte ^ mask[index % 4] for index, byte in enumerate(data))
        return opcode, data
