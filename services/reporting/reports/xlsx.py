"""The paper as a workbook for analysts: a sheet per section, one row per item.

Each sheet has a bold header row, frozen panes below it (and beside the indicator
code), an autofilter, and fixed column widths. Numbers stay numbers; a suppressed
count is the text "c"; dates are real dates; a status is its words, with the status
colour as the cell fill. Text that starts with "=" is stored as text, never as a
formula.

Reproducible bytes: workbook properties come from the snapshot, the workbook is
written without openpyxl's `save_workbook` (which stamps the wall-clock time as the
modification date), and the zip entries are re-dated (see `ziparchive`).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from . import labels
from .paper import (
    ActionView,
    ChallengeView,
    DecisionView,
    IndicatorView,
    Paper,
    StatusView,
    build_paper,
)
from .ziparchive import normalised

Value = str | float | int | date | StatusView | None
DATE_FORMAT = "d mmm yyyy"
HEADER_FILL = PatternFill("solid", fgColor="F3F2F1")


def render_xlsx(snapshot: dict[str, Any]) -> bytes:
    """The snapshot's paper as .xlsx bytes."""
    paper = build_paper(snapshot)
    workbook = Workbook()
    _properties(workbook, paper)
    first = workbook.active
    _summary(first, paper)
    _about(workbook.create_sheet(), paper)
    if paper.kind == "board":
        _indicator_list(workbook, "Areas of concern", paper.concerns, rank=True)
        _indicator_list(workbook, "Very good performance", paper.very_good)
        _indicator_list(workbook, "Significantly improved", paper.improved)
        _challenge_outcomes(workbook, paper.challenges)
        _actions(workbook, [*paper.actions_due, *paper.actions_completed])
        _indicators(workbook, paper)
    else:
        _indicators(workbook, paper)
        _flagged(workbook, paper)
    _breakdowns(workbook, paper)
    _equalities(workbook, paper)
    _comparators(workbook, paper)
    _results(workbook, paper)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(workbook, archive).write_data()
    return normalised(out.getvalue(), paper.as_of)


def _properties(workbook: Workbook, paper: Paper) -> None:
    props = workbook.properties
    moment = paper.as_of.replace(tzinfo=None)
    props.title = paper.title
    props.subject = f"{paper.heading}, collection round {paper.round_id}"
    props.creator = paper.council
    props.lastModifiedBy = "pmf"
    props.keywords = f"Children and Young People's Plan; performance; {paper.round_id}"
    props.category = paper.heading
    props.description = paper.suppression_note
    props.language = "en-GB"
    props.created = moment
    props.modified = moment


def _summary(sheet: Worksheet, paper: Paper) -> None:
    sheet.title = "Summary"
    rows: list[list[Value]] = [[status, n] for status, n in paper.counts]
    rows.append(["All indicators", paper.total])
    _fill(sheet, ["Status", "Indicators"], rows, [26, 12], freeze="A2")


def _about(sheet: Worksheet, paper: Paper) -> None:
    sheet.title = "About"
    rows: list[list[Value]] = [["Title", paper.title], ["Paper", paper.heading]]
    rows += [[name, value] for name, value in paper.facts]
    rows += [
        ["Small numbers", paper.suppression_note],
        ["Status", "Given in words; the cell colour repeats it."],
    ]
    _fill(sheet, ["Item", "Value"], rows, [24, 90], freeze="A2")


def _indicators(workbook: Workbook, paper: Paper) -> None:
    headers = [
        "Code",
        "Indicator",
        "Outcome",
        "About",
        "Lead organisation",
        "Named lead",
        "Baseline",
        "Baseline period ending",
        "Target",
        "Target period ending",
        "Latest result",
        "Latest period ending",
        "Source",
        "Projection at target date",
        "Computed status",
        "Status shown",
        "Status explanation",
        "Direction of travel",
        "Significantly improved",
        "Very good performance",
        "Lead's prediction",
        "Challenge flags",
        "Executive's decision",
        "Decision note",
        "Lead's commentary",
        "Data quality",
    ]
    rows: list[list[Value]] = [
        [
            i.code,
            i.title,
            i.outcome,
            i.about,
            i.lead_organisation,
            i.named_lead,
            i.baseline.cell,
            i.baseline_on,
            i.target.cell,
            i.target_on,
            i.latest.cell,
            i.latest_on,
            i.source,
            i.projection.cell,
            i.status,
            i.shown_status,
            i.explanation,
            i.direction.text,
            _yes_no(i.significantly_improved),
            _yes_no(i.very_good_performance),
            i.prediction,
            "; ".join(f"{f.title}: {f.explanation}" for f in i.flags),
            _decision_words(i.decision),
            i.decision.note if i.decision else "",
            i.commentary,
            i.data_quality,
        ]
        for i in paper.indicators
    ]
    widths = [10, 50, 26, 36, 30, 36, 10, 12, 10, 12, 10, 12, 18, 12]
    widths += [22, 22, 50, 18, 12, 12, 14, 50, 26, 40, 60, 40]
    _fill(workbook.create_sheet("Indicators"), headers, rows, widths)


def _indicator_list(
    workbook: Workbook,
    title: str,
    indicators: Sequence[IndicatorView],
    rank: bool = False,
) -> None:
    headers = [
        "Code",
        "Indicator",
        "Latest result",
        "Latest period ending",
        "Target",
        "Status shown",
        "Direction of travel",
        "Why",
    ]
    rows: list[list[Value]] = [
        [
            i.code,
            i.title,
            i.latest.cell,
            i.latest_on,
            i.target.cell,
            i.shown_status,
            i.direction.text,
            i.explanation,
        ]
        for i in indicators
    ]
    widths = [10, 50, 10, 12, 10, 22, 18, 60]
    if rank:
        headers, widths = ["Rank (worst first)", *headers], [10, *widths]
        rows = [[n, *row] for n, row in enumerate(rows, start=1)]
    _fill(workbook.create_sheet(title), headers, rows, widths)


def _flagged(workbook: Workbook, paper: Paper) -> None:
    headers = [
        "Flag",
        "Flag code",
        "Code",
        "Indicator",
        "Why it is flagged",
        "Computed status",
        "Lead's prediction",
        "Executive's decision",
        "Decision note",
    ]
    rows: list[list[Value]] = [
        [
            group.title,
            group.code,
            c.code,
            c.title,
            f.explanation,
            c.computed,
            c.prediction,
            _decision_words(c.decision),
            c.decision.note if c.decision else "",
        ]
        for group in paper.flag_groups
        for c, f in group.items
    ]
    widths = [30, 20, 10, 50, 60, 22, 14, 30, 40]
    _fill(workbook.create_sheet("Flagged for challenge"), headers, rows, widths, "B2")


def _challenge_outcomes(
    workbook: Workbook, challenges: Sequence[ChallengeView]
) -> None:
    headers = [
        "Code",
        "Indicator",
        "Challenge flags",
        "Computed status",
        "Lead's prediction",
        "Executive's decision",
        "Decided by",
        "Decided on",
        "Status shown",
        "Note",
    ]
    rows: list[list[Value]] = [
        [
            c.code,
            c.title,
            "; ".join(f.title for f in c.flags),
            c.computed,
            c.prediction,
            _decision_words(c.decision),
            c.decision.decided_by if c.decision else "",
            c.decision.decided_at if c.decision else "",
            c.shown,
            c.decision.note if c.decision else "",
        ]
        for c in challenges
    ]
    widths = [10, 50, 40, 22, 14, 30, 24, 16, 22, 50]
    _fill(workbook.create_sheet("Challenge outcomes"), headers, rows, widths)


def _actions(workbook: Workbook, actions: Sequence[ActionView]) -> None:
    headers = [
        "Action ID",
        "Action",
        "Code",
        "Indicator",
        "Agreed in round",
        "Owner",
        "Due",
        "Status",
        "Completed on",
        "Outcome",
    ]
    rows: list[list[Value]] = [
        [
            a.id,
            a.description,
            a.code,
            a.indicator_title,
            a.round_id,
            a.owner,
            labels.parse_date(a.due_iso) if a.due_iso != "9999-12-31" else None,
            a.status,
            labels.parse_date(a.completed_iso),
            a.outcome,
        ]
        for a in actions
    ]
    widths = [14, 60, 10, 50, 12, 36, 14, 12, 14, 40]
    _fill(workbook.create_sheet("Actions"), headers, rows, widths)


def _breakdowns(workbook: Workbook, paper: Paper) -> None:
    headers = [
        "Code",
        "Indicator",
        "Period ending",
        "Overall",
        "Group",
        "Result",
        "Gap to overall",
        "Gap in words",
    ]
    rows: list[list[Value]] = [
        [
            i.code,
            i.title,
            i.latest_on,
            i.latest.cell,
            b.group,
            b.value.cell,
            b.gap.cell,
            b.gap_words,
        ]
        for i in paper.indicators
        for b in i.breakdowns
    ]
    widths = [10, 50, 12, 10, 36, 10, 12, 40]
    _fill(workbook.create_sheet("Breakdowns"), headers, rows, widths)


def _equalities(workbook: Workbook, paper: Paper) -> None:
    """The groups behind all children (only when any breakdown shows one)."""
    if not paper.equalities:
        return
    headers = [
        "Code",
        "Indicator",
        "Dimension",
        "Group",
        "Period ending",
        "Group's figure",
        "All children",
        "Gap",
        "Since the period before",
        "Flag (for information)",
    ]
    rows: list[list[Value]] = [
        [
            g.code,
            g.title,
            g.dimension,
            g.group,
            g.period,
            g.value,
            g.overall,
            g.gap,
            g.direction,
            g.flags,
        ]
        for g in paper.equalities
    ]
    widths = [10, 50, 24, 30, 12, 12, 12, 10, 16, 60]
    _fill(workbook.create_sheet("Equalities"), headers, rows, widths)


def _comparators(workbook: Workbook, paper: Paper) -> None:
    """England, region and neighbours per indicator (only when there are any)."""
    compared = [i for i in paper.indicators if i.comparison]
    if not compared:
        return
    headers = [
        "Code",
        "Indicator",
        "Period ending",
        "Council",
        "England",
        "Region",
        "Neighbours (average)",
        "Rank among neighbours",
        "Areas ranked",
        "Quartile (1 best)",
        "Gap to England (+ better)",
        "Gap since previous period",
        "For information",
    ]
    rows: list[list[Value]] = [
        [
            i.code,
            i.title,
            *i.comparison.cells,
            "; ".join(title for title, _why in i.comparison.flags),
        ]
        for i in compared
        if i.comparison
    ]
    widths = [10, 50, 12, 10, 10, 10, 12, 12, 10, 10, 12, 14, 40]
    _fill(workbook.create_sheet("Comparators"), headers, rows, widths)


def _results(workbook: Workbook, paper: Paper) -> None:
    headers = ["Code", "Indicator", "Period ending", "Result"]
    rows: list[list[Value]] = [
        [i.code, i.title, on, figure.cell]
        for i in paper.indicators
        for _, figure, on in i.history
    ]
    _fill(workbook.create_sheet("Results"), headers, rows, [10, 50, 14, 10])


def _fill(
    sheet: Worksheet,
    headers: Sequence[str],
    rows: Sequence[Sequence[Value]],
    widths: Sequence[int],
    freeze: str = "B2",
) -> None:
    """Header row, rows, frozen panes, autofilter and column widths."""
    for c, header in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=c, value=header)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values, start=1):
            _put(sheet, r, c, value)
    for c, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(c)].width = width
    sheet.freeze_panes = freeze
    sheet.auto_filter.ref = (
        f"A1:{get_column_letter(len(headers))}{max(1, len(rows) + 1)}"
    )


def _put(sheet: Worksheet, row: int, column: int, value: Value) -> None:
    cell = sheet.cell(row=row, column=column)
    cell.alignment = Alignment(vertical="top", wrap_text=isinstance(value, str))
    if isinstance(value, StatusView):
        background, foreground = labels.STATUS_COLOURS[value.code]
        cell.value = value.words
        cell.fill = PatternFill("solid", fgColor=background[1:].upper())
        cell.font = Font(bold=True, color=foreground[1:].upper())
    elif isinstance(value, str):
        cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
        cell.data_type = "s"
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    else:
        cell.value = value


def _yes_no(value: bool) -> str:
    return "Yes" if value else "No"


def _decision_words(decision: DecisionView | None) -> str:
    return decision.words if decision else "No decision recorded"
