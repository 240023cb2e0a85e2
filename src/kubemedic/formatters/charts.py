"""Line charts of durations as geometry a template draws as inline SVG, with a table beside it.

The dashboard draws its charts on the server (no JavaScript library, no CDN): this module turns
series of durations per period into coordinates in a fixed ``viewBox`` (the SVG scales to the
screen), axis ticks in a readable unit, a sentence describing the chart for screen readers, and
the same figures as table rows, so what is drawn and what is read are one computation.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from kubemedic._internal.timeutils import human_duration

WIDTH, HEIGHT = 480, 240
LEFT, RIGHT, TOP, BOTTOM = 64, 32, 16, 40
"""The viewBox and the plotting area's margins (room for the axes' labels): small enough that
15-unit text stays readable when a phone scales the chart down to its width."""
MAX_X_LABELS = 6
MAX_Y_STEPS = 4
UNITS = ((172_800, 86_400, "d"), (7_200, 3_600, "h"), (120, 60, "min"), (0, 1, "s"))
"""(from how many seconds, seconds per unit, unit): the largest value picks the axis unit."""


@dataclass(frozen=True, slots=True)
class Tick:
    at: float
    """x or y in the viewBox."""
    label: str


@dataclass(frozen=True, slots=True)
class Dot:
    x: float
    y: float
    label: str
    """What the point says: "MTTR, week of 2026-11-30: 12m"."""


@dataclass(frozen=True, slots=True)
class Line:
    name: str
    points: str
    """The polyline's ``points`` attribute."""
    dots: tuple[Dot, ...]


@dataclass(frozen=True, slots=True)
class Chart:
    title: str
    description: str
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    unit: str
    lines: tuple[Line, ...]
    columns: tuple[str, ...]
    """The table fallback's header: the period, then one column per series."""
    rows: tuple[tuple[str, ...], ...]
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM

    @property
    def points(self) -> int:
        return sum(len(line.dots) for line in self.lines)


def seconds_text(value: float | None) -> str:
    """A duration as the tables show it ("45s", "12m", "3h20m"); "no data" for None."""
    return "no data" if value is None else human_duration(value)


def line_chart(
    title: str,
    period: str,
    labels: Sequence[str],
    ticks: Sequence[str],
    series: Mapping[str, Sequence[float | None]],
) -> Chart:
    """One line per series over the periods ``labels`` (``ticks``: their short form for the
    axis; ``period``: what they are, the table's first column); None is a period without data."""
    measured = [v for values in series.values() for v in values if v is not None]
    highest = max(measured, default=0.0)
    per_unit, unit = next((size, name) for floor, size, name in UNITS if highest >= floor)
    step = _tick_step(highest / per_unit)
    top = max(math.ceil(highest / per_unit / step), 1) * step * per_unit
    count = len(labels)

    def x(index: int) -> float:
        if count == 1:
            return round((LEFT + WIDTH - RIGHT) / 2, 1)
        return round(LEFT + index * (WIDTH - LEFT - RIGHT) / (count - 1), 1)

    def y(value: float) -> float:
        return round(HEIGHT - BOTTOM - value / top * (HEIGHT - TOP - BOTTOM), 1)

    lines = []
    for name, values in series.items():
        dots = tuple(
            Dot(x(i), y(v), f"{name}, {labels[i]}: {seconds_text(v)}")
            for i, v in enumerate(values)
            if v is not None
        )
        lines.append(Line(name, " ".join(f"{d.x},{d.y}" for d in dots), dots))
    every = max(math.ceil(count / MAX_X_LABELS), 1)
    return Chart(
        title=title,
        description=_describe(title, labels, series),
        x_ticks=tuple(Tick(x(i), ticks[i]) for i in range(0, count, every)),
        y_ticks=tuple(
            Tick(y(n * step * per_unit), f"{n * step:g} {unit}")
            for n in range(round(top / per_unit / step) + 1)
        ),
        unit=unit,
        lines=tuple(lines),
        columns=(period, *series),
        rows=tuple(
            (label, *(seconds_text(values[i]) for values in series.values()))
            for i, label in enumerate(labels)
        ),
    )


def _tick_step(value: float) -> float:
    """The smallest 1, 2 or 5 times a power of ten that reaches ``value`` in at most 4 steps."""
    if value <= 0:
        return 1.0
    wanted = value / MAX_Y_STEPS
    power = 10.0 ** math.floor(math.log10(wanted))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= wanted)


def _describe(
    title: str, labels: Sequence[str], series: Mapping[str, Sequence[float | None]]
) -> str:
    if not labels:
        return f"{title}: no period to show."
    span = f"{labels[0]} to {labels[-1]}" if len(labels) > 1 else labels[0]
    parts = []
    for name, values in series.items():
        known = [(v, labels[i]) for i, v in enumerate(values) if v is not None]
        if not known:
            parts.append(f"{name}: no data")
            continue
        value, label = max(known)
        parts.append(
            f"{name}: {len(known)} of {len(labels)} periods measured, "
            f"highest {seconds_text(value)} ({label}), latest {seconds_text(known[-1][0])}"
        )
    if not parts:
        return f"{title}, {span}: no data."
    return f"{title}, {span}. " + "; ".join(parts) + "."
