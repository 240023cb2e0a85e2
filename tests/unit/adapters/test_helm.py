"""The ``helm`` executable as kubemedic runs it: the arguments it gets, what it printed kept, and
a missing executable, a non-zero exit and a run past its timeout each reported in words.

The executables here are small real programs written for each test (helm itself cannot be
installed where the tests run; ``tests/support/helm_standin.py`` stands in for it on the
sandbox)."""

from __future__ import annotations

import stat
import sys
from pathlib import Path

import pytest

from kubemedic.adapters.helm import Helm, HelmFailed


def _helm(directory: Path, body: str) -> Path:
    helm = directory / "helm"
    helm.write_text(f"#!{sys.executable}\nimport sys, time\n{body}\n")
    helm.chmod(helm.stat().st_mode | stat.S_IXUSR)
    return helm


def test_a_rollback_runs_with_the_connection_and_keeps_what_helm_printed(tmp_path: Path) -> None:
    helm = _helm(tmp_path, "print(' '.join(sys.argv[1:])); print('Happy Helming!')")
    ran = Helm(str(helm), tmp_path / "kubeconfig", "ops").rollback("web", 3, "shop")
    assert ran.stdout.splitlines() == [
        f"rollback web 3 --namespace shop --wait=false --kubeconfig {tmp_path / 'kubeconfig'} "
        "--kube-context ops",
        "Happy Helming!",
    ]
    assert ran.command.startswith("helm rollback web 3 --namespace shop --wait=false")
    assert ran.to_data()["exit_code"] == 0


def test_the_dry_run_asks_helm_for_one(tmp_path: Path) -> None:
    helm = _helm(tmp_path, "print(sys.argv[-1])")
    assert Helm(str(helm)).rollback("web", 3, "shop", dry_run=True).stdout.strip() == "--dry-run"


def test_a_non_zero_exit_says_what_helm_wrote_on_stderr(tmp_path: Path) -> None:
    helm = _helm(tmp_path, "sys.stderr.write('Error: release: not found\\n'); sys.exit(1)")
    with pytest.raises(HelmFailed) as raised:
        Helm(str(helm)).rollback("web", 3, "shop")
    assert raised.value.message == "helm rollback web 3 exited with 1: Error: release: not found"
    assert raised.value.run.to_data()["stderr"] == "Error: release: not found\n"


def test_a_helm_that_does_not_finish_is_stopped_at_its_timeout(tmp_path: Path) -> None:
    helm = _helm(tmp_path, "print('rolling back', flush=True); time.sleep(30)")
    with pytest.raises(HelmFailed, match=r"helm rollback web 3 did not finish within 0\.5s"):
        Helm(str(helm), timeout=0.5).rollback("web", 3, "shop")


def test_history_is_read_as_json(tmp_path: Path) -> None:
    rows = '[{"revision": 1, "status": "superseded"}, {"revision": 2, "status": "deployed"}]'
    helm = _helm(tmp_path, f"print({rows!r})")
    assert [r["revision"] for r in Helm(str(helm)).history("web", "shop")] == [1, 2]
    garbled = _helm(tmp_path, "print('REVISION UPDATED')")
    with pytest.raises(HelmFailed, match="helm history web printed no JSON"):
        Helm(str(garbled)).history("web", "shop")


def test_no_helm_on_path_is_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert Helm.find() is None
    _helm(tmp_path, "pass")
    found = Helm.find(context="ops")
    assert found is not None
    assert (found.executable, found.context) == (str(tmp_path / "helm"), "ops")
