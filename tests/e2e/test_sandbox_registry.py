"""``sandbox registry add`` and ``remove`` change what the nodes can pull, seen through kubectl.

Adding tags to a built-in image keeps its userland and behaviour; removing a tag makes its
pulls fail with the registry's ``not found``; an image nobody listed on a public registry runs
as the documented generic service.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kubemedic.cli.app import run
from kubemedic.sandbox.control import ControlClient
from tests.e2e.conftest import KUBECTL, Sandbox

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed"),
]


def waiting_reason(sandbox: Sandbox, pod: str) -> tuple[str, str] | None:
    found: dict[str, Any] = sandbox.kubectl_json("get", "pod", pod)
    for status in (found.get("status") or {}).get("containerStatuses") or []:
        state = status.get("state") or {}
        if "running" in state:
            return "Running", ""
        waiting = state.get("waiting") or {}
        if waiting.get("reason") in ("ErrImagePull", "ImagePullBackOff"):
            return "ErrImagePull", str(waiting.get("message") or "")
    return None


def test_registry_changes_decide_what_pods_can_pull(sandbox: Sandbox) -> None:
    control = ControlClient.from_kubeconfig(sandbox.kubeconfig)
    added = control.add_image({"image": "nginx", "tags": ["1.99.0-alpine"]})
    assert added == "image docker.io/library/nginx updated (tags added: 1.99.0-alpine)"
    removed = control.remove_image("nginx", ["1.27.2"])
    assert removed == "image docker.io/library/nginx: tag(s) 1.27.2 removed"

    sandbox.kubectl("run", "new", "--image=nginx:1.99.0-alpine")
    sandbox.kubectl("run", "gone", "--image=nginx:1.27.2")
    sandbox.kubectl("run", "guessed", "--image=ghcr.io/acme/shop-api:2.4.1")
    assert sandbox.wait_for(lambda: waiting_reason(sandbox, "new"), what="new") == (
        "Running",
        "",
    )
    assert sandbox.wait_for(lambda: waiting_reason(sandbox, "guessed"), what="guessed") == (
        "Running",
        "",
    )
    reason, message = sandbox.wait_for(lambda: waiting_reason(sandbox, "gone"), what="gone")
    assert reason == "ErrImagePull"
    assert message.endswith("docker.io/library/nginx:1.27.2: not found")


@pytest.mark.slow
def test_registry_commands_on_a_background_sandbox(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = str(tmp_path / "sandbox")
    assert run(["sandbox", "up", "--state-dir", state, "--seed", "empty"]) == 0
    try:
        capsys.readouterr()
        assert (
            run(["sandbox", "registry", "add", "nginx", "--tag", "1.99.0", "--state-dir", state])
            == 0
        )
        assert capsys.readouterr().out.strip() == (
            "image docker.io/library/nginx updated (tags added: 1.99.0)"
        )
        code = run(
            [
                "sandbox",
                "registry",
                "add",
                "ghcr.io/acme/api",
                "--port",
                "8080",
                "--base",
                "alpine",
                "--state-dir",
                state,
            ]
        )
        assert code == 0
        assert capsys.readouterr().out.strip() == "image ghcr.io/acme/api added (tags: latest)"
        assert run(["sandbox", "registry", "remove", "ghcr.io/acme/api", "--state-dir", state]) == 0
        assert capsys.readouterr().out.strip() == "image ghcr.io/acme/api removed"
        assert (
            run(["sandbox", "registry", "add", "acme/x", "--base", "windows", "--state-dir", state])
            != 0
        )
        assert "base must be one of" in capsys.readouterr().err
    finally:
        assert run(["sandbox", "down", "--state-dir", state]) == 0
