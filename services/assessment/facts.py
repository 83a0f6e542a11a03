"""The plain facts an assessment reads and the facts it produces.

Everything here is an immutable value with no behaviour beyond conversion to and from
JSON-ready data, so the rules in the sibling modules stay pure functions over these
values and the adapters (events, HTTP, reports) share one vocabulary.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal, Protocol

Polarity = Literal["higher_is_better", "lower_is_better", "closer_is_better"]
Frequency = Literal["annual", "half_yearly", "quarterly", "termly", "monthly"]
Status = Literal["GREEN", "AMBER", "RED", "GREY"]
Direction = Literal["improving", "worsening", "no_change", "none"]
Prediction = Literal["on_target", "off_target"]
Source = Literal["lead", "laa"]
RagMode = Literal["red_green", "red_amber_green"]
Decision = Literal["upheld", "lead_view_accepted"]


class Observed(Protocol):
    """Anything with a value for a period: a baseline, a target, a milestone, a result.

    The projection and trajectory only need these two attributes, so they accept
    points and results alike.
    """

    @property
    def period_end(self) -> date: ...

    @property
    def value(self) -> float: ...


def sign(polarity: Polarity) -> int:
    """The s of section 5: +1 when higher is better, -1 when lower is better.

    `closer_is_better` has no sign (its rules use distances to the target), so asking
    for one is a programming error and fails loudly.
    """
    if polarity == "higher_is_better":
        return 1
    if polarity == "lower_is_better":
        return -1
    raise ValueError("closer_is_better has no sign: use distances to the target")


@dataclass(frozen=True, slots=True)
class Point:
    """A value at a period end: a baseline, a target or a milestone."""

    period_end: date
    value: float

    def to_dict(self) -> dict[str, Any]:
        return {"period_end": self.period_end.isoformat(), "value": self.value}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Point:
        return cls(date.fromisoformat(data["period_end"]), data["value"])


@dataclass(frozen=True, slots=True)
class Result:
    """One result as it counts for assessment: a lead's return or an LAA result."""

    period_end: date
    value: float
    prediction: Prediction | None = None
    source: Source = "lead"

    def to_dict(self) -> dict[str, Any]:
        return {
            "period_end": self.period_end.isoformat(),
            "value": self.value,
            "prediction": self.prediction,
            "source": self.source,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Result:
        return cls(
            date.fromisoformat(data["period_end"]),
            data["value"],
            data.get("prediction"),
            data.get("source", "lead"),
        )


@dataclass(frozen=True, slots=True)
class Definition:
    """The parts of an indicator's definition that the assessment rules read."""

    code: str
    polarity: Polarity
    frequency: Frequency = "annual"
    measurable: bool = True
    laa: bool = False
    retired: bool = False
    lead_organisation: str | None = None
    named_lead: str | None = None  # the lead's name (or email) when one is named
    baseline: Point | None = None
    target: Point | None = None
    milestones: tuple[Point, ...] = ()
    tolerance: float | None = None


@dataclass(frozen=True, slots=True)
class FrameworkSettings:
    """The framework settings that change answers; they travel in events."""

    rag_mode: RagMode = "red_green"
    amber_fraction: float = 0.05
    significance: float = 0.10


@dataclass(frozen=True, slots=True)
class RoundContext:
    """The collection round an assessment is made at.

    MISSING_RETURN and STALE_RESULT are judged at a round; without one they never
    apply.
    """

    round_id: str
    period_end: date
    closed: bool
    in_scope: bool


@dataclass(frozen=True, slots=True)
class Flag:
    """A challenge flag: a stable code and the sentence an Executive member reads."""

    code: str
    explanation: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "explanation": self.explanation}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Flag:
        return cls(data["code"], data["explanation"])


@dataclass(frozen=True, slots=True)
class Assessment:
    """Everything section 5 says about one indicator at one moment."""

    status: Status
    explanation: str  # the one line a Board member reads; for GREY says why
    projection: float | None
    gap: float | None  # gap = s*(p-T), or |p-T| for closer_is_better
    tolerance: float | None
    expected: float | None  # trajectory value at the latest result's date
    on_trajectory: bool | None
    direction: Direction
    significantly_improved: bool
    very_good_performance: bool
    latest: Result | None
    previous: Result | None
    flags: tuple[Flag, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "explanation": self.explanation,
            "projection": self.projection,
            "gap": self.gap,
            "tolerance": self.tolerance,
            "expected": self.expected,
            "on_trajectory": self.on_trajectory,
            "direction": self.direction,
            "significantly_improved": self.significantly_improved,
            "very_good_performance": self.very_good_performance,
            "latest": None if self.latest is None else self.latest.to_dict(),
            "previous": None if self.previous is None else self.previous.to_dict(),
            "flags": [flag.to_dict() for flag in self.flags],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Assessment:
        latest, previous = data.get("latest"), data.get("previous")
        return cls(
            status=data["status"],
            explanation=data["explanation"],
            projection=data.get("projection"),
            gap=data.get("gap"),
            tolerance=data.get("tolerance"),
            expected=data.get("expected"),
            on_trajectory=data.get("on_trajectory"),
            direction=data["direction"],
            significantly_improved=data["significantly_improved"],
            very_good_performance=data["very_good_performance"],
            latest=None if latest is None else Result.from_dict(latest),
            previous=None if previous is None else Result.from_dict(previous),
            flags=tuple(Flag.from_dict(flag) for flag in data.get("flags", ())),
        )
