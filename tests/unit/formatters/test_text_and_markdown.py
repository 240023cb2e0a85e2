"""Terminal and Markdown output: colour rules, literal cluster text, collapsed pod lists."""

from __future__ import annotations

import io
import re
from dataclasses import replace

import pytest

from kubemedic.formatters import markdown, text
from kubemedic.formatters.report import pods_text
from kubemedic.models.findings import AffectedPod, Evidence, EvidenceSource
from tests.golden.samples import CHECKOUT_PODS, full_report

_SGR = re.compile(r"\x1b\[([0-9;]*)m")


def _colours(output: str) -> set[int]:
    """Foreground/background colour codes used in ``output`` (bold or dim do not count)."""
    codes = {int(c) for params in _SGR.findall(output) for c in params.split(";") if c}
    return {c for c in codes if 30 <= c <= 49 or 90 <= c <= 107}


def _write_text(monkeypatch: pytest.MonkeyPatch, **env: str) -> str:
    for name in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    out = io.StringIO()
    text.write(full_report(), out)
    return out.getvalue()


def test_a_terminal_gets_colour_badges(monkeypatch: pytest.MonkeyPatch) -> None:
    output = _write_text(monkeypatch, FORCE_COLOR="1")
    assert _colours(output)
    assert " CRITICAL " in output
    assert "[CRITICAL]" not in output


@pytest.mark.parametrize(
    "env", [{}, {"FORCE_COLOR": "1", "NO_COLOR": "1"}], ids=["pipe", "NO_COLOR"]
)
def test_pipes_and_no_color_get_no_colour(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str]
) -> None:
    output = _write_text(monkeypatch, **env)
    assert _colours(output) == set()
    plain = _SGR.sub("", output)
    assert "[CRITICAL] KM-POD-CRASHLOOP-APP-ERROR" in plain
    assert not any(line.endswith(" ") for line in plain.splitlines())


def test_cluster_text_that_looks_like_markup_is_printed_as_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    output = _write_text(monkeypatch)
    assert "[ERROR] config: required variable *DATABASE_URL* is not set" in output
    assert "status.containerStatuses[app].lastState.terminated" in output


def test_long_pod_lists_collapse_and_short_ones_do_not() -> None:
    finding = full_report().findings[0]
    assert pods_text(finding) == (
        "12 pods: checkout-5f7c9d8b6-2xkqp, checkout-5f7c9d8b6-4hzvn, "
        "checkout-5f7c9d8b6-7tq9c, +9 more (container app)"
    )
    four = replace(finding, affected=CHECKOUT_PODS[:4])
    assert pods_text(four).count("checkout-") == 4
    assert "more" not in pods_text(four)


def test_pods_outside_the_object_namespace_are_qualified() -> None:
    finding = full_report().findings[1]
    moved = replace(finding, affected=(AffectedPod("shop-canary", "api-0", ("api", "proxy")),))
    assert pods_text(moved) == "1 pod: shop-canary/api-0 (containers api, proxy)"


def test_markdown_tables_survive_pipes_and_backticks() -> None:
    finding = full_report().findings[2]
    tricky = Evidence("probe `ok` | not ok", EvidenceSource.LOG, "log of `redis-1` | tail")
    report = replace(full_report(), findings=(replace(finding, evidence=(tricky,)),))
    table_row = next(
        line for line in markdown.render(report).splitlines() if line.startswith("| probe")
    )
    assert table_row == r"| probe \`ok\` \| not ok | log: `` log of `redis-1` \| tail `` |"


def test_markdown_fences_commands_and_patches() -> None:
    output = markdown.render(full_report())
    assert "```sh\nkubectl rollout undo deployment/checkout -n shop --to-revision=6\n" in output
    assert "```yaml\nspec:\n  template:\n" in output
    assert "**Runbook:** [docs/runbooks/oomkilled.md](docs/runbooks/oomkilled.md)" in output
