"""``kubemedic diagnose`` run as a user would, over a sandbox's live API, read back as data."""

from __future__ import annotations

import json

import pytest

from kubemedic.cli.app import run
from tests.e2e.conftest import Sandbox


def categories(sandbox: Sandbox, namespace: str, capsys: pytest.CaptureFixture[str]) -> set[str]:
    """The categories of the findings ``kubemedic diagnose -n NAMESPACE -o json`` prints."""
    capsys.readouterr()
    run(["diagnose", "-n", namespace, "-o", "json", "--kubeconfig", str(sandbox.kubeconfig)])
    report = json.loads(capsys.readouterr().out)
    return {finding["category"] for finding in report["findings"]}
