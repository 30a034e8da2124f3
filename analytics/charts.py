"""Bar charts drawn on the server as SVG: no script, no file from elsewhere, so they show under
the pages' content security policy and without internet. Colours come from the reports' stylesheet."""

import math
from dataclasses import dataclass

WIDTH_PER_BAR = 26
GAP_BETWEEN_GROUPS = 32
PLOT_HEIGHT = 240
LEFT, TOP, BOTTOM = 64, 16, 80
MIN_PLOT_WIDTH = 480


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int
    title: str


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class BarChart:
    title: str
    width: float
    height: float
    plot_left: float
    plot_right: float
    baseline: float
    bars: list[Bar]
    categories: list[Label]
    ticks: list[Label]
    legend: list[tuple[int, str]]


def nice_ceiling(value: float, *, whole: bool = False) -> tuple[float, float]:
    """A round top for the axis at or above `value`, and its step: 1, 2 or 5 times a power of ten,
    about five steps; never under 1 when the values are counts (`whole`)."""
    if value <= 0:
        return (1.0, 1.0) if whole else (1.0, 0.2)
    raw_step = max(value / 5, 1) if whole else value / 5
    magnitude = 10 ** math.floor(math.log10(raw_step))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw_step)
    return step * math.ceil(value / step - 1e-9), step


def bar_chart(
    *,
    title: str,
    categories: list[str],
    series: dict[str, list[float | None]],
    unit: str = "",
) -> BarChart:
    """Grouped vertical bars: one group per category, one bar per series (a missing value draws
    none). `unit` follows each value in the bars' tooltips."""
    names = list(series)
    values = [value for column in series.values() for value in column if value is not None]
    top, step = nice_ceiling(
        max(values, default=0), whole=all(isinstance(value, int) for value in values)
    )
    group_width = WIDTH_PER_BAR * len(names) + GAP_BETWEEN_GROUPS
    plot_width = max(MIN_PLOT_WIDTH, group_width * len(categories))
    baseline = TOP + PLOT_HEIGHT
    bars, labels = [], []
    offset = (plot_width - group_width * len(categories)) / 2
    for index, category in enumerate(categories):
        group_left = LEFT + offset + index * group_width + GAP_BETWEEN_GROUPS / 2
        labels.append(
            Label(x=group_left + WIDTH_PER_BAR * len(names) / 2, y=baseline + 14, text=category)
        )
        for number, name in enumerate(names):
            value = series[name][index]
            if value is None:
                continue
            height = PLOT_HEIGHT * value / top
            bars.append(
                Bar(
                    x=group_left + number * WIDTH_PER_BAR,
                    y=baseline - height,
                    width=WIDTH_PER_BAR - 2,
                    height=height,
                    series=number,
                    title=f"{category}, {name}: {_figure(value)}{unit}",
                )
            )
    ticks = [
        Label(x=LEFT - 6, y=baseline - PLOT_HEIGHT * n * step / top, text=_figure(n * step))
        for n in range(round(top / step) + 1)
    ]
    return BarChart(
        title=title,
        width=LEFT + plot_width + 8,
        height=baseline + BOTTOM,
        plot_left=LEFT,
        plot_right=LEFT + plot_width,
        baseline=baseline,
        bars=bars,
        categories=labels,
        ticks=ticks,
        legend=list(enumerate(names)),
    )


def _figure(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() or abs(value) >= 100 else f"{value:,.1f}"
