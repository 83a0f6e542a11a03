"""Percentages kept as fractions (0.625 for 62.5%), read as percentages, out loud.

Pure. Excel keeps a cell shown as 62.5% as the number 0.625, and many
councils type fractions into a column of percentages. pmf keeps percent
indicators in percent (62.5), so an import reads such values as
percentages in two cases, and each time says so in a :class:`Note` that
the preview and the dry run show, column by column; it never does it
silently:

- the cell is formatted as a percentage in the workbook (its number format
  has a ``%``): the reader multiplies it by 100 and notes the column
  (:func:`formatted_note`);
- the indicator's unit is percent and *every* value the file gives for
  percent indicators (baselines, targets and milestones together) is a
  fraction (between 0 and 1, one at least strictly between):
  :func:`fractions_as_percentages` multiplies those by 100. One value above
  1 means the file already writes percentages and nothing changes, so an
  export (a real framework has some percentage above 1%) reads back as it
  was written. A tolerance of 0.5 percentage points is a real tolerance, so
  the tolerance column changes only when Excel formats it as a percentage.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

PERCENT_UNITS = ("percent", "percentage", "per cent", "%")
FRACTION_COLUMNS = ("baseline_value", "target_value", "milestones")


@dataclass(frozen=True)
class Note:
    """How the values of one column were read, and on which rows."""

    column: str
    message: str
    rows: tuple[int, ...] = ()

    def __str__(self) -> str:
        return f"{self.column}: {self.message}"


def is_percent(unit: str | None) -> bool:
    """Whether ``unit`` is a percentage."""
    return (unit or "").strip().lower() in PERCENT_UNITS


def times_100(value: float) -> float:
    """``value`` as a percentage, without binary noise (0.1 is 10, not
    10.000000000000002): the decimal the number was written as, times 100."""
    return float(Decimal(repr(float(value))) * 100)


def number_text(value: float) -> str:
    """The shortest text of ``value`` (62.5, 60 rather than 60.0)."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def formatted_note(column: str, rows: Sequence[int]) -> Note:
    """The note for cells Excel formatted as percentages."""
    n = len(rows)
    cells = f"{n} cell{'s' * (n != 1)}"
    return Note(
        column,
        f"{cells} formatted as percentages in the workbook (rows "
        f"{_rows_text(rows)}) were read as the percentages shown, "
        "so 62.5% is 62.5, not 0.625",
        tuple(rows),
    )


def fractions_as_percentages(
    rows: Sequence[Mapping[str, str]],
    units: Mapping[str, str],
    first_row: int = 2,
    read_already: Sequence[Note] = (),
) -> tuple[list[dict[str, str]], list[Note]]:
    """``rows`` with the fractions of percent indicators read as percentages,
    and a note for each column that changed. ``units`` are the units of the
    indicators already in the framework (a row without a unit cell keeps its
    indicator's unit). ``read_already`` are the reader's notes of cells
    formatted as percentages: those hold percentages already, so they are
    neither judged nor changed here (a baseline column formatted as
    percentages beside a target column of plain fractions still has its
    fractions read)."""
    done = {(r, n.column) for n in read_already for r in n.rows}
    out = [dict(r) for r in rows]
    percent_rows = [
        i
        for i, r in enumerate(out)
        if is_percent((r.get("unit") or "").strip() or units.get(_code(r)))
    ]
    found: dict[str, dict[int, list[float]]] = {}
    for column in FRACTION_COLUMNS:
        read = _milestone_values if column == "milestones" else _number_values
        found[column] = {
            i: values
            for i in percent_rows
            if (first_row + i, column) not in done
            and (values := read(out[i].get(column) or "")) is not None
            and values
        }
    every = [v for cells in found.values() for vs in cells.values() for v in vs]
    if not every or not all(0 <= v <= 1 for v in every):
        return out, []
    if not any(0 < v < 1 for v in every):
        return out, []  # only 0s and 1s: nothing says they are fractions
    example = next(v for v in every if 0 < v < 1)
    notes: list[Note] = []
    for column, cells in found.items():
        if not cells:
            continue
        for i in cells:
            out[i][column] = _scaled(column, out[i][column])
        numbers = [first_row + i for i in sorted(cells)]
        notes.append(
            Note(
                column,
                "every value of the percent indicators in the file was a fraction "
                "between 0 and 1, so each was read as a percentage "
                f"({number_text(example)} as {number_text(times_100(example))}) "
                f"on rows {_rows_text(numbers)}; write percentages such as 62.5 "
                "to keep them as they are",
                tuple(numbers),
            )
        )
    return out, notes


def _code(row: Mapping[str, str]) -> str:
    return (row.get("code") or "").strip()


def _number(text: str) -> float | None:
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _number_values(text: str) -> list[float] | None:
    """The cell's number, or None when it is not one (the row reports that)."""
    if not text.strip():
        return []
    value = _number(text)
    return None if value is None else [value]


def _milestone_values(text: str) -> list[float] | None:
    values = []
    for item in (p.strip() for p in text.split(";")):
        if not item:
            continue
        value = _number(item.partition("=")[2])
        if value is None:
            return None
        values.append(value)
    return values


def _scaled(column: str, text: str) -> str:
    if column != "milestones":
        value = _number(text)
        return number_text(times_100(value)) if value is not None else text
    items = []
    for item in (p.strip() for p in text.split(";")):
        if item:
            day, _, raw = item.partition("=")
            value = _number(raw)
            items.append(f"{day.strip()}={number_text(times_100(value or 0.0))}")
    return "; ".join(items)


def _rows_text(rows: Sequence[int]) -> str:
    shown = ", ".join(str(r) for r in rows[:10])
    return shown + (f" and {len(rows) - 10} more" if len(rows) > 10 else "")
