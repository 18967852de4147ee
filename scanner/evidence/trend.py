"""The trend chart of the report: control status per run, as stacked bars in inline SVG.

Geometry is computed here; `templates/report/trend.svg.j2` only draws it, so the chart needs
no script and no asset from the network.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scanner.evidence.history import RunColumn
from scanner.evidence.rollup import ControlStatus

# Bottom to top: what needs attention first.
STACK_ORDER = (
    ControlStatus.FAILED,
    ControlStatus.WAIVED,
    ControlStatus.PASSED,
    ControlStatus.NO_EVIDENCE,
    ControlStatus.MANUAL,
)
MAX_RUNS = 40
_PLOT_HEIGHT = 160
_TOP = 12
_LEFT = 36
_BAR = 18
_STEP = 28
_LABEL_SPACE = 64
_RIGHT = 72  # room for the last run's slanted label


@dataclass
class Segment:
    """One status's part of a bar."""

    status: str
    count: int
    y: float
    height: float


@dataclass
class Bar:
    """One run: its position, its labels and its stacked segments."""

    x: float
    label: str
    commit: str
    title: str
    segments: list[Segment] = field(default_factory=list)


@dataclass
class TrendChart:
    """Everything the SVG template draws."""

    width: int
    height: int
    plot_top: int
    plot_bottom: int
    left: int
    bar_width: int
    max_controls: int
    bars: list[Bar]
    runs_total: int

    @property
    def ticks(self) -> list[tuple[float, int]]:
        """Y positions and values of the axis ticks (0, half, max)."""
        values = sorted({0, self.max_controls // 2, self.max_controls})
        return [(self._y(value), value) for value in values]

    def _y(self, value: int) -> float:
        scale = _PLOT_HEIGHT / self.max_controls if self.max_controls else 0.0
        return round(self.plot_bottom - value * scale, 2)


def trend_chart(runs: list[RunColumn]) -> TrendChart:
    """Stacked bars of the last `MAX_RUNS` runs, oldest left."""
    shown = runs[-MAX_RUNS:]
    max_controls = max((len(run.statuses) for run in shown), default=0)
    chart = TrendChart(
        width=max(_LEFT + len(shown) * _STEP + _RIGHT, 320),
        height=_TOP + _PLOT_HEIGHT + _LABEL_SPACE,
        plot_top=_TOP,
        plot_bottom=_TOP + _PLOT_HEIGHT,
        left=_LEFT,
        bar_width=_BAR,
        max_controls=max_controls,
        bars=[],
        runs_total=len(runs),
    )
    scale = _PLOT_HEIGHT / max_controls if max_controls else 0.0
    for index, run in enumerate(shown):
        bar = Bar(
            x=_LEFT + 8 + index * _STEP,
            label=run.recorded_at[5:10],
            commit=(run.git_commit or "")[:7],
            title=_title(run),
        )
        bottom = float(chart.plot_bottom)
        for status in STACK_ORDER:
            count = sum(1 for value in run.statuses.values() if value == status.value)
            if not count:
                continue
            height = round(count * scale, 2)
            bottom = round(bottom - height, 2)
            bar.segments.append(Segment(status.value, count, bottom, height))
        chart.bars.append(bar)
    return chart


def _title(run: RunColumn) -> str:
    counts = []
    for status in STACK_ORDER:
        count = sum(1 for value in run.statuses.values() if value == status.value)
        if count:
            counts.append(f"{count} {status.value}")
    commit = (run.git_commit or "no commit")[:12] + (" (uncommitted changes)" if run.dirty else "")
    return f"{run.recorded_at} at {commit}: {', '.join(counts) or 'no controls'}"
