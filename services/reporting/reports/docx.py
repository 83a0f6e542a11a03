"""The paper as a Word document that a council officer can edit and re-issue.

Real heading styles (so the navigation pane and a table of contents work), tables
with a repeating header row and a caption (`w:tblCaption`, which screen readers
announce), status cells shaded and worded, charts as PNG pictures with alternative
text, A4 pages with the framework tables on landscape pages, and the document
language set to English (United Kingdom).

Reproducible bytes: the core properties (created, modified, last modified by,
revision) come from the snapshot, and the package's zip entries are re-dated to
`as_of` (see `ziparchive`).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table, _Cell

from . import labels
from .charts import chart_png
from .paper import (
    ActionView,
    DecisionView,
    IndicatorView,
    Paper,
    StatusView,
    build_paper,
)
from .ziparchive import normalised

Cell = str | StatusView
PORTRAIT_WIDTH_MM = 174
LANDSCAPE_WIDTH_MM = 261
CHART_WIDTH_MM = 105


def render_docx(snapshot: dict[str, Any]) -> bytes:
    """The snapshot's paper as .docx bytes."""
    paper = build_paper(snapshot)
    document = Document()
    _set_up(document, paper)
    _front_matter(document, paper)
    if paper.kind == "board":
        _board(document, paper)
    else:
        _executive(document, paper)
    _headers_and_footers(document, paper)
    out = io.BytesIO()
    document.save(out)
    return normalised(out.getvalue(), paper.as_of)


def _headers_and_footers(document: Any, paper: Paper) -> None:
    """The running header and 'Page N of M' (Word fields) on every page."""
    for section in document.sections:
        header = section.header
        header.is_linked_to_previous = False
        paragraph = header.paragraphs[0]
        paragraph.text = ""
        run = paragraph.add_run(paper.running_header)
        run.font.size = Pt(8)
        footer = section.footer
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        paragraph.text = ""
        for part in ("Page ", "PAGE", " of ", "NUMPAGES"):
            if part.isupper():
                _field(paragraph, part)
            else:
                paragraph.add_run(part).font.size = Pt(8)


def _field(paragraph: Any, instruction: str) -> None:
    """A simple field (PAGE, NUMPAGES) that Word fills in when it lays out."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), f" {instruction} ")
    run = OxmlElement("w:r")
    properties = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "16")
    properties.append(size)
    run.append(properties)
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _set_up(document: Any, paper: Paper) -> None:
    """A4 pages, British English, fixed core properties."""
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(18))
    normal = document.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(10)
    for lang in document.styles.element.iter(qn("w:lang")):
        lang.set(qn("w:val"), "en-GB")
    props = document.core_properties
    props.title = paper.title[:255]
    props.subject = f"{paper.heading}, collection round {paper.round_id}"[:255]
    props.author = paper.council[:255]
    props.keywords = f"Children and Young People's Plan; performance; {paper.round_id}"
    props.category = paper.heading
    props.comments = f"Figures as at {paper.as_of_text}"
    props.language = "en-GB"
    props.last_modified_by = "pmf"
    props.revision = 1
    moment = paper.as_of.replace(tzinfo=None)
    props.created = moment
    props.modified = moment
    props.last_printed = moment


def _front_matter(document: Any, paper: Paper) -> None:
    document.add_paragraph(paper.running_header)
    if paper.kind == "board":
        document.add_heading(
            f"{paper.covering.plan}: performance at round {paper.round_id}", level=0
        )
        facts = [
            ("Meeting", paper.covering.meeting),
            (
                "Report of",
                f"{paper.council}, Children and Young People's Service: "
                "performance team",
            ),
            *paper.facts,
            ("Status", paper.publication),
        ]
    else:
        document.add_heading(paper.title, level=0)
        facts = list(paper.facts)
    for name, value in facts:
        paragraph = document.add_paragraph()
        paragraph.paragraph_format.space_after = Pt(0)
        paragraph.add_run(f"{name}: ").bold = True
        paragraph.add_run(value)
    document.add_paragraph(
        "Status is given in words as well as colour. Arrows point up when "
        "performance improves, whatever the indicator's polarity. "
        + paper.suppression_note
    )


def _executive(document: Any, paper: Paper) -> None:
    document.add_heading("1. Summary", level=1)
    _counts(document, paper)
    _landscape(document)
    document.add_heading("2. Every indicator: latest result against target", level=1)
    _framework(document, paper, LANDSCAPE_WIDTH_MM)
    _portrait(document)
    document.add_heading("3. Flagged predictions for challenge", level=1)
    if not paper.flag_groups:
        document.add_paragraph("No prediction is flagged for challenge in this round.")
    for group in paper.flag_groups:
        count = len(group.items)
        document.add_heading(
            f"{group.title} ({count} indicator{'s' if count != 1 else ''})", level=2
        )
        _table(
            document,
            group.title,
            [
                "Indicator",
                "Why it is flagged",
                "Computed status",
                "Lead's prediction",
                "Executive's decision",
            ],
            [
                [
                    f"{c.code} {c.title}",
                    f.explanation,
                    c.computed,
                    c.prediction,
                    _decision_text(c.decision),
                ]
                for c, f in group.items
            ],
            (3, 4, 2, 2, 3),
        )
    if paper.equalities:
        document.add_heading("4. Equalities: groups behind all children", level=1)
        _equalities(document, paper)
    number = 5 if paper.equalities else 4
    document.add_heading(f"{number}. Indicator detail", level=1)
    _details(document, paper)


def _board(document: Any, paper: Paper) -> None:
    covering = paper.covering
    document.add_heading("Covering paper", level=1)
    document.add_heading("1. Purpose of the report", level=2)
    document.add_paragraph(covering.purpose)
    document.add_heading("2. Recommendations", level=2)
    document.add_paragraph("The Board is asked to:")
    for n, recommendation in enumerate(covering.recommendations):
        letter = chr(ord("a") + n) if n < 26 else str(n + 1)
        paragraph = document.add_paragraph(f"({letter}) {recommendation}")
        paragraph.paragraph_format.left_indent = Mm(6)
        paragraph.paragraph_format.first_line_indent = Mm(-6)
    document.add_heading("3. Summary", level=2)
    for section in covering.summary:
        if len(covering.summary) > 1:
            document.add_heading(section.heading, level=3)
        for text in section.paragraphs:
            document.add_paragraph(text)
    _counts(document, paper)
    document.add_heading("4. Areas of concern", level=2)
    _highlights(
        document,
        paper,
        paper.concerns,
        "Off target after the Executive's decisions, worst first",
        "No indicator is off target.",
    )
    document.add_heading("5. Very good performance", level=2)
    _highlights(
        document,
        paper,
        paper.very_good,
        "The latest result already meets or beats the final target",
        "No indicator has yet met its final target.",
    )
    document.add_heading("6. Significantly improved performance", level=2)
    _highlights(
        document,
        paper,
        paper.improved,
        "Significantly better than the previous result",
        "No indicator improved significantly since its previous result.",
    )
    document.add_heading("7. The Executive's challenge outcomes", level=2)
    if paper.challenges:
        _table(
            document,
            "Flagged predictions: the computed status, the Executive's decision and "
            "the status shown",
            [
                "Indicator",
                "Challenge flags",
                "Computed status",
                "Lead's prediction",
                "Executive's decision",
                "Status shown",
                "Note",
            ],
            [
                [
                    f"{c.code} {c.title}",
                    "; ".join(f.title for f in c.flags) or "None",
                    c.computed,
                    c.prediction,
                    _decision_text(c.decision),
                    c.shown,
                    c.decision.note if c.decision and c.decision.note else "None",
                ]
                for c in paper.challenges
            ],
            (3, 2, 2, 2, 3, 2, 3),
        )
    else:
        document.add_paragraph("No prediction was flagged for challenge in this round.")
    document.add_heading("8. Corrective actions due and overdue", level=2)
    if paper.actions_due:
        _actions(
            document,
            paper.actions_due,
            "Open corrective actions, overdue first, then by due date",
        )
    else:
        document.add_paragraph("No corrective action is open.")
    if paper.actions_completed:
        _actions(document, paper.actions_completed, "Corrective actions completed")
    _landscape(document)
    document.add_heading("Appendix A: the framework by outcome", level=1)
    document.add_paragraph(
        "Every indicator, outcome by outcome in the framework's order, with its "
        "latest result, target, projection, status shown (after the Executive's "
        "decisions), direction of travel and challenge flags. Each indicator's "
        "chart, results and breakdowns are in the Executive's paper for the round."
    )
    _framework(document, paper, LANDSCAPE_WIDTH_MM)
    _portrait(document)
    _board_appendix_b(document, paper)


def _board_appendix_b(document: Any, paper: Paper) -> None:
    """The equalities gaps and any commentary cut in Appendix A, in full."""
    document.add_heading("Appendix B: equalities and commentary in full", level=1)
    document.add_heading("Groups of children behind all children", level=2)
    if paper.equalities:
        _equalities(document, paper)
    elif paper.equalities_covered:
        document.add_paragraph(
            "No group of children is behind all children in the latest breakdowns."
        )
    else:
        document.add_paragraph(
            "No result in this round came with a breakdown by group of children."
        )
    if not paper.long_commentary:
        return
    document.add_heading("The leads' commentary in full", level=2)
    document.add_paragraph("Commentary longer than Appendix A prints, in full.")
    for i in paper.long_commentary:
        document.add_heading(f"{i.code} {i.title}", level=3)
        document.add_paragraph(i.commentary)


def _equalities(document: Any, paper: Paper) -> None:
    document.add_paragraph(
        "From the latest breakdown of each indicator: the groups of children "
        "behind all children, flagged gaps first, then the widest for the size "
        "of the figure. Flags are for attention only and never change a status."
    )
    _table(
        document,
        "Groups behind all children",
        [
            "Indicator",
            "Group",
            "Period ending",
            "Group's figure",
            "All children",
            "Gap",
            "Since the period before",
            "Flag",
        ],
        [
            [
                f"{g.code} {g.title}",
                f"{g.group} ({g.dimension})",
                g.period,
                g.value,
                g.overall,
                g.gap,
                g.direction,
                g.flags,
            ]
            for g in paper.equalities
        ],
        (4, 3, 2, 2, 2, 2, 2, 4),
    )


def _counts(document: Any, paper: Paper) -> None:
    _table(
        document,
        f"Indicators by status ({paper.total} in all)",
        ["Status", "Indicators"],
        [[status, str(n)] for status, n in paper.counts],
        (3, 1),
        width_mm=90,
    )


def _highlights(
    document: Any,
    paper: Paper,
    indicators: Sequence[IndicatorView],
    caption: str,
    empty: str,
) -> None:
    if not indicators:
        document.add_paragraph(empty)
        return
    _table(
        document,
        caption,
        [
            "Indicator",
            _with_usual("Latest result", paper.usual_latest_period),
            _with_usual("Target", paper.usual_target_period),
            "Status",
            "Direction of travel",
            "Why",
        ],
        [
            [
                f"{i.code} {i.title}",
                _with_period(
                    i.latest.text, i.latest_period, "", paper.usual_latest_period
                ),
                _with_period(
                    i.target.text, i.target_period, "", paper.usual_target_period
                ),
                i.shown_status,
                i.direction.text,
                i.explanation,
            ]
            for i in indicators
        ],
        (4, 2, 2, 2, 2, 4),
    )


def _framework(document: Any, paper: Paper, width_mm: int) -> None:
    for group in paper.outcomes:
        count = len(group.indicators)
        _table(
            document,
            f"{group.outcome}: {count} indicator{'s' if count != 1 else ''}",
            [
                "Indicator",
                _with_usual("Latest result", paper.usual_latest_period),
                _with_usual("Target", paper.usual_target_period),
                "Projection at target date",
                "Status",
                "Direction of travel",
                "Challenge flags",
                "Lead's commentary",
            ],
            [
                [
                    f"{i.code} {i.title}",
                    _with_period(
                        i.latest.text, i.latest_period, "", paper.usual_latest_period
                    ),
                    _with_period(
                        i.target.text, i.target_period, "", paper.usual_target_period
                    ),
                    i.projection.text,
                    _status_text(i),
                    i.direction.text,
                    "; ".join(f.title for f in i.flags) or "None",
                    i.commentary_short or "No commentary",
                ]
                for i in group.indicators
            ],
            (5, 2, 2, 2, 3, 2, 3, 5),
            width_mm=width_mm,
            status_columns={4: [i.shown_status for i in group.indicators]},
        )


def _actions(document: Any, actions: Sequence[ActionView], caption: str) -> None:
    _table(
        document,
        caption,
        ["Action", "Indicator", "Owner", "Due", "Status"],
        [
            [
                f"{a.description} ({a.id}, agreed in round {a.round_id})",
                f"{a.code} {a.indicator_title}",
                a.owner,
                a.due,
                _action_status(a),
            ]
            for a in actions
        ],
        (5, 4, 3, 2, 2),
    )


def _details(document: Any, paper: Paper) -> None:
    for i in paper.indicators:
        document.add_heading(f"{i.code}: {i.title}", level=2)
        document.add_paragraph(f"{i.outcome}. {i.about}.")
        facts = [
            ("Lead", f"{i.lead_organisation}; {i.named_lead}"),
            ("Baseline", _with_period(i.baseline.text, i.baseline_period)),
            ("Target", _with_period(i.target.text, i.target_period, "by ")),
            ("Latest result", _latest_text(i)),
            ("Projection", i.projection.text),
            ("Status", " ".join(p for p in (_status_text(i), i.explanation) if p)),
            ("Direction of travel", i.direction.text),
            ("Highlights", _highlight_text(i)),
            ("Lead's prediction", i.prediction),
            (
                "Challenge flags",
                "; ".join(f"{f.title}: {f.explanation}" for f in i.flags) or "None",
            ),
            ("Executive's decision", _decision_detail(i.decision)),
            ("Lead's commentary", i.commentary or "No commentary"),
            ("Data quality", i.data_quality or "No notes"),
        ]
        for name, value in facts:
            if value:
                paragraph = document.add_paragraph()
                paragraph.paragraph_format.space_after = Pt(0)
                paragraph.add_run(f"{name}: ").bold = True
                paragraph.add_run(value)
        picture = document.add_picture(
            io.BytesIO(chart_png(i.chart)), width=Mm(CHART_WIDTH_MM)
        )
        picture._inline.docPr.set("descr", i.chart.description)
        picture._inline.docPr.set("title", f"Trend chart for {i.code}")
        if i.history:
            _table(
                document,
                f"{i.code} results",
                ["Period ending", "Result"],
                [[period, f.text] for period, f, _ in i.history],
                (2, 1),
                width_mm=70,
            )
        if i.comparison:
            document.add_paragraph(
                f"Compared with England and neighbours: {i.comparison.summary}"
                + "".join(
                    f" {title} (for information): {why}."
                    for title, why in i.comparison.flags
                )
            )
        if i.breakdowns:
            _table(
                document,
                f"{i.code} equalities: latest result by group, against the overall "
                f"figure of {i.latest.text}",
                ["Group", "Result", "Gap to overall", "Gap in words"],
                [
                    [b.group, b.value.text, b.gap.text, b.gap_words]
                    for b in i.breakdowns
                ],
                (4, 2, 2, 4),
            )


def _table(
    document: Any,
    caption: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    weights: Sequence[int],
    width_mm: int = PORTRAIT_WIDTH_MM,
    status_columns: dict[int, list[StatusView]] | None = None,
) -> None:
    """A captioned table with a repeating, bold header row; statuses shaded."""
    document.add_paragraph(caption, style="Caption")
    table = document.add_table(rows=1 + len(rows), cols=len(headers))
    table.style = "Table Grid"
    _describe(table, caption)
    widths = [Mm(width_mm * w / sum(weights)) for w in weights]
    header = table.rows[0]
    _repeat_header(header)
    for cell, text, width in zip(header.cells, headers, widths, strict=True):
        cell.width = width
        _write(cell, text, bold=True)
        _shade(cell, "#f3f2f1")
    for r, values in enumerate(rows):
        cells = table.rows[r + 1].cells
        for c, (cell, value, width) in enumerate(
            zip(cells, values, widths, strict=True)
        ):
            cell.width = width
            shaded = (status_columns or {}).get(c)
            if isinstance(value, StatusView):
                _write_status(cell, value, value.words)
            elif shaded is not None:
                _write_status(cell, shaded[r], value)
            else:
                _write(cell, value, bold=c == 0)


def _write(cell: _Cell, text: str, bold: bool = False) -> None:
    paragraph = cell.paragraphs[0]
    run = paragraph.add_run(text)
    run.bold = bold
    run.font.size = Pt(8.5)


def _write_status(cell: _Cell, status: StatusView, text: str) -> None:
    background, foreground = labels.STATUS_COLOURS[status.code]
    _shade(cell, background)
    run = cell.paragraphs[0].add_run(text)
    run.bold = True
    run.font.size = Pt(8.5)
    run.font.color.rgb = RGBColor.from_string(foreground[1:].upper())


def _shade(cell: _Cell, colour: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour[1:].upper())
    cell._tc.get_or_add_tcPr().append(shading)


def _repeat_header(row: Any) -> None:
    """Mark the row as the table's header: repeated on every page, read as headers."""
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(marker)


def _describe(table: Table, caption: str) -> None:
    """The table's title for assistive technology (Word's 'Alt Text' for tables)."""
    properties = table._tbl.tblPr
    title = OxmlElement("w:tblCaption")
    title.set(qn("w:val"), caption[:255])
    properties.append(title)


def _landscape(document: Any) -> None:
    section = document.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)


def _portrait(document: Any) -> None:
    section = document.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)


def _action_status(a: ActionView) -> str:
    text = f"{a.status} on {a.completed_at}" if a.completed_at else a.status
    return f"{text}: {a.outcome}" if a.outcome else text


def _with_period(text: str, period: str, prefix: str = "", usual: str = "") -> str:
    """The figure and its period, unless the period is the column's (``usual``)."""
    return f"{text} ({prefix}{period})" if period and period != usual else text


def _with_usual(heading: str, usual: str) -> str:
    """A figure column's heading, naming the period most of its rows share."""
    return f"{heading} ({usual} unless stated)" if usual else heading


def _latest_text(i: IndicatorView) -> str:
    if not i.latest_period:
        return i.latest.text
    source = f", {i.source}" if i.source else ""
    return f"{i.latest.text} ({i.latest_period}{source})"


def _status_text(i: IndicatorView) -> str:
    if not i.status_changed:
        return i.shown_status.words
    decided = f", {i.decision.words}" if i.decision else ""
    return f"{i.shown_status.words} (computed: {i.status.words}{decided})"


def _highlight_text(i: IndicatorView) -> str:
    parts = []
    if i.very_good_performance:
        parts.append(
            "Very good performance: the latest result already meets the final target"
        )
    if i.significantly_improved:
        parts.append("Significantly improved since the previous result")
    return "; ".join(parts)


def _decision_text(decision: DecisionView | None) -> str:
    if decision is None:
        return "No decision recorded"
    who = ", ".join(p for p in (decision.decided_by, decision.decided_at) if p)
    return f"{decision.words} ({who})" if who else decision.words


def _decision_detail(decision: DecisionView | None) -> str:
    if decision is None:
        return ""
    note = f": {decision.note}" if decision.note else ""
    return _decision_text(decision) + note
