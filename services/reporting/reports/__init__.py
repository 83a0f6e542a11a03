"""Renderers for the Executive and CYP Board papers: a report snapshot in, bytes out.

`render(snapshot, fmt)` is a pure function of a plain, JSON-ready snapshot dict (the
reporting service builds it; see `tests/unit/reports/snapshots.py` for its shape). No
clock, no randomness, no I/O: the same snapshot gives the same bytes in every
format, and every date stamped into a file's metadata is the snapshot's `as_of`.

Every format says the same things in the same order, because HTML (and so PDF),
DOCX and XLSX all read one `paper.Paper` built from the snapshot:

- status in words as well as colour (On target / Off target / Amber: close to
  target / Not assessed), direction of travel as an arrow and words;
- the Executive paper: a summary, every indicator (latest result, target,
  projection, status, direction, flags, the lead's commentary), the flagged
  predictions grouped by flag, then each indicator's detail with its trend chart
  and equalities breakdown;
- the Board paper: a covering paper (counts by status, areas of concern worst first,
  very good performance, significantly improved performance, the Executive's
  challenge outcomes with computed and decided status, corrective actions due and
  overdue), then the framework table and each indicator's detail.

Small-number suppression (statistical disclosure control). A count of children
below the framework's `settings.small_number_threshold` (5 when not set) could
identify a child, so for an indicator whose unit is `number`:

- every such value is printed as "c" in every format (JSON included): the latest
  result, each breakdown group, the history of results, the baseline, milestones,
  target and projection;
- a breakdown gap is "c" when either the group or the overall figure is, since the
  gap and the other figure would give the hidden one away;
- numbers below the threshold in the assessment's sentences (status explanation,
  flag explanations) are "c" too, days of the month excepted;
- charts leave suppressed points out and their text alternative says how many;
- the lead's free-text commentary is printed as written: leads are asked not to
  quote small numbers there.
Rates and percentages are not suppressed. Secondary suppression (hiding a second
group so that a hidden one cannot be worked out by subtraction from the total) is
not applied: breakdown groups need not add up to the total.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any

FORMATS = ("json", "html", "pdf", "docx", "xlsx")

MEDIA_TYPES = {
    "json": "application/json",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

# Each renderer is imported on first use: WeasyPrint, python-docx, openpyxl and
# matplotlib are heavy, and a machine without Pango can still serve the other formats.
_RENDERERS = {
    "json": ("json_report", "render_json"),
    "html": ("html", "render_html"),
    "pdf": ("pdf", "render_pdf"),
    "docx": ("docx", "render_docx"),
    "xlsx": ("xlsx", "render_xlsx"),
}


def render(snapshot: dict[str, Any], fmt: str) -> bytes:
    """The snapshot as a document in `fmt` (one of `FORMATS`).

    Raises ValueError for an unknown format.
    """
    return renderer(fmt)(snapshot)


def renderer(fmt: str) -> Callable[[dict[str, Any]], bytes]:
    """The render function for `fmt`."""
    if fmt not in _RENDERERS:
        raise ValueError(f"unknown report format {fmt!r}: expected one of {FORMATS}")
    module, function = _RENDERERS[fmt]
    found: Callable[[dict[str, Any]], bytes] = getattr(
        import_module(f"{__name__}.{module}"), function
    )
    return found


def file_name(snapshot: dict[str, Any], fmt: str) -> str:
    """A download name such as 'board-2009-H2.pdf'."""
    round_id = str((snapshot.get("round") or {}).get("id") or "round")
    kind = str(snapshot.get("kind") or "report")
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in round_id)
    return f"{kind}-{safe}.{fmt}"


__all__ = ["FORMATS", "MEDIA_TYPES", "file_name", "render", "renderer"]
