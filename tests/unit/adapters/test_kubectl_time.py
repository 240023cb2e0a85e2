"""Ages, intervals and dates as kubectl prints them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from kubemedic.adapters.kubernetes.kubectl_time import (
    Interval,
    parse_age,
    parse_date,
    parse_interval,
)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("45s", 45),
        ("0s", 0),
        ("2m30s", 150),
        ("7m", 420),
        ("3h20m", 12000),
        ("2d3h", 183600),
        ("45d", 45 * 86400),
        ("3y45d", (3 * 365 + 45) * 86400),
        ("<invalid>", None),
        ("<unknown>", None),
        ("", None),
        ("About a minute", None),
    ],
)
def test_age(text: str, seconds: float | None) -> None:
    assert parse_age(text) == seconds


@pytest.mark.parametrize(
    ("text", "interval"),
    [
        ("6m59s", Interval(419, 419, 1)),
        ("98s (x7 over 6m57s)", Interval(98, 417, 7)),
        ("<invalid> (x6 over <invalid>)", Interval(None, None, 6)),
        ("1h (x3 from 2h)", Interval(3600, 7200, 3)),  # kubectl 1.7 alpha wording
    ],
)
def test_event_interval(text: str, interval: Interval) -> None:
    assert parse_interval(text) == interval


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("Sun, 06 Dec 2026 21:33:24 +0000", datetime(2026, 12, 6, 21, 33, 24, tzinfo=UTC)),
        (
            "Mon, 18 Mar 2019 12:08:01 +0530",
            datetime(2019, 3, 18, 12, 8, 1, tzinfo=timezone(timedelta(hours=5, minutes=30))),
        ),
        ("Tue, 07 Jul 2015 12:54:41 PDT", datetime(2015, 7, 7, 19, 54, 41, tzinfo=UTC)),
        ("2024-05-01T10:00:00Z", datetime(2024, 5, 1, 10, tzinfo=UTC)),
        ("Mon, 01 Jan 0001 00:00:00 +0000", None),  # Go's zero time: never set
        ("Thu, 01 Jan 1970 00:00:00 +0000", None),
        ("<unset>", None),
        ("", None),
    ],
)
def test_date(text: str, moment: datetime | None) -> None:
    assert parse_date(text) == moment
