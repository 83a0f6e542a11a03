"""Gaps between groups of children: who is left behind, and is it getting better.

Pure: given an indicator's polarity and unit and its results in period order
(each with the breakdowns it carried), work out for every period each group's
figure, its gap to the whole population (the result itself) and to the
best-placed group of its dimension, and whether the gap to the whole population
closed, widened or stayed the same since the period before.

Small numbers are withheld by the papers' rule (``reports.labels.is_suppressed``):
a count of children below the threshold is never shown, nor a figure built on
one (a group whose ``n``, ``numerator`` or ``denominator`` is below it), nor any
gap built on a withheld figure.

A gap flag is information for the Board, never part of the RAG status: it is
raised for a group behind the whole population whose gap widened in each of the
last two periods, or whose gap is wider than the framework's
``equality_gap_threshold`` (a fraction of the whole population's figure).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from shared.breakdowns import DIMENSION_LABELS, describe

from .labels import is_suppressed

Direction = Literal["closing", "widening", "unchanged"]
Position = Literal["behind", "ahead", "level"]
# Gaps within half of a published decimal place are the same gap.
UNCHANGED_WITHIN = 0.05
DEFAULT_GAP_THRESHOLD = 0.2


@dataclass(frozen=True)
class GroupGap:
    """One group's figure in one period, and how far it stands from the others."""

    key: str
    label: str
    dimension: str
    value: float | None  # None when withheld
    suppressed: bool
    gap_to_all: float | None  # group minus whole population, signed
    gap_to_best: float | None  # how far behind the best-placed group, >= 0
    position: Position | None
    best: bool
    direction: Direction | None
    flags: tuple[dict[str, str], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "group": self.key,
            "label": self.label,
            "dimension": self.dimension,
            "value": self.value,
            "suppressed": self.suppressed,
            "gap_to_all": self.gap_to_all,
            "gap_to_best": self.gap_to_best,
            "position": self.position,
            "best": self.best,
            "direction": self.direction,
            "flags": list(self.flags),
        }


@dataclass(frozen=True)
class PeriodGroups:
    """Every group of one period's result."""

    period_end: str
    overall: float | None  # None when withheld
    groups: tuple[GroupGap, ...] = field(default_factory=tuple)

    def dimensions(self) -> list[dict[str, Any]]:
        """Groups by dimension, in the vocabulary's order."""
        order = list(DIMENSION_LABELS)
        found: dict[str, list[GroupGap]] = {}
        for g in self.groups:
            found.setdefault(g.dimension, []).append(g)
        return [
            {
                "dimension": d,
                "label": DIMENSION_LABELS.get(d, d),
                "groups": [g.as_dict() for g in found[d]],
            }
            for d in sorted(found, key=lambda d: order.index(d) if d in order else 99)
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "period_end": self.period_end,
            "overall": self.overall,
            "dimensions": self.dimensions(),
        }


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def withheld(
    value: Any, counts: Mapping[str, Any] | None, unit: str, threshold: float
) -> bool:
    """The papers' small-number rule, applied to a group and the counts behind it."""
    if is_suppressed(_number(value), unit, threshold):
        return True
    for count in (counts or {}).values():
        number = _number(count)
        if number is not None and number < threshold:
            return True
    return False


def behind_by(value: float, other: float, polarity: str) -> float:
    """How far ``value`` is worse than ``other`` (negative when it is better)."""
    return other - value if polarity != "lower_is_better" else value - other


def position_of(gap_to_all: float, polarity: str) -> Position:
    if abs(gap_to_all) < 1e-9:
        return "level"
    worse = gap_to_all < 0 if polarity != "lower_is_better" else gap_to_all > 0
    return "behind" if worse else "ahead"


def direction_of(before: float | None, now: float | None) -> Direction | None:
    """Closing when the gap to the whole population narrowed, widening when it grew."""
    if before is None or now is None:
        return None
    change = abs(now) - abs(before)
    if abs(change) < UNCHANGED_WITHIN:
        return "unchanged"
    return "widening" if change > 0 else "closing"


def _period(
    result: Mapping[str, Any],
    polarity: str,
    unit: str,
    threshold: float,
) -> PeriodGroups:
    raw_overall = _number(result.get("value"))
    overall = None if withheld(raw_overall, None, unit, threshold) else raw_overall
    counts_of = result.get("breakdown_counts") or {}
    rows = []
    for name, raw in (result.get("breakdowns") or {}).items():
        info = describe(str(name))
        value = _number(raw)
        hidden = value is not None and withheld(
            value, counts_of.get(name), unit, threshold
        )
        shown = None if hidden else value
        rows.append((info, shown, hidden))
    best_in: dict[str, float] = {}
    shown_in: dict[str, int] = {}
    for info, shown, _ in rows:
        if shown is None:
            continue
        shown_in[info.dimension] = shown_in.get(info.dimension, 0) + 1
        top = best_in.get(info.dimension)
        if top is None or behind_by(shown, top, polarity) < 0:
            best_in[info.dimension] = shown
    groups = []
    for info, shown, hidden in sorted(
        rows, key=lambda r: (r[0].dimension, r[0].order, r[0].key)
    ):
        gap_all = (
            round(shown - overall, 9)
            if shown is not None and overall is not None
            else None
        )
        top = best_in.get(info.dimension)
        gap_best = (
            round(behind_by(shown, top, polarity), 9)
            if shown is not None and top is not None and shown_in[info.dimension] > 1
            else None
        )
        groups.append(
            GroupGap(
                key=info.key,
                label=info.label,
                dimension=info.dimension,
                value=shown,
                suppressed=hidden,
                gap_to_all=gap_all,
                gap_to_best=gap_best,
                position=None if gap_all is None else position_of(gap_all, polarity),
                best=gap_best is not None and abs(gap_best) < 1e-9,
                direction=None,
            )
        )
    return PeriodGroups(str(result.get("period_end")), overall, tuple(groups))


def _flags(
    group: GroupGap,
    overall: float | None,
    widened_before: bool,
    gap_threshold: float,
) -> tuple[dict[str, str], ...]:
    if group.position != "behind" or group.gap_to_all is None:
        return ()
    flags = []
    if group.direction == "widening" and widened_before:
        flags.append(
            {
                "code": "gap_widening",
                "explanation": f"The gap between {group.label.lower()} and all "
                "children has widened two periods in a row.",
            }
        )
    if overall and abs(group.gap_to_all) > gap_threshold * abs(overall):
        flags.append(
            {
                "code": "gap_wide",
                "explanation": f"{group.label} are behind all children by more "
                f"than {gap_threshold:.0%} of the figure for all children.",
            }
        )
    return tuple(flags)


def group_series(
    results: Iterable[Mapping[str, Any]],
    polarity: str,
    unit: str,
    threshold: float,
    gap_threshold: float | None = None,
) -> list[PeriodGroups]:
    """Every period that carries a breakdown, oldest first, with directions and flags.

    The direction compares a group's gap with its gap in the previous period that
    carried a breakdown; a group that period did not have (or withheld) has none.
    """
    limit = DEFAULT_GAP_THRESHOLD if gap_threshold is None else gap_threshold
    ordered = sorted(
        (r for r in results if r.get("breakdowns")),
        key=lambda r: str(r.get("period_end")),
    )
    series: list[PeriodGroups] = []
    previous: dict[str, GroupGap] = {}
    for result in ordered:
        period = _period(result, polarity, unit, threshold)
        groups = []
        for g in period.groups:
            before = previous.get(g.key)
            direction = direction_of(
                before.gap_to_all if before else None, g.gap_to_all
            )
            g = replace(g, direction=direction)
            widened_before = before is not None and before.direction == "widening"
            g = replace(g, flags=_flags(g, period.overall, widened_before, limit))
            groups.append(g)
        period = PeriodGroups(period.period_end, period.overall, tuple(groups))
        previous = {g.key: g for g in groups}
        series.append(period)
    return series


def widest(series: Sequence[PeriodGroups]) -> list[GroupGap]:
    """The latest period's groups behind the whole population, flagged first,
    then by how far behind relative to the whole population's figure."""
    if not series:
        return []
    latest = series[-1]
    behind = [g for g in latest.groups if g.position == "behind"]

    def size(g: GroupGap) -> float:
        gap = abs(g.gap_to_all or 0.0)
        return gap / abs(latest.overall) if latest.overall else gap

    return sorted(behind, key=lambda g: (not g.flags, -size(g), g.key))


def framework_gaps(
    indicators: Iterable[tuple[Mapping[str, Any], Iterable[Mapping[str, Any]]]],
    threshold: float,
    gap_threshold: float | None = None,
) -> dict[str, Any]:
    """Across indicators (each a definition and its results), the groups behind
    all children in each latest breakdown: flagged first, then widest for the
    size of the figure for all children."""
    gaps: list[dict[str, Any]] = []
    covered = 0
    for entry, results in indicators:
        series = group_series(
            results,
            str(entry.get("polarity") or "higher_is_better"),
            str(entry.get("unit") or ""),
            threshold,
            gap_threshold,
        )
        if not series:
            continue
        covered += 1
        latest = series[-1]
        for g in widest(series):
            gap = abs(g.gap_to_all or 0.0)
            gaps.append(
                {
                    "code": entry["code"],
                    "title": entry.get("title"),
                    "unit": entry.get("unit"),
                    "polarity": entry.get("polarity"),
                    "period_end": latest.period_end,
                    "overall": latest.overall,
                    **g.as_dict(),
                    "relative_gap": gap / abs(latest.overall)
                    if latest.overall
                    else None,
                }
            )
    gaps.sort(
        key=lambda g: (
            not g["flags"],
            -(g["relative_gap"] or 0.0),
            g["code"],
            g["group"],
        )
    )
    return {
        "small_number_threshold": threshold,
        "gap_threshold": DEFAULT_GAP_THRESHOLD
        if gap_threshold is None
        else gap_threshold,
        "indicators_with_breakdowns": covered,
        "flagged": sum(1 for g in gaps if g["flags"]),
        "widening": sum(1 for g in gaps if g["direction"] == "widening"),
        "gaps": gaps,
    }


def gap_threshold_of(settings: Mapping[str, Any]) -> float:
    """The framework's gap threshold, or the default when it sets none."""
    value = settings.get("equality_gap_threshold")
    return float(value) if isinstance(value, int | float) else DEFAULT_GAP_THRESHOLD
