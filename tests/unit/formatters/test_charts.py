"""The stats charts' geometry: where points fall in the viewBox, the axis in a readable unit,
gaps for periods without data, and the sentence and table that say the same as the drawing."""

from __future__ import annotations

from kubemedic.formatters.charts import HEIGHT, line_chart, seconds_text

LABELS = ["2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"]
TICKS = ["Nov 2", "Nov 9", "Nov 16", "Nov 23"]


def test_points_span_the_plot_and_the_highest_reaches_the_top_tick() -> None:
    chart = line_chart("MTTR", "Week starting", LABELS, TICKS, {"MTTR": [600, None, 1200, 300]})
    [line] = chart.lines
    width = chart.right - chart.left
    assert [d.x for d in line.dots] == [
        chart.left,
        round(chart.left + 2 * width / 3, 1),
        chart.right,
    ]
    assert chart.left < chart.right < chart.width
    ys = [d.y for d in line.dots]
    assert ys[1] < ys[0] < ys[2] <= chart.bottom  # 1200 s is higher than 600 s, 300 s lowest
    assert ys[1] == chart.y_ticks[-1].at == chart.top  # 20 min is the top of a 0-20 min axis
    assert [t.label for t in chart.y_ticks] == ["0 min", "5 min", "10 min", "15 min", "20 min"]
    assert chart.y_ticks[0].at == chart.bottom == HEIGHT - 40
    assert line.points == " ".join(f"{d.x},{d.y}" for d in line.dots)
    assert line.dots[1].label == "MTTR, 2026-11-16: 20m"


def test_a_period_without_data_is_a_gap_in_the_table_too() -> None:
    chart = line_chart("MTTD", "Week starting", LABELS, TICKS, {"MTTD": [None, 45, None, 90]})
    assert chart.points == 2
    assert chart.rows == (
        ("2026-11-02", "no data"),
        ("2026-11-09", "45s"),
        ("2026-11-16", "no data"),
        ("2026-11-23", "90s"),
    )
    assert chart.unit == "s"
    assert [t.label for t in chart.y_ticks] == ["0 s", "50 s", "100 s"]
    assert chart.description == (
        "MTTD, 2026-11-02 to 2026-11-23. MTTD: 2 of 4 periods measured, "
        "highest 90s (2026-11-23), latest 90s."
    )


def test_several_series_share_one_axis_in_hours() -> None:
    chart = line_chart(
        "Approval latency",
        "Day",
        LABELS[:2],
        TICKS[:2],
        {"low": [600, None], "critical": [None, 3 * 3600]},
    )
    assert chart.columns == ("Day", "low", "critical")
    assert [len(line.dots) for line in chart.lines] == [1, 1]
    assert [t.label for t in chart.y_ticks] == ["0 h", "1 h", "2 h", "3 h"]
    assert chart.rows[1] == ("2026-11-09", "no data", "3h")


def test_a_single_period_sits_in_the_middle() -> None:
    chart = line_chart("MTTD", "Hour", ["2026-12-07 10:00"], ["10:00"], {"MTTD": [30]})
    assert chart.lines[0].dots[0].x == (chart.left + chart.right) / 2


def test_long_axes_label_only_some_periods() -> None:
    labels = [f"2026-12-07 {h:02d}:00" for h in range(24)]
    chart = line_chart("MTTD", "Hour", labels, [x[-5:] for x in labels], {"MTTD": [None] * 24})
    assert [t.label for t in chart.x_ticks] == [
        "00:00",
        "04:00",
        "08:00",
        "12:00",
        "16:00",
        "20:00",
    ]
    assert chart.points == 0
    assert chart.description == ("MTTD, 2026-12-07 00:00 to 2026-12-07 23:00. MTTD: no data.")


def test_seconds_read_like_kubectl_ages() -> None:
    assert [seconds_text(v) for v in (None, 42, 600, 10_800)] == ["no data", "42s", "10m", "3h"]
