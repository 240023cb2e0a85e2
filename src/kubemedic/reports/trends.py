"""The change since the last recorded report and the scores of the last eight weeks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from kubemedic.models.health import PastReport, Trend

WEEKS = 8


def trend(
    now: datetime,
    score: int,
    figures: Mapping[str, float],
    findings: Iterable[str],
    past: Iterable[PastReport],
    *,
    weeks: int = WEEKS,
) -> Trend:
    """Compare with the latest report recorded before ``now``; chart the last ``weeks``."""
    earlier = sorted((p for p in past if p.at < now), key=lambda p: p.at)
    current = tuple(dict.fromkeys(findings))
    since = now - timedelta(weeks=weeks)
    history = (*((p.at, p.score) for p in earlier if p.at >= since), (now, score))
    if not earlier:
        return Trend(None, None, (), (), (), history)
    previous = earlier[-1]
    changes = tuple(
        (name, float(previous.figures[name]), float(value))
        for name, value in figures.items()
        if name in previous.figures and float(previous.figures[name]) != float(value)
    )
    before = set(previous.findings)
    return Trend(
        previous,
        score - previous.score,
        changes,
        tuple(key for key in current if key not in before),
        tuple(key for key in previous.findings if key not in set(current)),
        history,
    )
