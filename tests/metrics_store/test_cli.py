"""``kubemedic collect`` as a user meets its refusals: each names what is wrong, with the
documented exit code, and leaves the store as it was."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kubemedic._internal.timeutils import format_time
from tests.metrics_store.conftest import Collect

MEMORY = 'container_memory_working_set_bytes{namespace="a",pod="web-1",container="c"}'


def _history(tmp_path: Path) -> tuple[Path, datetime]:
    """A history of one memory sample, taken a minute ago."""
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    path = tmp_path / "history.om"
    path.write_text(f"{MEMORY} 5 {at.timestamp():.0f}\n")
    return path, at


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            f"{MEMORY} 5 1700000000000\n",
            "timestamp outside 1970-2106 (OpenMetrics times are seconds, not milliseconds)",
        ),
        (
            f"{MEMORY} 5\n",
            "no timestamp",
        ),
        ('container_cpu_usage_seconds_total{namespace="a",pod="p"\n', "not a sample line"),
        (
            'container_memory_working_set_bytes{container="c"} 5 1700000000\n',
            'samples without a namespace or pod label, as in: {container="c"}',
        ),
        ("# HELP up\nup 1 1700000000\n# EOF\n", "no container_cpu_usage_seconds_total or"),
    ],
    ids=["milliseconds", "no-timestamp", "truncated", "unlabelled", "no-samples"],
)
def test_a_history_that_cannot_be_used_is_refused_by_name(
    tmp_path: Path, store_file: Path, collect: Collect, text: str, problem: str
) -> None:
    bad = tmp_path / "bad.om"
    bad.write_text(text)

    done = collect("--import", str(bad), "--store", str(store_file))

    assert done.code == 2
    assert done.err.startswith(f"error: {bad}: ")
    assert problem in done.err


def test_a_missing_history_file_is_named(
    tmp_path: Path, store_file: Path, collect: Collect
) -> None:
    done = collect("--import", str(tmp_path / "nope.om"), "--store", str(store_file))

    assert (done.code, done.err) == (2, f"error: {tmp_path / 'nope.om'}: no such file\n")


@pytest.mark.parametrize(
    "content", [b"not a database\n", b"\x00DUCK" + bytes(range(256)) * 32], ids=["text", "binary"]
)
def test_a_damaged_store_exits_7_and_is_kept(
    tmp_path: Path, store_file: Path, collect: Collect, content: bytes
) -> None:
    history, _ = _history(tmp_path)
    store_file.parent.mkdir(parents=True)
    store_file.write_bytes(content)

    done = collect("--import", str(history), "--store", str(store_file))

    assert done.code == 7
    assert done.err.startswith(f"error: {store_file} is not a usable metrics store")
    assert "hint: kubemedic left it untouched" in done.err
    assert store_file.read_bytes() == content


def test_the_store_comes_from_the_environment(
    tmp_path: Path, store_file: Path, collect: Collect, monkeypatch: pytest.MonkeyPatch
) -> None:
    history, at = _history(tmp_path)
    monkeypatch.setenv("KUBEMEDIC_STORE", str(store_file))

    done = collect("--import", str(history))

    assert done.code == 0, done.err
    assert (
        f"imported 1 samples of 1 containers ({format_time(at)} to {format_time(at)}) "
        f"into {store_file}\n" in done.out
    )
    assert store_file.is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--interval", "soon"], "error: --interval 'soon' is not a duration like 30s or 1m"),
        (["--interval", "0s"], "error: --interval '0s' is not a duration like 30s or 1m"),
        (["--import", "x.om", "--once"], "error: --import loads a file and exits"),
        (["--once", "--retention", "a while"], "error: invalid setting store_retention='a while'"),
    ],
    ids=["interval", "zero-interval", "import-once", "retention"],
)
def test_bad_usage_exits_2(collect: Collect, args: list[str], message: str) -> None:
    done = collect(*args)

    assert done.code == 2
    assert done.err.startswith(message)
