"""Reading a comparator file (CSV or XLSX) as LG Inform or LAIT export it.

Pure: bytes in, rows and row errors out. Forgiving in the way an officer's
download is written: column names have synonyms ("ONS code", "LA name",
"Time period", "Data value"), a title block above the header is skipped,
financial years ("2008/09") and UK dates are read as period ends, "%" and
thousands separators are dropped, and a suppressed figure ("x", "c", "..",
"[c]") is left out with a note rather than refused. A LAIT-style wide sheet
(one column a year) is read as one row per area and year.

Anything else that cannot be read is an error naming its row and column, and
a file with any error loads nothing.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from shared.periods import parse_day

ENGLAND_CODE = "E92000001"
REGION_PREFIX = "E12"
HEADER_SEARCH_ROWS = 30
MAX_ROWS = 50_000

SYNONYMS: Mapping[str, tuple[str, ...]] = {
    "area_code": (
        "area code",
        "area_code",
        "areacode",
        "ons code",
        "la code",
        "new la code",
        "local authority code",
        "geography code",
        "area id",
        "code",
    ),
    "area_name": (
        "area name",
        "area_name",
        "area",
        "la name",
        "local authority",
        "local authority name",
        "geography name",
        "authority",
        "name",
    ),
    "area_type": (
        "area type",
        "area_type",
        "type",
        "comparator type",
        "comparator",
        "comparator group",
        "geography type",
        "group",
    ),
    "indicator_code": (
        "indicator code",
        "indicator_code",
        "indicator",
        "metric code",
        "metric id",
        "measure code",
        "ni",
    ),
    "period": (
        "period",
        "period end",
        "period_end",
        "time period",
        "year",
        "date",
        "reporting period",
    ),
    "value": ("value", "data value", "figure", "score", "result", "data"),
}
SUPPRESSED = frozenset({"x", "c", "..", ".", "-", "[c]", "[x]", "[z]", "z", "n/a", ""})
AREA_TYPES: Mapping[str, str] = {
    "england": "england",
    "national": "england",
    "region": "region",
    "regional": "region",
    "statistical neighbour": "statistical_neighbour",
    "statistical neighbours": "statistical_neighbour",
    "statistical_neighbour": "statistical_neighbour",
    "neighbour": "statistical_neighbour",
    "sn": "statistical_neighbour",
    "council": "other_council",
    "la": "other_council",
    "local authority": "other_council",
    "other": "other_council",
    "other_council": "other_council",
    "other council": "other_council",
}
_FINANCIAL_YEAR = re.compile(r"(\d{4})\s*[/-]\s*(\d{2}|\d{4})")
_YEAR = re.compile(r"\d{4}")
_SPACES = re.compile(r"[\s_\-]+")


@dataclass(frozen=True)
class RowError:
    """A cell that could not be read: its row in the file, its column."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.column}: {self.message}"


@dataclass
class ComparatorTable:
    """The rows read from a file (ready for the event), errors and notes."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _key(text: str) -> str:
    return _SPACES.sub(" ", text.strip().lower()).strip()


def field_of(header: str) -> str | None:
    """Which of our fields a header cell names, by its synonyms."""
    key = _key(header)
    for name, words in SYNONYMS.items():
        if key in {_key(w) for w in words}:
            return name
    return None


def period_end(text: str) -> date:
    """A period as a council writes it: a date (2009-03-31, 31/03/2009), a
    financial year (2008/09, 2008-09, 2008/2009: its 31 March) or a calendar
    year (2008: its 31 December)."""
    cleaned = text.strip()
    if m := _FINANCIAL_YEAR.fullmatch(cleaned):
        start, end = int(m[1]), m[2]
        ending = int(end) if len(end) == 4 else (start // 100) * 100 + int(end)
        if ending % 100 == 0 and len(end) == 2 and start % 100 == 99:
            ending += 100
        if ending != start + 1:
            raise ValueError(f"{text!r} is not a financial year (like 2008/09)")
        return date(ending, 3, 31)
    if _YEAR.fullmatch(cleaned):
        return date(int(cleaned), 12, 31)
    try:
        return parse_day(cleaned)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a period: write 2008/09, 2008 or 31/03/2009"
        ) from None


def number(text: str) -> float:
    """A figure with any "%" or thousands separator dropped."""
    cleaned = text.strip().replace(",", "").rstrip("%").strip()
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"{text!r} is not a number")
    return value


def area_type_of(text: str, code: str, name: str) -> str | None:
    """The area's type: as written, or else from England's and regions' codes."""
    if text.strip():
        return AREA_TYPES.get(_key(text))
    if code.upper() == ENGLAND_CODE or _key(name) == "england":
        return "england"
    if code.upper().startswith(REGION_PREFIX):
        return "region"
    return "other_council"


def grid_of(content: bytes, kind: str) -> list[list[str]]:
    """The cells of a CSV (UTF-8) or the first sheet of an XLSX, as text."""
    try:
        if kind == "csv":
            text = content.decode("utf-8-sig")
            return [list(r) for r in csv.reader(io.StringIO(text))]
        return _xlsx_grid(content)
    except UnicodeDecodeError:
        raise ValueError("the file is not UTF-8 text; save it as CSV UTF-8") from None
    except (csv.Error, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise ValueError(f"the file cannot be read: {exc}") from None


def _xlsx_grid(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    try:
        return [
            [_text(cell.value) for cell in row]
            for row in book.worksheets[0].iter_rows()
        ]
    finally:
        book.close()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _header_at(grid: Sequence[Sequence[str]]) -> int | None:
    """The first row naming an area column and a value or period columns."""
    for i, cells in enumerate(grid[:HEADER_SEARCH_ROWS]):
        fields = {field_of(c) for c in cells}
        wide = any(_is_period(c) for c in cells)
        if ("area_code" in fields or "area_name" in fields) and (
            "value" in fields or wide
        ):
            return i
    return None


def _is_period(text: str) -> bool:
    if not text.strip() or field_of(text):
        return False
    try:
        period_end(text)
    except ValueError:
        return False
    return True


def parse_comparators(
    grid: Sequence[Sequence[str]], indicator_code: str | None = None
) -> ComparatorTable:
    """Rows for the event from a file's cells; ``indicator_code`` is used
    where the file has no indicator column (a LAIT sheet is one indicator)."""
    table = ComparatorTable()
    top = _header_at(grid)
    if top is None:
        table.errors.append(
            RowError(
                1,
                "header",
                "no header row names an area (area code or name) and a value "
                "(or one column a year)",
            )
        )
        return table
    header = list(grid[top])
    columns: dict[str, int] = {}
    years: dict[int, str] = {}
    for i, heading in enumerate(header):
        name = field_of(heading)
        if name and name not in columns:
            columns[name] = i
        elif name is None and _is_period(heading):
            years[i] = heading
    if "indicator_code" not in columns and not indicator_code:
        table.errors.append(
            RowError(
                top + 1,
                "indicator_code",
                "the file has no indicator column: name the indicator it holds",
            )
        )
        return table
    if "value" in columns and "period" not in columns:
        table.errors.append(
            RowError(top + 1, "period", "the file has values but no period column")
        )
        return table
    if "value" not in columns:
        top_note = ", ".join(years.values())
        table.notes.append(f"read one column a period: {top_note}")
    suppressed: list[int] = []
    seen: dict[tuple[str, str, str], int] = {}
    for r, cells in enumerate(grid[top + 1 :], start=top + 2):
        if not any(c.strip() for c in cells):
            continue
        if len(table.rows) > MAX_ROWS:
            table.errors.append(RowError(r, "file", f"more than {MAX_ROWS} figures"))
            break

        def cell(name: str, cells: Sequence[str] = cells) -> str:
            i = columns.get(name)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        pairs = (
            [(cell("period"), cell("value"))]
            if "value" in columns
            else [
                (text, cells[i].strip() if i < len(cells) else "")
                for i, text in years.items()
            ]
        )
        _read_row(table, r, cell, pairs, indicator_code, seen, suppressed)
    if suppressed:
        shown = ", ".join(str(r) for r in sorted(set(suppressed))[:20])
        more = "" if len(set(suppressed)) <= 20 else ", ..."
        table.notes.append(
            f"left out suppressed or missing figures (x, c, .., blank) in rows "
            f"{shown}{more}"
        )
    if not table.rows and not table.errors:
        table.errors.append(RowError(top + 2, "value", "the file holds no figures"))
    return table


def _read_row(
    table: ComparatorTable,
    r: int,
    cell: Any,
    pairs: Sequence[tuple[str, str]],
    indicator_code: str | None,
    seen: dict[tuple[str, str, str], int],
    suppressed: list[int],
) -> None:
    code, name = cell("area_code"), cell("area_name")
    if not code:
        if _key(name) == "england":
            code = ENGLAND_CODE
        else:
            table.errors.append(RowError(r, "area_code", "missing"))
            return
    if len(code) > 20 or not code.replace(" ", "").isalnum():
        table.errors.append(RowError(r, "area_code", f"{code[:40]!r} is not a code"))
        return
    kind = area_type_of(cell("area_type"), code, name)
    if kind is None:
        table.errors.append(
            RowError(
                r,
                "area_type",
                f"{cell('area_type')!r} is not england, region, statistical "
                "neighbour or other council",
            )
        )
        return
    indicator = cell("indicator_code") or indicator_code or ""
    if not indicator or len(indicator) > 32:
        table.errors.append(RowError(r, "indicator_code", "missing or too long"))
        return
    for period_text, value_text in pairs:
        if _key(value_text) in SUPPRESSED:
            suppressed.append(r)
            continue
        try:
            period = period_end(period_text).isoformat()
        except ValueError as exc:
            table.errors.append(RowError(r, "period", str(exc)))
            continue
        try:
            value = number(value_text)
        except ValueError as exc:
            table.errors.append(RowError(r, "value", str(exc)))
            continue
        key = (code.upper(), indicator, period)
        if key in seen:
            table.errors.append(
                RowError(
                    r,
                    "area_code",
                    f"{code} {indicator} {period} is also in row {seen[key]}",
                )
            )
            continue
        seen[key] = r
        table.rows.append(
            {
                "area_code": code.upper().replace(" ", ""),
                "area_name": name or None,
                "area_type": kind,
                "indicator_code": indicator,
                "period_end": period,
                "value": value,
            }
        )
