"""``pmf import`` and ``pmf export``: the framework as a CSV or XLSX file.

The rules are in :mod:`services.indicators.spreadsheet` (pure); this module
reads and writes the files and applies a checked plan to the embedded log.

An import is all or nothing: every row is checked first and one bad row
means nothing is applied; a good plan is appended in one database
transaction, each indicator's events at the stream version they were
decided on, so a concurrent change to any of them rolls the whole import
back instead of leaving it half-applied.
"""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from services.indicators.domain import Indicator, stream_of
from services.indicators.handlers import IndicatorService
from services.indicators.percentages import Note, formatted_note, times_100
from services.indicators.spreadsheet import (
    BOOLEAN_COLUMNS,
    COLUMNS,
    NUMBER_COLUMNS,
    Change,
    Kind,
    RowError,
    cells_of,
    neutralised,
    number_text,
    plan_import,
    restored,
)
from shared.errors import DomainError, Invalid
from shared.events.envelope import EventEnvelope, Metadata
from shared.text import xml_safe

if TYPE_CHECKING:  # the embedded system imports every service; this needs one
    from services.embedded import EmbeddedSystem

FORMATS = ("csv", "xlsx")
# progress(stage, done, total): total None while the size of the stage is unknown.
Progressed = Callable[[str, int, int | None], None]


@dataclass(frozen=True)
class ImportReport:
    """What an import found, and whether its changes were applied."""

    file: str
    dry_run: bool
    changes: list[Change]
    errors: list[RowError]
    applied: bool
    notes: list[Note] = field(default_factory=list)

    @property
    def to_apply(self) -> list[Change]:
        """The rows that change something."""
        return [c for c in self.changes if c.events]

    @property
    def ok(self) -> bool:
        """No row had an error and nothing stopped the changes being applied."""
        return not self.errors

    def count(self, kind: Kind) -> int:
        """How many rows register, amend or leave unchanged an indicator."""
        return sum(1 for c in self.changes if c.kind == kind)


# Reading ---------------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    """The rows of a file as text cells keyed by column name, where they
    start in the file, and how cells were read (percentages)."""

    rows: list[dict[str, str]]
    first_row: int = 2  # the file's row number of rows[0]; the header is above
    notes: list[Note] = field(default_factory=list)


# How far down a title block may push the header row.
HEADER_SEARCH_ROWS = 30
_HEADER_SPACES = re.compile(r"[\s\-]+")
# Cells (row, column; from 0) a workbook formats as percentages: the percentage shown.
Percents = dict[tuple[int, int], str]


def read_table(path: Path) -> list[dict[str, str]]:
    """The rows of a .csv (UTF-8) or .xlsx (first sheet) file as text cells,
    keyed by the header's column names; blank rows are kept so that row
    numbers match the file (see :func:`read_sheet` for where they start)."""
    return read_sheet(path).rows


def read_sheet(path: Path) -> Sheet:
    """The table of a .csv (UTF-8) or .xlsx (first sheet) file.

    The header is the first row with a ``code`` column (title rows above it
    are skipped); its names are read in lower case, spaces and hyphens as
    underscores where that makes one of ours ("Baseline value" is
    ``baseline_value``). Numbers that
    Excel formats as percentages are read as the percentage shown, with a
    note."""
    kind = _format_of(path)
    if not path.is_file():
        raise Invalid(f"No such file: {path}")
    try:
        if kind == "csv":
            grid, percent = _csv_grid(path), Percents()
        else:
            grid, percent = _xlsx_grid(path)
    except UnicodeDecodeError:
        raise Invalid(f"{path.name} is not UTF-8 text; save it as CSV UTF-8") from None
    except (OSError, csv.Error, zipfile.BadZipFile, KeyError, ValueError) as e:
        raise Invalid(f"Cannot read {path.name}: {e}") from None
    return _sheet(grid, percent)


def _format_of(path: Path) -> str:
    kind = path.suffix.lower().lstrip(".")
    if kind not in FORMATS:
        raise Invalid(f"{path.name}: the file must end in .csv or .xlsx")
    return kind


def _csv_grid(path: Path) -> list[list[str]]:
    """The cells, with the quote an export put before a formula-like cell
    taken off again."""
    with path.open(newline="", encoding="utf-8-sig") as f:
        return [[restored(cell) for cell in row] for row in csv.reader(f)]


def _xlsx_grid(path: Path) -> tuple[list[list[str]], Percents]:
    """The cells as text, and where (row, column; from 0) a number was
    formatted as a percentage, with the percentage shown (62.5 for 0.625)."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    grid: list[list[str]] = []
    percent: Percents = {}
    try:
        for r, row in enumerate(book.worksheets[0].iter_rows()):
            cells = []
            for c, cell in enumerate(row):
                value = cell.value
                shown_as_percent = "%" in (getattr(cell, "number_format", "") or "")
                number = isinstance(value, int | float) and not isinstance(value, bool)
                if number and shown_as_percent:
                    percent[(r, c)] = number_text(times_100(float(value)))
                cells.append(_text(value))
            grid.append(cells)
    finally:
        book.close()
    return grid, percent


def _text(value: Any) -> str:
    """A spreadsheet cell as the text a person would type into it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        midnight = value.time() == datetime.min.time()
        return value.date().isoformat() if midnight else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def column_name(text: str) -> str:
    """A header cell as a column name: "Baseline value" is baseline_value; a
    council's own name ("Which way is good") is kept as written, in lower
    case, for the upload page to map and for errors to name."""
    lowered = text.strip().lower()
    ours = _HEADER_SPACES.sub("_", lowered)
    return ours if ours in COLUMNS else lowered


def _header_at(grid: list[list[str]]) -> int:
    """The index of the header row: the first with a ``code`` column; in a
    file whose columns have the council's own names (mapped to ours later),
    the first row filled at least half as wide as the widest row near the
    top, and in two cells at least: a title block is one cell a row."""
    top = grid[:HEADER_SEARCH_ROWS]
    for i, cells in enumerate(top):
        if "code" in (column_name(c) for c in cells):
            return i
    filled = [sum(1 for c in cells if c.strip()) for cells in top]
    widest = max(filled, default=0)
    for i, count in enumerate(filled):
        if count >= 2 and 2 * count >= widest:
            return i if any(filled[:i]) else 0  # skip a title, not a blank header
    return 0


def _sheet(grid: list[list[str]], percent: Percents) -> Sheet:
    if not grid:
        return Sheet([])
    top = _header_at(grid)
    header = [column_name(name) for name in grid[top]]
    named = [n for n in header if n]
    where = f"row {top + 1}"
    data = any(cell.strip() for cells in grid[top + 1 :] for cell in cells)
    if "code" not in named and (data if not named else not data):
        # A header without a code column but with rows under it is reported
        # with its unknown columns, row by row; with no rows under it, or no
        # names above rows, it is no framework at all.
        raise Invalid(
            f"Row {top + 1} must name the columns, with a code column: "
            "code, title, polarity, ..."
        )
    for name in named:
        if named.count(name) > 1:
            raise Invalid(f"The column {name!r} appears twice in the header ({where})")
    rows = []
    for r, cells in enumerate(grid[top + 1 :], start=top + 1):
        row = dict.fromkeys(named, "")
        stray = []
        for i, cell in enumerate(cells):
            name = header[i] if i < len(header) else ""
            if name and (r, i) in percent:
                row[name] = percent[(r, i)]
            elif name:
                row[name] = cell
            elif cell.strip():
                stray.append(cell)
        if stray:  # cells under no column name: the row reports them
            row[""] = " ".join(stray)
        rows.append(row)
    return Sheet(rows, top + 2, _percent_notes(header, top, percent))


def _percent_notes(header: list[str], top: int, percent: Percents) -> list[Note]:
    """A note for each column with numbers formatted as percentages (named as
    the file names it: a council's own column is mapped to ours later)."""
    by_column: dict[str, list[int]] = {}
    for r, c in sorted(percent):
        if r > top and c < len(header) and header[c]:
            by_column.setdefault(header[c], []).append(r + 1)
    return [formatted_note(column, rows) for column, rows in by_column.items()]


# Importing ---------------------------------------------------------------------


def import_file(
    system: EmbeddedSystem | IndicatorService,
    path: Path,
    dry_run: bool = False,
    progress: Progressed | None = None,
    actor: str | None = None,
    name: str | None = None,
) -> ImportReport:
    """Check every row of ``path``; apply the changes only when no row has an
    error (and not on a dry run). ``progress`` follows the stages: checking,
    applying the rows, and the framework views catching up. ``actor`` is who
    imports (the signed-in person on the admin pages or the HTTP route; the
    CLI by default) and ``name`` what the file was called where it came from
    (an upload is kept under another name)."""
    service = system if isinstance(system, IndicatorService) else system.indicators
    name = name or path.name
    progress = progress or _quiet
    progress(f"Checking {name}", 0, None)
    sheet = read_sheet(path)
    current: dict[str, Indicator | None] = {i.code: i for i in service.all_indicators()}
    plan = plan_import(sheet.rows, current, sheet.first_row, sheet.notes)

    def report(errors: list[RowError], applied: bool) -> ImportReport:
        return ImportReport(
            name, dry_run, plan.changes, errors, applied, list(plan.notes)
        )

    found = report(plan.errors, False)
    if dry_run or plan.errors or not found.to_apply:
        return found
    meta = Metadata(actor=actor or f"admin:import {name}")
    try:
        _apply(service, found.to_apply, meta, progress)
    except _Stopped as stop:
        return report([stop.error], False)
    return report([], True)


class _Stopped(Exception):
    def __init__(self, error: RowError) -> None:
        super().__init__(str(error))
        self.error = error


def _apply(
    system: IndicatorService,
    changes: Sequence[Change],
    meta: Metadata,
    progress: Progressed,
) -> None:
    """Append every change in one transaction; followers catch up after it."""
    store = system.store
    recorded: list[EventEnvelope] = []
    current = changes[0]
    total = len(changes)
    progress("Applying rows", 0, total)
    try:
        with store.transaction() as conn:
            for done, change in enumerate(changes, start=1):
                current = change
                recorded += store.append(
                    stream_of(change.code),
                    change.version,
                    list(change.events),
                    meta,
                    conn=conn,
                )
                progress("Applying rows", done, total)
    except DomainError as e:
        detail = f"{e.detail}; the import was rolled back, nothing was applied"
        raise _Stopped(RowError(current.row, None, detail)) from e
    progress("Updating the framework views", 0, None)
    store.notify_committed(recorded)  # the followers catch up now


def _quiet(stage: str, done: int, total: int | None) -> None:
    pass


# Exporting ---------------------------------------------------------------------


def export_framework(system: EmbeddedSystem, path: Path) -> int:
    """Write every indicator (retired ones too), by code, as ``path``'s format
    (.csv or .xlsx) in the columns an import reads; returns how many."""
    kind = _format_of(path)
    rows = [cells_of(i) for i in system.indicators.all_indicators()]
    try:
        if kind == "csv":
            _write_csv(path, rows)
        else:
            _write_xlsx(path, rows)
    except OSError as e:
        raise Invalid(f"Cannot write {path}: {e.strerror or e}") from None
    return len(rows)


def export_path(file: Path | None, fmt: str | None) -> Path:
    """Where ``pmf export`` writes: ``file`` (a directory gets framework.csv),
    else ``framework.<fmt>``; the format is the file's extension or ``fmt``."""
    if fmt is not None and fmt not in FORMATS:
        raise Invalid(f"--format must be csv or xlsx, not {fmt!r}")
    default = f"framework.{fmt or 'csv'}"
    if file is None:
        return Path(default)
    if file.is_dir():
        return file / default
    kind = file.suffix.lower().lstrip(".")
    if kind not in FORMATS:
        return file.with_name(file.name + f".{fmt or 'csv'}")
    if fmt and fmt != kind:
        raise Invalid(f"{file.name} is not a .{fmt} file")
    return file


def _write_csv(path: Path, rows: Iterable[dict[str, str]]) -> None:
    """The rows as CSV: no cell runs as a formula when the file is opened in a
    spreadsheet, and no character an XML-based program cannot hold is written."""
    # The byte-order mark lets Excel open the file as UTF-8.
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: neutralised(xml_safe(v)) for k, v in row.items()})


def _write_xlsx(path: Path, rows: Iterable[dict[str, str]]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Indicators"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for row in rows:
        sheet.append([_typed(c, xml_safe(row[c])) for c in COLUMNS])
        for cell in sheet[sheet.max_row]:
            if cell.data_type == "f":  # text that starts with "=" is not a formula
                cell.data_type = "s"
    book.save(path)


def _typed(column: str, text: str) -> Any:
    """A cell as Excel would hold it: numbers and booleans as such."""
    if not text:
        return None
    if column in BOOLEAN_COLUMNS:
        return text == "true"
    if column in NUMBER_COLUMNS:
        value = float(text)
        return int(value) if value.is_integer() else value
    return text


# The command line ------------------------------------------------------------


def import_command(system: EmbeddedSystem, path: Path, dry_run: bool) -> int:
    """``pmf import``: print what changes (or would) and every row error;
    the exit status is 1 when anything was wrong and nothing was applied."""
    out, err = Console(), Console(stderr=True)
    try:
        with Progress(console=out, transient=True, disable=not out.is_terminal) as bar:
            task = bar.add_task(f"Importing {path.name}", total=None)

            def show(stage: str, done: int, total: int | None) -> None:
                bar.update(task, description=stage, completed=done, total=total)

            report = import_file(system, path, dry_run, show)
    except DomainError as e:
        err.print(f"error: {escape(e.detail)}", soft_wrap=True)
        return 1
    _print_changes(out, report)
    for problem in report.errors:
        err.print(escape(str(problem)), soft_wrap=True)
    return 0 if report.ok else 1


def _print_changes(out: Console, report: ImportReport) -> None:
    if report.to_apply:
        table = Table(title=_title(report), title_justify="left")
        for name in ("Row", "Code", "Action", "Changes"):
            table.add_column(name)
        for c in report.to_apply:
            changes = "\n".join(_describe(col, a, b) for col, a, b in c.diff)
            table.add_row(str(c.row), escape(c.code), c.kind, escape(changes))
        out.print(table)
    for note in report.notes:
        out.print(f"note: {note}", soft_wrap=True, markup=False)
    register, amend = report.count("register"), report.count("amend")
    unchanged = report.count("unchanged")
    if report.errors:
        n = len(report.errors)
        verdict = f"{n} error{'s' * (n != 1)}, nothing was changed"
    elif report.dry_run:
        verdict = "dry run, nothing was changed"
    elif not report.to_apply:
        verdict = "nothing to change"
    else:
        verdict = "applied"
    out.print(
        f"{report.file}: {register} to register, {amend} to amend, "
        f"{unchanged} unchanged ({verdict}).",
        soft_wrap=True,
        markup=False,
    )


def _title(report: ImportReport) -> str:
    if report.errors or report.dry_run:
        return f"What {report.file} would change"
    return f"What {report.file} changed"


def _describe(column: str, before: str, after: str) -> str:
    if not before:
        return f"{column}: {after}"
    return f"{column}: {before} → {after or '(none)'}"


def export_command(system: EmbeddedSystem, file: Path | None, fmt: str | None) -> int:
    """``pmf export``: write the framework; the exit status is 1 on failure."""
    try:
        path = export_path(file, fmt)
        count = export_framework(system, path)
    except DomainError as e:
        Console(stderr=True).print(f"error: {escape(e.detail)}", soft_wrap=True)
        return 1
    Console().print(f"Exported {count} indicators to {path}.", markup=False)
    return 0
