"""What the real ``kubectl describe`` prints of a broken sandbox pod is diagnosed like the pod.

The recorded fixtures (``tests/scenarios/describe-*``) pin one kubectl version's layout; this
test takes the text from the kubectl installed now, from a sandbox whose clock runs ten times
faster than the wall's (the ages kubectl prints are then only as good as the sandbox makes
them: the crash loop must be told from its states and events whatever they read).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kubemedic.adapters.kubernetes.files import load_files
from kubemedic.services.diagnose import diagnose

from .conftest import Sandbox

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


def _crash_looping(sandbox: Sandbox) -> list[dict[str, Any]]:
    pods: list[dict[str, Any]] = sandbox.kubectl_json("get", "pods", "-n", "todo")["items"]
    return [
        pod
        for pod in pods
        for status in pod["status"].get("containerStatuses") or ()
        if (status.get("state") or {}).get("waiting", {}).get("reason") == "CrashLoopBackOff"
        and status.get("restartCount", 0) >= 2
    ]


def _findings(folder: Path) -> list[tuple[str, str, str]]:
    result = diagnose(load_files([folder]))
    return sorted((f.id, f.category.value, str(f.object)) for f in result.findings)


def test_describe_text_of_a_crash_loop_is_diagnosed_like_the_pod(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    assert sandbox.server.simulation is not None
    sandbox.server.simulation.break_scenario("crashloop", target=None, namespace=None)
    (pod,) = sandbox.wait_for(lambda: _crash_looping(sandbox), timeout=90, what="a crash loop")
    name = pod["metadata"]["name"]
    text, objects = tmp_path / "text", tmp_path / "objects"
    for folder in (text, objects):
        folder.mkdir()
    (text / "describe.txt").write_text(
        sandbox.kubectl("describe", "pod", name, "-n", "todo").stdout
    )
    (objects / "pod.yaml").write_text(
        sandbox.kubectl("get", "pod", name, "-n", "todo", "-o", "yaml").stdout
    )
    selector = f"involvedObject.name={name}"
    (objects / "events.yaml").write_text(
        sandbox.kubectl(
            "get", "events", "-n", "todo", "--field-selector", selector, "-o", "yaml"
        ).stdout
    )

    found = _findings(text)

    assert ("KM-POD-CRASHLOOP-APP-ERROR", "crashloop.app-error", "Deployment todo/backend") in found
    assert found == _findings(objects)
