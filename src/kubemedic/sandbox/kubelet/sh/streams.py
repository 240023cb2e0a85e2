"""Where a command's output goes and where its input comes from: the file-descriptor table.

Output written to the container's stdout or stderr is kept with its simulated moment (the
container log); other sinks are files of the simulated file system, ``/dev/null``, or a
buffer (command substitution, pipes). Input is text read line by line (files, pipes,
here-documents); a container's own stdin is empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from kubemedic.sandbox.kubelet.sh.fs import FileSystem


class Sink(Protocol):
    def write(self, text: str, at: float) -> None: ...


@dataclass
class Log:
    """Everything the process wrote to its stdout (1) and stderr (2), in order."""

    events: list[tuple[float, int, str]] = field(default_factory=list)


@dataclass(frozen=True)
class StreamSink:
    log: Log
    stream: int

    def write(self, text: str, at: float) -> None:
        if text:
            self.log.events.append((at, self.stream, text))


class NullSink:
    def write(self, text: str, at: float) -> None:
        return None


@dataclass(frozen=True)
class FileSink:
    fs: FileSystem
    path: str

    def write(self, text: str, at: float) -> None:
        self.fs.write(self.path, text, at, append=True)


@dataclass
class BufferSink:
    chunks: list[str] = field(default_factory=list)

    def write(self, text: str, at: float) -> None:
        self.chunks.append(text)

    @property
    def text(self) -> str:
        return "".join(self.chunks)


@dataclass
class Source:
    """Readable text; ``read_line`` returns None at end of input."""

    text: str = ""
    pos: int = 0

    def read_line(self) -> tuple[str, bool] | None:
        """The next line without its newline, and whether it ended with one."""
        if self.pos >= len(self.text):
            return None
        end = self.text.find("\n", self.pos)
        if end < 0:
            line, self.pos = self.text[self.pos :], len(self.text)
            return line, False
        line, self.pos = self.text[self.pos : end], end + 1
        return line, True

    def read_all(self) -> str:
        rest, self.pos = self.text[self.pos :], len(self.text)
        return rest


Channel = Sink | Source
Fds = dict[int, Channel]
