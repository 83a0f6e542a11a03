"""The framework as a spreadsheet: one row an indicator, columns named as fields.

Pure: no I/O. ``parse_table`` turns rows of text cells into checked
:class:`RowCommand` s; ``plan_changes`` asks the domain's ``decide_*`` rules
what each row would append, so an import obeys the same rules as the API.
``cells_of`` is the inverse of parsing (what an export writes), which is why
importing an export changes nothing.

An empty cell means "absent": a new indicator takes the API's default, an
existing one keeps its value, so an import never clears a field. The named
lead (name, email), baseline, target (value, period end, reason) and
milestones are each one value, set as a whole from their cells. Rows are
numbered as a spreadsheet shows them: the header is row 1 unless the reader
found it lower down (``first_row`` is then the row after it).

The cells are read forgivingly, as a council's own workbook is written:
"Higher", "Quarterly", "Y" and 31/03/2009 mean what they plainly mean
(:mod:`.words`), and percentages kept as fractions are read as percentages
with a note that says so (:mod:`.percentages`). A word that means nothing
known is still an error naming its row and column.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from shared.errors import DomainError, Invalid
from shared.events.envelope import NewEvent
from shared.periods import DATE_FORMS, PLAN_END, parse_day

from . import domain, words
from .domain import Indicator
from .percentages import Note, fractions_as_percentages
from .schemas import (
    IndicatorCreate,
    IndicatorUpdate,
    LeadIn,
    MilestonesIn,
    PointIn,
    TargetIn,
)

COLUMNS = (
    "code",
    "title",
    "outcome",
    "polarity",
    "unit",
    "frequency",
    "laa",
    "measurable",
    "lead_organisation",
    "named_lead_name",
    "named_lead_email",
    "tolerance",
    "baseline_value",
    "baseline_period_end",
    "target_value",
    "target_period_end",
    "target_reason",
    "milestones",
    "retired",
)
TEXT_FIELDS = ("title", "outcome", "unit")
BOOLEAN_COLUMNS = ("laa", "measurable", "retired")
NUMBER_COLUMNS = ("tolerance", "baseline_value", "target_value")
REQUIRED_FOR_NEW = ("title", "polarity")
_NEW_DEFAULTS = {
    name: info.default
    for name, info in IndicatorCreate.model_fields.items()
    if name in domain.AMENDABLE and not info.is_required()
}


@dataclass(frozen=True)
class RowError:
    """A problem with one row (row 1 is the header), and the column at fault."""

    row: int
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass(frozen=True)
class RowCommand:
    """What one row asks for; only the cells that were filled in."""

    row: int
    code: str
    definition: dict[str, Any] = field(default_factory=dict)
    lead: dict[str, Any] = field(default_factory=dict)
    baseline: tuple[float, date] | None = None
    target: tuple[float, date | None, str | None] | None = None
    milestones: list[tuple[float, date]] | None = None
    retired: bool | None = None


Kind = Literal["register", "amend", "unchanged"]


@dataclass(frozen=True)
class Change:
    """What one row would do to its indicator, and the events that say so."""

    row: int
    code: str
    kind: Kind
    version: int  # the stream version the events were decided on
    events: tuple[NewEvent, ...]
    diff: tuple[tuple[str, str, str], ...]  # (column, before, after)


@dataclass(frozen=True)
class Plan:
    """Every row's change, every row's error (by row) and the notes on how
    whole columns were read (percentages read from fractions)."""

    changes: list[Change]
    errors: list[RowError]
    notes: list[Note] = field(default_factory=list)


_NOTHING = {**dict.fromkeys(COLUMNS, ""), "retired": "false"}


class _CellError(ValueError):
    """A cell that cannot be read as its column's kind of value."""


# Parsing: text cells into commands ------------------------------------------


def plan_import(
    rows: Sequence[Mapping[str, str]],
    current: Mapping[str, Indicator | None],
    first_row: int = 2,
    notes: Sequence[Note] = (),
) -> Plan:
    """Parse ``rows`` (the first of them is row ``first_row`` of the file)
    and plan them against ``current`` (indicators by code). ``notes`` are
    the reader's own (cells Excel showed as percentages), kept with the
    plan's so that a preview shows every one."""
    header_errors = _header_errors(rows, first_row - 1)
    if header_errors:
        return Plan([], header_errors, list(notes))
    units = {code: i.unit for code, i in current.items() if i is not None}
    rows, fractions = fractions_as_percentages(rows, units, first_row, notes)
    commands, errors = parse_table(rows, first_row)
    plan = plan_changes(commands, current)
    every = sorted([*errors, *plan.errors], key=lambda e: e.row)
    return Plan(plan.changes, every, [*notes, *fractions])


def parse_table(
    rows: Sequence[Mapping[str, str]], first_row: int = 2
) -> tuple[list[RowCommand], list[RowError]]:
    """The commands of the good rows and the errors of the others."""
    header_errors = _header_errors(rows, first_row - 1)
    if header_errors:
        return [], header_errors
    commands: list[RowCommand] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(rows, start=first_row):
        cells = {k: (v or "").strip() for k, v in raw.items()}
        if not any(cells.values()):
            continue
        cmd, problems = parse_row(number, cells)
        if cmd and cmd.code in seen:
            problems.append(
                RowError(
                    number,
                    "code",
                    f"{cmd.code!r} is also on row {seen[cmd.code]}; "
                    "give each indicator one row",
                )
            )
        elif cmd:
            seen[cmd.code] = number
        errors += problems
        if cmd and not problems:
            commands.append(cmd)
    return commands, errors


def _header_errors(
    rows: Sequence[Mapping[str, str]], header_row: int = 1
) -> list[RowError]:
    names = {name for row in rows for name in row}
    unknown = sorted(n for n in names if n and n not in COLUMNS)
    errors = [
        RowError(header_row, n, f"unknown column; the columns are {', '.join(COLUMNS)}")
        for n in unknown
    ]
    if rows and "code" not in names:
        errors.append(RowError(header_row, "code", "the header needs a code column"))
    return errors


def parse_row(
    row: int, cells: Mapping[str, str]
) -> tuple[RowCommand | None, list[RowError]]:
    """One row's command (None when it has no usable code) and its errors."""
    errors: list[RowError] = []

    def read(column: str, convert: Callable[[str], Any]) -> Any:
        text = cells.get(column, "")
        if not text:
            return None
        try:
            return convert(text)
        except (_CellError, DomainError) as e:
            errors.append(RowError(row, column, str(e)))
            return None

    if cells.get(""):
        errors.append(RowError(row, None, "has a cell under no column name"))
    if not cells.get("code"):
        errors.append(RowError(row, "code", "every row needs a code"))
    code = read("code", domain.check_code)
    cmd = RowCommand(
        row=row,
        code=code or "",
        definition=_definition(row, read, errors),
        lead=_lead(row, cells, errors),
        baseline=_baseline(row, cells, read, errors),
        target=_target(row, cells, read, errors),
        milestones=_milestones(row, read, errors),
        retired=read("retired", parse_boolean),
    )
    return (cmd if code else None), errors


Reader = Callable[[str, Callable[[str], Any]], Any]


def _definition(row: int, read: Reader, errors: list[RowError]) -> dict[str, Any]:
    found = {name: read(name, str) for name in TEXT_FIELDS}
    found["polarity"] = read("polarity", _POLARITY)
    found["frequency"] = read("frequency", _FREQUENCY)
    found["laa"] = read("laa", parse_boolean)
    found["measurable"] = read("measurable", parse_boolean)
    found["tolerance"] = read("tolerance", parse_number)
    present = {k: v for k, v in found.items() if v is not None}
    return _validate(IndicatorUpdate, present, row, _named(""), errors)


def _lead(row: int, cells: Mapping[str, str], errors: list[RowError]) -> dict[str, Any]:
    lead: dict[str, Any] = {}
    if cells.get("lead_organisation"):
        lead["lead_organisation"] = cells["lead_organisation"]
    name, email = cells.get("named_lead_name"), cells.get("named_lead_email")
    if email and not name:
        errors.append(
            RowError(row, "named_lead_name", "a named lead's email needs a name")
        )
    elif name:
        lead["named_lead"] = {"name": name, "email": email or None}
    return _validate(LeadIn, lead, row, _named(""), errors)


def _baseline(
    row: int, cells: Mapping[str, str], read: Reader, errors: list[RowError]
) -> tuple[float, date] | None:
    value = read("baseline_value", parse_number)
    day = read("baseline_period_end", parse_date)
    for column in ("baseline_value", "baseline_period_end"):
        if not cells.get(column) and (value is not None or day is not None):
            errors.append(RowError(row, column, "a baseline needs a value and a date"))
    if value is None or day is None:
        return None
    _validate(
        PointIn, {"value": value, "period_end": day}, row, _named("baseline_"), errors
    )
    return (value, day)


def _target(
    row: int, cells: Mapping[str, str], read: Reader, errors: list[RowError]
) -> tuple[float, date | None, str | None] | None:
    value = read("target_value", parse_number)
    day = read("target_period_end", parse_date)
    reason = cells.get("target_reason") or None
    if not cells.get("target_value") and (cells.get("target_period_end") or reason):
        errors.append(
            RowError(row, "target_value", "a target's date or reason needs a value")
        )
    if value is None:
        return None
    wanted = {"value": value, "period_end": day, "reason": reason}
    checked = _validate(TargetIn, wanted, row, _named("target_"), errors)
    return (value, day, checked.get("reason", reason))


def _milestones(
    row: int, read: Reader, errors: list[RowError]
) -> list[tuple[float, date]] | None:
    points: list[tuple[float, date]] | None = read("milestones", parse_milestones)
    if points is not None:
        wanted = [{"value": v, "period_end": d} for v, d in points]
        _validate(MilestonesIn, {"milestones": wanted}, row, _named("", 1), errors)
    return points


def _named(prefix: str, depth: int = 0) -> Callable[[tuple[Any, ...]], str]:
    """The column of a pydantic error's location: ``named_lead.email`` is
    ``named_lead_email``; ``depth`` 1 keeps only the top field."""

    def column(loc: tuple[Any, ...]) -> str:
        parts = loc[:depth] if depth else loc
        return prefix + "_".join(str(p) for p in parts)

    return column


def _validate(
    model: type[BaseModel],
    data: dict[str, Any],
    row: int,
    column_of: Callable[[tuple[Any, ...]], str],
    errors: list[RowError],
) -> dict[str, Any]:
    """The API's field rules (lengths, email form, free text) applied to the
    row's cells: the cells as the API would keep them (line breaks
    normalised), or ``data`` unchanged with the errors added."""
    try:
        checked = model.model_validate(data)
    except ValidationError as e:
        for err in e.errors():
            column = column_of(err["loc"])
            errors.append(RowError(row, column, _message(column, err)))
        return data
    return checked.model_dump(mode="python", include=set(data))


def _message(column: str, err: Any) -> str:
    if err["type"] == "string_pattern_mismatch" and column.endswith("email"):
        return "must be an email address such as name@example.org"
    if err["type"] == "string_too_long":
        return f"must be at most {err['ctx']['max_length']} characters"
    if err["type"] == "too_long":
        return f"must have at most {err['ctx']['max_length']} entries"
    return str(err["msg"]).removeprefix("Value error, ")


def _one_of(
    vocabulary: Mapping[str, tuple[str, ...]], allowed: tuple[str, ...], example: str
) -> Callable[[str], str]:
    """A reader of one of ``allowed``, written as the value or as one of its
    words in ``vocabulary``; ``example`` shows the words in the error."""
    known = words.reader(vocabulary, allowed)

    def convert(text: str) -> str:
        value = known(text)
        if value is None:
            raise _CellError(
                f"must be one of {', '.join(allowed)} ({example}), not {text!r}"
            )
        return value

    return convert


_POLARITY = _one_of(
    words.POLARITY_WORDS,
    domain.POLARITIES,
    "or a word for one, such as Higher, Lower or Closer",
)
_FREQUENCY = _one_of(
    words.FREQUENCY_WORDS,
    domain.FREQUENCIES,
    "or a word for one, such as Annual, Half-yearly or Quarterly",
)


def parse_boolean(text: str) -> bool:
    """true/false, yes/no, Y/N, T/F or 1/0, in any case."""
    value = words.yes_no(text)
    if value is None:
        raise _CellError(f"must be yes or no (Y/N, true/false, 1/0), not {text!r}")
    return value


def parse_number(text: str) -> float:
    """A finite number written plainly, such as 62.5 or -3."""
    try:
        value = float(text.strip())
    except ValueError:
        raise _CellError(f"must be a number such as 62.5, not {text!r}") from None
    if not math.isfinite(value) or abs(value) > 1e15:
        raise _CellError("must be a finite number of sensible size")
    return value


def parse_date(text: str) -> date:
    """A date written 2009-03-31 or, as in England, 31/03/2009."""
    try:
        return parse_day(text)
    except ValueError as e:
        raise _CellError(str(e)) from None


def parse_milestones(text: str) -> list[tuple[float, date]]:
    """Milestones written ``2009-03-31=62.5; 2010-03-31=65`` (or with dates
    such as 31/03/2009)."""
    points: list[tuple[float, date]] = []
    for item in (part.strip() for part in text.split(";")):
        if not item:
            continue
        day, sep, value = item.partition("=")
        if not sep:
            raise _CellError(
                f"{item!r} must be written date=value, as in 2009-03-31=62.5 "
                f"(dates {DATE_FORMS})"
            )
        points.append((parse_number(value), parse_date(day)))
    return points


# Planning: what each row would append ----------------------------------------


def plan_changes(
    commands: Sequence[RowCommand], current: Mapping[str, Indicator | None]
) -> Plan:
    """Each command decided against the indicator it names (None when new)."""
    changes: list[Change] = []
    errors: list[RowError] = []
    for cmd in commands:
        state = current.get(cmd.code)
        try:
            events = decide_row(cmd, state)
        except DomainError as e:
            errors.append(RowError(cmd.row, _column("", e.field), e.detail))
            continue
        changes.append(_change(cmd, state, events))
    return Plan(changes, errors)


def _change(cmd: RowCommand, state: Indicator | None, events: list[NewEvent]) -> Change:
    after = _after(state, events)
    before_cells = cells_of(state) if state else _NOTHING
    after_cells = cells_of(after) if after else before_cells
    diff = tuple(
        (c, before_cells[c], after_cells[c])
        for c in COLUMNS[1:]
        if before_cells[c] != after_cells[c]
    )
    kind: Kind = "register" if state is None else "amend" if events else "unchanged"
    version = state.version if state else 0
    return Change(cmd.row, cmd.code, kind, version, tuple(events), diff)


def decide_row(cmd: RowCommand, state: Indicator | None) -> list[NewEvent]:
    """The events that make the indicator match the row (none when it does)."""
    events = _define(cmd, state)
    now = _then(state, events)
    for prefix, step in _STEPS:
        try:
            new = step(cmd, now)
        except DomainError as e:
            e.field = _column(prefix, e.field)
            raise
        events += new
        now = _then(now, new)
    return events


def _column(prefix: str, name: str | None) -> str | None:
    """The column a domain rule's field stands for (``period_end`` of a target
    is ``target_period_end``)."""
    for candidate in (prefix + (name or ""), (name or "").split(".")[0]):
        if candidate in COLUMNS:
            return candidate
    return None


def _define(cmd: RowCommand, state: Indicator | None) -> list[NewEvent]:
    if state is None:
        missing = [f for f in REQUIRED_FOR_NEW if f not in cmd.definition]
        if missing:
            raise Invalid(
                f"a new indicator needs {' and '.join(missing)}", field=missing[0]
            )
        register = {**_NEW_DEFAULTS, **cmd.definition, **cmd.lead, "code": cmd.code}
        return domain.decide_register(None, register)
    now = state.to_dict()
    changes = {k: v for k, v in cmd.definition.items() if now[k] != v}
    return domain.decide_amend(state, cmd.code, changes, None) if changes else []


def _decide_lead(cmd: RowCommand, ind: Indicator) -> list[NewEvent]:
    now = {"lead_organisation": ind.lead_organisation, "named_lead": _lead_of(ind)}
    wanted = {k: v for k, v in cmd.lead.items() if now[k] != v}
    return domain.decide_lead(ind, cmd.code, wanted) if wanted else []


def _lead_of(ind: Indicator) -> dict[str, Any] | None:
    lead = ind.named_lead
    return {"name": lead.get("name"), "email": lead.get("email")} if lead else None


def _decide_baseline(cmd: RowCommand, ind: Indicator) -> list[NewEvent]:
    if cmd.baseline is None:
        return []
    value, day = cmd.baseline
    if ind.baseline == {"value": value, "period_end": day.isoformat()}:
        return []
    return domain.decide_baseline(ind, cmd.code, value, day)


def _decide_target(cmd: RowCommand, ind: Indicator) -> list[NewEvent]:
    if cmd.target is None:
        return []
    value, day, reason = cmd.target
    due = (day or PLAN_END).isoformat()
    if ind.target == {"value": value, "period_end": due, "reason": reason}:
        return []
    return domain.decide_target(ind, cmd.code, value, day, reason)


def _decide_milestones(cmd: RowCommand, ind: Indicator) -> list[NewEvent]:
    if cmd.milestones is None:
        return []
    wanted = [
        {"value": v, "period_end": d.isoformat()}
        for v, d in sorted(cmd.milestones, key=lambda m: m[1])
    ]
    if ind.milestones == wanted:
        return []
    return domain.decide_milestones(ind, cmd.code, cmd.milestones)


def _decide_retired(cmd: RowCommand, ind: Indicator) -> list[NewEvent]:
    if cmd.retired is True and not ind.retired:
        return domain.decide_retire(ind, cmd.code, None)
    if cmd.retired is False and ind.retired:
        raise Invalid(
            f"Indicator {cmd.code!r} is retired and cannot be brought back",
            field="retired",
        )
    return []


_STEPS: tuple[tuple[str, Callable[[RowCommand, Indicator], list[NewEvent]]], ...] = (
    ("", _decide_lead),
    ("baseline_", _decide_baseline),
    ("target_", _decide_target),
    ("", _decide_milestones),
    ("", _decide_retired),
)


def _after(state: Indicator | None, events: Sequence[NewEvent]) -> Indicator | None:
    """The indicator once ``events`` (decided, not yet recorded) apply."""
    for e in events:
        state = domain.apply(state, e.type, e.data, (state.version if state else 0) + 1)
    return state


def _then(state: Indicator | None, events: Sequence[NewEvent]) -> Indicator:
    after = _after(state, events)
    if after is None:  # _define registers a new indicator or raises
        raise Invalid("the indicator was not registered")
    return after


# Writing: an indicator as the text cells an import reads back -----------------


def cells_of(ind: Indicator) -> dict[str, str]:
    """The indicator's row, as text cells in :data:`COLUMNS` order."""
    lead = ind.named_lead or {}
    base = ind.baseline or {}
    target = ind.target or {}
    return {
        "code": ind.code,
        "title": ind.title or "",
        "outcome": ind.outcome or "",
        "polarity": ind.polarity or "",
        "unit": ind.unit or "",
        "frequency": ind.frequency or "",
        "laa": boolean_text(ind.laa),
        "measurable": boolean_text(ind.measurable),
        "lead_organisation": ind.lead_organisation or "",
        "named_lead_name": lead.get("name") or "",
        "named_lead_email": lead.get("email") or "",
        "tolerance": number_text(ind.tolerance),
        "baseline_value": number_text(base.get("value")),
        "baseline_period_end": base.get("period_end") or "",
        "target_value": number_text(target.get("value")),
        "target_period_end": target.get("period_end") or "",
        "target_reason": target.get("reason") or "",
        "milestones": milestones_text(ind.milestones),
        "retired": boolean_text(ind.retired),
    }


# Cells a spreadsheet program would run as a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$")


def _would_run(text: str) -> bool:
    """Whether ``text``, once any leading quotes are taken off, starts a formula."""
    rest = text.lstrip("'")
    return rest.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.match(rest)


def neutralised(text: str) -> str:
    """A CSV cell that no spreadsheet program runs: a cell starting with = + - @
    tab or CR gets a leading single quote, as OWASP advises. Plain numbers
    such as -5 are left as they are. A cell that already starts with quotes
    before such a character gets one more, so :func:`restored` undoes exactly
    this and an export read back changes nothing."""
    return "'" + text if _would_run(text) else text


def restored(text: str) -> str:
    """The cell :func:`neutralised` was given."""
    if text.startswith("'") and _would_run(text[1:]):
        return text[1:]
    return text


def boolean_text(value: bool | None) -> str:
    """``true`` or ``false``."""
    return "true" if value else "false"


def number_text(value: float | None) -> str:
    """The shortest text that reads back as the same number (60, not 60.0)."""
    if value is None:
        return ""
    if float(value).is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(float(value))


def milestones_text(milestones: Sequence[Mapping[str, Any]]) -> str:
    """``2009-03-31=62.5; 2010-03-31=65``."""
    return "; ".join(f"{m['period_end']}={number_text(m['value'])}" for m in milestones)
