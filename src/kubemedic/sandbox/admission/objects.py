"""What admission plugins read: the stored objects of one namespace, through the store."""

from __future__ import annotations

from typing import Any, Protocol

Obj = dict[str, Any]


class Objects(Protocol):
    """The part of ``Store`` admission reads (under the store's re-entrant lock)."""

    def try_get(self, kind: str, namespace: str, name: str) -> Obj | None: ...

    def list(
        self,
        kind: str,
        namespace: str | None = None,
        *,
        label_selector: str | None = None,
        field_selector: str | None = None,
    ) -> tuple[list[Obj], str]: ...
