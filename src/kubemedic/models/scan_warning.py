"""What a scan could not read as it should, said to the user without stopping the run.

A kind RBAC refused on a live cluster, an Event pasted without its name, a pod whose namespace
had to be inferred: each is one warning, printed on stderr and listed in the JSON output, so
the user knows what the diagnosis stands on. File, line, object and field are given when known.
"""

from __future__ import annotations

from dataclasses import dataclass

from kubemedic.models.findings import ObjectRef


@dataclass(frozen=True, slots=True)
class ScanWarning:
    """One gap in what was read, and what kubemedic did about it (``message``)."""

    message: str
    file: str | None = None
    line: int | None = None
    object: ObjectRef | None = None
    field: str | None = None

    def __str__(self) -> str:
        """``events.yaml:12: Event ... has no metadata.name; ...``, as an error names a place."""
        if not self.file:
            return self.message
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"
