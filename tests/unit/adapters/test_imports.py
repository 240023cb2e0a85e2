"""Choosing a source must stay cheap: the kubernetes client loads only for a live scan."""

from __future__ import annotations

import subprocess
import sys


def test_the_files_source_imports_no_client_library() -> None:
    heavy = ("kubernetes", "urllib3", "yaml")
    code = (
        "import sys, kubemedic.services.sources, kubemedic.adapters.kubernetes.files; "
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert out.stdout.strip() == "[]"
