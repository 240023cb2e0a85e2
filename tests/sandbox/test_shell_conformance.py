"""The sandbox's shell against the real ones: every script in ``shell_corpus/`` runs in the
sandbox and in Debian's ``dash`` and ``busybox sh``, and stdout, stderr and the exit code must
be the same. The sandbox side runs in the image whose ``/bin/sh`` that shell is (debian for
dash, busybox for ash); the real side runs in an empty directory with BusyBox's own applets
(or Debian's coreutils) on its ``PATH``, so ``cat``, ``touch`` and ``mkdir`` answer alike.

Needs ``apt-get install dash busybox``; without them these tests are skipped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kubemedic.sandbox.kubelet.catalog import builtin_catalog
from kubemedic.sandbox.kubelet.images import parse_reference
from kubemedic.sandbox.kubelet.programs import RunContext
from kubemedic.sandbox.kubelet.shell import run_shell

CORPUS = Path(__file__).parent / "shell_corpus"
CATALOG = builtin_catalog()
# flavour -> (the image whose /bin/sh it is, the real binary, the name of its package)
SHELLS = {"dash": ("debian:12", "dash"), "ash": ("busybox:1.36", "busybox")}
APPLETS = ("cat", "echo", "touch", "mkdir", "rm", "sleep")
HOME = "/root"
Result = tuple[int, str, str]


def corpus() -> dict[str, str]:
    """Each ``#### name`` section of each corpus file is one script, by "file: name"."""
    scripts = {}
    for path in sorted(CORPUS.glob("*.sh")):
        for section in path.read_text().split("\n#### ")[1:]:
            name, _, script = section.partition("\n")
            scripts[f"{path.stem}: {name}"] = script.rstrip("\n")
    return scripts


SCRIPTS = corpus()


def real_shell(flavour: str) -> str:
    binary = shutil.which(SHELLS[flavour][1])
    if binary is None:
        pytest.skip(f"{SHELLS[flavour][1]} is not installed (apt-get install dash busybox)")
    return binary


@pytest.fixture(scope="session")
def busybox_applets(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A PATH holding BusyBox's own cat, touch, mkdir... as a BusyBox image has them."""
    directory = tmp_path_factory.mktemp("busybox-bin")
    binary = shutil.which("busybox")
    if binary is not None:
        for applet in APPLETS:
            os.symlink(binary, directory / applet)
    return str(directory)


def run_real(flavour: str, script: str, workdir: Path, path: str) -> Result:
    done = subprocess.run(
        ["sh", "-c", script],
        executable=real_shell(flavour),
        capture_output=True,
        text=True,
        env={"PATH": path, "HOME": HOME},
        cwd=workdir,
        timeout=10,
        check=False,
    )
    return done.returncode, done.stdout, done.stderr


def run_sandbox(flavour: str, script: str, path: str) -> Result:
    ref = parse_reference(SHELLS[flavour][0])
    image = CATALOG.lookup(ref)
    assert image is not None
    ctx = RunContext(
        image=image,
        tag=ref.tag,
        env={"PATH": path, "HOME": HOME},
        hostname="conformance",
        started_at=datetime(2024, 11, 20, tzinfo=UTC),
        files=set(image.files),
        working_dir="/work",
    )
    result = run_shell(["sh", "-c", script], ctx)
    return result.status, result.stdout, result.stderr


@pytest.mark.parametrize("flavour", list(SHELLS))
@pytest.mark.parametrize("script", list(SCRIPTS.values()), ids=list(SCRIPTS))
def test_the_sandbox_shell_answers_like_the_real_one(
    flavour: str, script: str, tmp_path: Path, busybox_applets: str
) -> None:
    path = busybox_applets if flavour == "ash" else "/usr/bin:/bin"
    expected = run_real(flavour, script, tmp_path, path)
    assert run_sandbox(flavour, script, path) == expected


def test_the_corpus_covers_the_shell() -> None:
    assert len(SCRIPTS) >= 80
    for feature in ("[ -z", "$((", "trap", "case", "while", "until", "<<", "2>&1", "set -e"):
        assert any(feature in script for script in SCRIPTS.values()), feature
