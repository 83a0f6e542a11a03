"""The trend chart of an indicator page, drawn as inline SVG from the numbers.

Pure: plain data in, coordinates and a text alternative out; the template draws
them. Results are a solid line with dots, the trajectory (baseline to target
through any milestones) is dashed, the projection (the least-squares line of
section 5, from the baseline to the target date) is dotted, and the target is a
diamond: each series differs in shape as well as colour. Comparator figures
(England, the region, the statistical neighbours' average) are thin lines with
square, triangle and cross markers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from services.assessment.projection import least_squares_at

from .labels import day, figure

WIDTH, HEIGHT = 760, 320
LEFT, RIGHT, TOP, BOTTOM = 70, 24, 16, 40


@dataclass(frozen=True)
class Point:
    """A plotted point: its position and what it says."""

    x: float
    y: float
    label: str


@dataclass(frozen=True)
class Series:
    """A comparator's line: its name, CSS modifier and points."""

    name: str
    kind: str  # england | region | neighbours
    points: list[Point]


@dataclass(frozen=True)
class Chart:
    """Everything the template needs to draw the chart and describe it."""

    description: str
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    results: list[Point] = field(default_factory=list)
    baseline: Point | None = None
    target: Point | None = None
    trajectory: list[Point] = field(default_factory=list)
    projection: list[Point] = field(default_factory=list)
    comparators: list[Series] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM

    @property
    def drawable(self) -> bool:
        """Whether there is anything to draw."""
        return bool(self.results or self.baseline or self.target)

    @staticmethod
    def path(points: Sequence[Point]) -> str:
        """SVG polyline points for a series."""
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in points)


@dataclass(frozen=True)
class Observation:
    """A dated value: a result, the baseline, a milestone or the target."""

    when: date
    value: float


def _on(raw: dict[str, object] | None) -> Observation | None:
    if not raw or raw.get("value") is None or not raw.get("period_end"):
        return None
    return Observation(
        date.fromisoformat(str(raw["period_end"])[:10]),
        float(raw["value"]),  # type: ignore[arg-type]
    )


def nice_step(span: float, ticks: int = 5) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving about ``ticks``."""
    if span <= 0:
        return 1.0
    raw = span / ticks
    power = 10.0 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * power:
            return m * power
    return 10 * power


COMPARATOR_LINES = (
    ("england", "england", "England"),
    ("region", "region", "Region"),
    ("neighbour_average", "neighbours", "Statistical neighbours (average)"),
)


def _comparator_series(
    periods: Sequence[dict[str, object]],
) -> list[tuple[str, str, list[Observation]]]:
    found = []
    for key, kind, name in COMPARATOR_LINES:
        points = [
            o
            for p in periods
            if (o := _on({"value": p.get(key), "period_end": p.get("period_end")}))
        ]
        if points:
            found.append((kind, name, sorted(points, key=lambda o: o.when)))
    return found


def build_chart(
    definition: dict[str, object],
    results: Sequence[dict[str, object]],
    projection_value: float | None,
    comparator_periods: Sequence[dict[str, object]] = (),
) -> Chart:
    """The chart of one indicator from its definition and its results, with
    any comparator figures (periods as ``/comparators`` gives them)."""
    unit = str(definition.get("unit") or "")
    baseline = _on(definition.get("baseline"))  # type: ignore[arg-type]
    target = _on(definition.get("target"))  # type: ignore[arg-type]
    milestones = [
        m
        for raw in definition.get("milestones") or []  # type: ignore[attr-defined]
        if (m := _on(raw)) is not None
    ]
    points = sorted(
        (o for r in results if (o := _on(r)) is not None), key=lambda o: o.when
    )
    trajectory = _trajectory(baseline, target, milestones)
    projection = _projection(baseline, points, target)
    lines = _comparator_series(comparator_periods)
    everything = [*points, *trajectory, *projection]
    everything += [o for _k, _n, line in lines for o in line]
    everything += [o for o in (baseline, target) if o is not None]
    if not everything:
        return Chart(description="There are no results, baseline or target to chart.")
    scale = _Scale(everything)
    plot = scale.point
    return Chart(
        description=_describe(
            definition, baseline, target, points, projection_value, unit
        )
        + _describe_comparators(lines, unit),
        x_ticks=scale.x_ticks(),
        y_ticks=scale.y_ticks(unit),
        results=[plot(o, f"{figure(o.value, unit)}, {day(o.when)}") for o in points],
        baseline=plot(baseline, f"Baseline {figure(baseline.value, unit)}")
        if baseline
        else None,
        target=plot(target, f"Target {figure(target.value, unit)}") if target else None,
        trajectory=[plot(o, "") for o in trajectory],
        projection=[plot(o, "") for o in projection],
        comparators=[
            Series(
                name,
                kind,
                [
                    plot(o, f"{name}: {figure(o.value, unit)}, {day(o.when)}")
                    for o in line
                ],
            )
            for kind, name, line in lines
        ],
    )


def _trajectory(
    baseline: Observation | None,
    target: Observation | None,
    milestones: list[Observation],
) -> list[Observation]:
    if baseline is None or target is None:
        return []
    inside = [m for m in milestones if baseline.when < m.when < target.when]
    return [baseline, *sorted(inside, key=lambda m: m.when), target]


def _projection(
    baseline: Observation | None,
    points: list[Observation],
    target: Observation | None,
) -> list[Observation]:
    if baseline is None or target is None:
        return []
    start = baseline.when.toordinal()
    fitted = [(0, baseline.value)] + [
        (p.when.toordinal() - start, p.value) for p in points if p.when > baseline.when
    ]
    if len(fitted) < 2:
        return []
    end = target.when.toordinal() - start
    start_value = float(least_squares_at(fitted, 0))
    end_value = float(least_squares_at(fitted, end))
    return [
        Observation(baseline.when, start_value),
        Observation(target.when, end_value),
    ]


class _Scale:
    """Maps dates and values onto the plot box."""

    def __init__(self, seen: list[Observation]) -> None:
        first = min(o.when for o in seen).toordinal()
        last = max(o.when for o in seen).toordinal()
        pad_days = max(30, (last - first) // 20)
        self.x0, self.x1 = first - pad_days, last + pad_days
        low, high = min(o.value for o in seen), max(o.value for o in seen)
        span = high - low or abs(high) or 1.0
        self.step = nice_step(span * 1.2)
        self.y0 = math.floor((low - span * 0.1) / self.step) * self.step
        self.y1 = math.ceil((high + span * 0.1) / self.step) * self.step
        if low >= 0 > self.y0:
            self.y0 = 0.0

    def x(self, when: date) -> float:
        share = (when.toordinal() - self.x0) / (self.x1 - self.x0)
        return LEFT + share * (WIDTH - RIGHT - LEFT)

    def y(self, value: float) -> float:
        share = (value - self.y0) / ((self.y1 - self.y0) or 1.0)
        return HEIGHT - BOTTOM - share * (HEIGHT - BOTTOM - TOP)

    def point(self, o: Observation, label: str) -> Point:
        return Point(self.x(o.when), self.y(o.value), label)

    def x_ticks(self) -> list[tuple[float, str]]:
        start = date.fromordinal(self.x0)
        end = date.fromordinal(self.x1)
        return [
            (self.x(d), f"Mar {year}")
            for year in range(start.year, end.year + 1)
            if start <= (d := date(year, 3, 31)) <= end
        ]

    def y_ticks(self, unit: str) -> list[tuple[float, str]]:
        count = round((self.y1 - self.y0) / self.step)
        values = [self.y0 + i * self.step for i in range(count + 1)]
        return [(self.y(v), figure(round(v, 6), unit)) for v in values]


def _describe(
    definition: dict[str, object],
    baseline: Observation | None,
    target: Observation | None,
    points: list[Observation],
    projection_value: float | None,
    unit: str,
) -> str:
    parts = [f"Trend of {definition.get('code')}."]
    if baseline:
        parts.append(
            f"Baseline {figure(baseline.value, unit)} at {day(baseline.when)}."
        )
    if points:
        listed = "; ".join(f"{figure(p.value, unit)} at {day(p.when)}" for p in points)
        parts.append(f"Results: {listed}.")
    else:
        parts.append("No results yet.")
    if target:
        parts.append(f"Target {figure(target.value, unit)} by {day(target.when)}.")
    if projection_value is not None and target:
        parts.append(
            f"Projection {figure(round(projection_value, 2), unit)} "
            f"at {day(target.when)}."
        )
    return " ".join(parts)


def _describe_comparators(
    lines: Sequence[tuple[str, str, list[Observation]]], unit: str
) -> str:
    parts = [
        f" {name}: "
        + "; ".join(f"{figure(o.value, unit)} at {day(o.when)}" for o in line)
        + "."
        for _kind, name, line in lines
    ]
    return "".join(parts)
