"""Pause Python's cyclic garbage collector around bulk allocation.

Loading a large cluster creates millions of small dicts at once; each allocation burst triggers
full collections that find nothing to free (reference counting already does the work). Pausing
the collector for the duration cuts load time by more than half. On the way out the survivors are
moved to the permanent generation (``gc.freeze``) so later collections do not rescan them either;
they are acyclic JSON, still freed by reference counting when dropped, and the collector is
re-enabled, so long-running processes keep their normal behaviour.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """Disable the cyclic collector inside the block, restoring its previous state after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()
