"""Known start-up refusals: each real line is recognised as its rule, and the docs table says so.

A user reads docs/image-refusals.md to learn what a refusal means; a rule added or changed
without its row (or a row left for a rule that is gone) would make that page lie.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kubemedic.analyzers._image_rules import REFUSALS, Refusal, known_refusal
from kubemedic.analyzers._log_rules import LogKind, classify_line
from kubemedic.analyzers._logs import find_signature

PAGE = Path(__file__).resolve().parents[3] / "docs" / "image-refusals.md"
ROW = re.compile(r"^\| `(?P<id>[\w.-]+)` \|", re.MULTILINE)


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


@pytest.mark.parametrize("refusal", REFUSALS, ids=[r.id for r in REFUSALS])
def test_the_real_line_is_recognised_as_its_rule(refusal: Refusal) -> None:
    assert known_refusal(refusal.example) is refusal
    found = classify_line(refusal.example)
    assert found is not None
    assert found[0] is LogKind(refusal.kind)


@pytest.mark.parametrize("refusal", REFUSALS, ids=[r.id for r in REFUSALS])
def test_every_rule_has_its_row(refusal: Refusal) -> None:
    row = next(
        (line for line in PAGE.read_text().splitlines() if line.startswith(f"| `{refusal.id}` |")),
        None,
    )
    assert row is not None, f"docs/image-refusals.md has no row for {refusal.id}"
    for part in (refusal.image, refusal.example, refusal.pattern.pattern, refusal.meaning):
        assert _cell(part) in row, f"row {refusal.id} does not say {part!r}"
    assert _cell(refusal.fix) in row


def test_no_row_without_a_rule_and_ids_are_unique() -> None:
    ids = [r.id for r in REFUSALS]
    assert len(ids) == len(set(ids))
    assert sorted(ROW.findall(PAGE.read_text())) == sorted(ids)


@pytest.mark.parametrize(
    ("log", "subject"),
    [
        (
            [
                "[2018-07-19T06:40:00,966][INFO ][o.e.b.BootstrapChecks    ] [DMz0Umu] bound or "
                "publishing to a non-loopback address, enforcing bootstrap checks",
                "ERROR: [1] bootstrap checks failed",
                "[1]: max virtual memory areas vm.max_map_count [65530] is too low, increase to "
                "at least [262144]",
                "[2018-07-19T06:40:00,979][INFO ][o.e.n.Node   ] [DMz0Umu] stopping ...",
            ],
            "65530",
        ),
        (
            [
                "2023-05-25 07:09:44+00:00 [ERROR] [Entrypoint]: Database is uninitialized and "
                "password option is not specified",
                "    You need to specify one of the following as an environment variable:",
                "    - MYSQL_ROOT_PASSWORD",
                "    - MYSQL_ALLOW_EMPTY_PASSWORD",
            ],
            "MYSQL_ROOT_PASSWORD",
        ),
        (
            [
                "npm ERR! missing script: start",
                "",
                "npm ERR! A complete log of this run can be found in:",
                "npm ERR!     /root/.npm/_logs/2020-10-27T05_08_40_200Z-debug.log",
            ],
            "start",
        ),
    ],
)
def test_the_refusal_is_the_decisive_line_of_a_whole_log(log: list[str], subject: str) -> None:
    signature = find_signature(log)
    assert signature is not None
    assert known_refusal(signature.line) is not None
    assert signature.subject == subject
