"""The framework import template: an XLSX workbook with the columns an import
reads, drop-downs for the words it knows, and a sheet of instructions.

Made by code from :data:`~.spreadsheet.COLUMNS` and :mod:`.words`, so the
template cannot fall behind what an import accepts: a new column without a
line of help here fails the tests. Served by ``pmf template`` and by
``GET /api/v1/framework/import-template.xlsx``.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from shared.periods import DATE_FORMS

from .spreadsheet import BOOLEAN_COLUMNS, COLUMNS

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILE_NAME = "pmf-framework-template.xlsx"
ROWS_WITH_DROP_DOWNS = 500

# The words the drop-downs offer; the import reads these and every other
# word in services/indicators/words.py.
POLARITY_CHOICES = ("Higher is better", "Lower is better", "Closer is better")
FREQUENCY_CHOICES = ("Annual", "Half-yearly", "Quarterly", "Termly", "Monthly")
YES_NO_CHOICES = ("Yes", "No")

# (column, needed?, what it holds, example)
COLUMN_HELP: dict[str, tuple[str, str, str]] = {
    "code": (
        "Every row",
        "The indicator's code: 1-32 letters, digits, spaces and . _ / -. "
        "A code already in the framework amends that indicator.",
        "NI 50",
    ),
    "title": ("New indicators", "What the indicator measures.", "Emotional health"),
    "outcome": ("", "The plan priority it serves.", "Be healthy"),
    "polarity": (
        "New indicators",
        "Which way is good: " + ", ".join(POLARITY_CHOICES) + " (or Higher, Lower,"
        " Up, Down, Closer). Closer is for context indicators kept near a level.",
        "Higher is better",
    ),
    "unit": (
        "",
        "percent, number, rate_per_10000, ... For percent, write 62.5 for 62.5%.",
        "percent",
    ),
    "frequency": (
        "",
        "How often results come: " + ", ".join(FREQUENCY_CHOICES) + ". It decides "
        "which rounds ask for the indicator. New indicators default to Annual.",
        "Annual",
    ),
    "laa": ("", "Yes when the LAA system reports it (Y/N, True/False, 1/0).", "No"),
    "measurable": (
        "",
        "No while it cannot be measured yet (a target is needed later).",
        "Yes",
    ),
    "lead_organisation": ("", "The organisation that leads.", "Primary Care Trust"),
    "named_lead_name": ("", "The person who sends returns.", "Dana Wright"),
    "named_lead_email": (
        "With a name",
        "Their e-mail; requests go there.",
        "dana@example.org",
    ),
    "tolerance": (
        "",
        "How far off target is amber, in the indicator's unit (blank: 5% of the "
        "distance from baseline to target).",
        "2",
    ),
    "baseline_value": ("With its date", "The value the plan starts from.", "60"),
    "baseline_period_end": (
        "With its value",
        f"The end of the baseline's period ({DATE_FORMS}).",
        "31/03/2008",
    ),
    "target_value": ("", "The value to reach.", "70"),
    "target_period_end": (
        "",
        f"When the target is due ({DATE_FORMS}); blank: the plan's end.",
        "31/03/2011",
    ),
    "target_reason": ("", "Why the target is what it is.", "Agreed with the PCT"),
    "milestones": (
        "",
        "Interim targets, date=value separated by semicolons.",
        "31/03/2009=62.5; 31/03/2010=65",
    ),
    "retired": ("", "Yes to withdraw the indicator (its history is kept).", "No"),
}

INSTRUCTIONS = (
    "How to fill in the framework template",
    "",
    "One row on the Indicators sheet is one indicator. Keep the header row; "
    "title rows above it are fine, and columns may be left out.",
    "An import is all rows or none: if any row has an error, nothing is changed "
    "and every error is listed with its row and column.",
    "An empty cell changes nothing: a new indicator takes the default, an "
    "existing one keeps its value.",
    f"Dates: {DATE_FORMS}, or a date cell.",
    "Percentages: write 62.5 for 62.5%. Cells formatted as percentages, and "
    "percent indicators whose values are all fractions (0.625), are read as "
    "percentages; the preview says so, column by column.",
    "Check first: `pmf import FILE --dry-run` (or the preview when uploading) "
    "shows what would change and changes nothing.",
    "",
)


def column_letter(index: int) -> str:
    """The spreadsheet letter of column ``index`` (0 is A)."""
    from openpyxl.utils import get_column_letter

    letter: str = get_column_letter(index + 1)
    return letter


def template_workbook() -> bytes:
    """The template as the bytes of an .xlsx file."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = "Indicators"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    for i, column in enumerate(COLUMNS):
        sheet.column_dimensions[column_letter(i)].width = max(14, len(column) + 2)
    choices: dict[str, tuple[str, ...]] = {
        "polarity": POLARITY_CHOICES,
        "frequency": FREQUENCY_CHOICES,
        **dict.fromkeys(BOOLEAN_COLUMNS, YES_NO_CHOICES),
    }
    for column, offered in choices.items():
        letter = column_letter(COLUMNS.index(column))
        rule = DataValidation(
            type="list",
            formula1='"' + ",".join(offered) + '"',
            allow_blank=True,
            # A warning, not a stop: the import reads other words too.
            errorStyle="warning",
            showErrorMessage=True,
            error=f"pmf reads {', '.join(offered)} (and a few other words).",
            errorTitle=column,
            promptTitle=column,
            prompt=COLUMN_HELP[column][1][:250],
            showInputMessage=True,
        )
        rule.add(f"{letter}2:{letter}{ROWS_WITH_DROP_DOWNS + 1}")
        sheet.add_data_validation(rule)
    _instructions(book.create_sheet("Instructions"), Font, Alignment)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _instructions(sheet: Any, font: Any, alignment: Any) -> None:
    for line in INSTRUCTIONS:
        sheet.append([line])
    sheet["A1"].font = font(bold=True, size=14)
    sheet.append(["Column", "Needed for", "What it holds", "Example"])
    for cell in sheet[sheet.max_row]:
        cell.font = font(bold=True)
    for column in COLUMNS:
        needed, what, example = COLUMN_HELP[column]
        sheet.append([column, needed, what, example])
        sheet.cell(sheet.max_row, 3).alignment = alignment(wrap_text=True)
    for letter, width in zip("ABCD", (22, 16, 80, 32), strict=True):
        sheet.column_dimensions[letter].width = width
