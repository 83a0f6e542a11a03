"""The return sheet: every outstanding indicator of a lead for a round on one form.

Pure logic, no I/O: which rows the sheet shows (with the figures a lead needs to
judge their own result), reading the posted rows into return commands with
errors and warnings by row, and which warnings still need the lead's word.

Decisions (also in docs/decisions.md, "Return sheet"):

- A row without a result is ignored on submit, whatever else was typed in it
  (a draft keeps it). Each row is judged on its own: a bad row never holds back
  a good one, so one submit records every row that is ready.
- A result that looks implausible is warned about, never refused: more than ten
  times or less than a tenth of the previous result (by size, when that was not
  zero), a percentage above 100 or below 0, or a negative count or rate. The
  row is not recorded until the lead ticks "this figure is right" beside it.
- The period of every row is the round's period end: a result for another
  period goes through the single return form below the sheet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.assessment.trajectory import expected

from .forms import Errors, parse_number, parse_return

ROW_FIELDS = ("code", "value", "prediction", "commentary", "confirm")
TYPED = ("value", "prediction", "commentary")
PREDICTIONS = ("on_target", "off_target", "none", "")
# Units that count children or events: never below zero.
COUNT_UNITS = frozenset(
    {"number", "rate_per_1000", "rate_per_10000", "rate_per_100000"}
)
RATIO = 10.0


@dataclass(frozen=True)
class _Point:
    period_end: date
    value: float


def _point(raw: Mapping[str, Any] | None) -> _Point | None:
    if not raw or raw.get("value") is None or not raw.get("period_end"):
        return None
    return _Point(date.fromisoformat(str(raw["period_end"])[:10]), float(raw["value"]))


def trajectory_value(indicator: Mapping[str, Any], on: date) -> float | None:
    """Where the plan expects the indicator to be on ``on`` (None without a
    baseline and a target)."""
    baseline = _point(indicator.get("baseline"))
    target = _point(indicator.get("target"))
    if baseline is None or target is None:
        return None
    milestones = [
        p for p in (_point(m) for m in indicator.get("milestones") or ()) if p
    ]
    return expected(baseline, target, milestones, on)


def sheet_rows(
    indicators: Iterable[Mapping[str, Any]], outstanding: set[str], period_end: date
) -> list[dict[str, Any]]:
    """The sheet's rows: each indicator still owed for the round, with its unit,
    previous result, target and the trajectory's value at the period end."""
    rows = []
    for ind in indicators:
        if ind["code"] not in outstanding:
            continue
        latest = ind.get("latest_result") or None
        previous = (
            {"value": latest["value"], "period_end": latest["period_end"]}
            if latest and str(latest["period_end"])[:10] < period_end.isoformat()
            else None
        )
        rows.append(
            {
                "code": ind["code"],
                "title": ind["title"],
                "unit": ind.get("unit") or "",
                "polarity": ind.get("polarity"),
                "previous": previous,
                "target": ind.get("target"),
                "trajectory": trajectory_value(ind, period_end),
            }
        )
    return rows


def warnings_for(value: float, unit: str, previous: float | None) -> list[str]:
    """Why a result looks implausible (empty when it looks fine)."""
    found = []
    if unit == "percent" and not 0 <= value <= 100:
        found.append("A percentage is normally between 0 and 100")
    if unit in COUNT_UNITS and value < 0:
        found.append("A count or rate cannot normally be negative")
    if previous:
        ratio = abs(value) / abs(previous)
        if ratio > RATIO:
            found.append("This is more than ten times the previous result")
        elif ratio < 1 / RATIO:
            found.append("This is less than a tenth of the previous result")
    return found


@dataclass
class SheetRow:
    """One posted row: what was typed and what became of it."""

    index: int
    code: str
    typed: dict[str, str]
    command: dict[str, Any] | None = None
    errors: Errors = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    confirmed: bool = False

    @property
    def ready(self) -> bool:
        """Whether the row can be recorded now."""
        return self.command is not None and (not self.warnings or self.confirmed)

    @property
    def blank(self) -> bool:
        """Whether the lead typed anything in this row."""
        return not any(self.typed.get(k) for k in TYPED if k != "prediction") and (
            self.typed.get("prediction") in ("", "none", None)
        )


def posted_rows(fields: Mapping[str, str]) -> list[tuple[int, dict[str, str]]]:
    """The rows of a posted sheet, by their index, as ``row-N-name`` fields."""
    rows: dict[int, dict[str, str]] = {}
    for name, value in fields.items():
        parts = name.split("-", 2)
        if len(parts) != 3 or parts[0] != "row" or not parts[1].isdigit():
            continue
        if parts[2] in ROW_FIELDS:
            rows.setdefault(int(parts[1]), {})[parts[2]] = value
    return sorted(rows.items())


def read_sheet(
    fields: Mapping[str, str],
    rows: Mapping[str, Mapping[str, Any]],
    period_end: date,
) -> tuple[list[SheetRow], list[str]]:
    """Each posted row judged on its own, and messages for rows naming an
    indicator that is not on this visitor's sheet (sent twice, or not theirs)."""
    judged: list[SheetRow] = []
    strays: list[str] = []
    for index, typed in posted_rows(fields):
        code = typed.get("code", "")
        row = rows.get(code)
        values = {k: typed.get(k, "") for k in TYPED}
        if row is None:
            if typed.get("value"):
                strays.append(
                    f"{code or 'A row'}: not recorded, it is not outstanding "
                    "for you at this round"
                )
            continue
        found = SheetRow(index, code, values, confirmed=typed.get("confirm") == "yes")
        judged.append(found)
        if not values["value"]:
            continue
        if values["prediction"] not in PREDICTIONS:
            found.errors["prediction"] = "Choose on target, off target or no prediction"
            continue
        command, errors = parse_return(
            {
                "indicator_code": code,
                "period_end": period_end.isoformat(),
                "value": values["value"],
                "prediction": values["prediction"],
                "commentary": values["commentary"],
            }
        )
        found.errors.update(errors)
        if command is None:
            continue
        found.command = command
        previous = (row.get("previous") or {}).get("value")
        value = parse_number(values["value"])
        assert value is not None  # parse_return accepted it
        found.warnings = warnings_for(value, row.get("unit") or "", previous)
    return judged, strays


def draft_values(judged: Iterable[SheetRow]) -> dict[str, dict[str, str]]:
    """What to keep of the typed rows, by indicator code (blank rows dropped)."""
    return {r.code: dict(r.typed) for r in judged if not r.blank}
