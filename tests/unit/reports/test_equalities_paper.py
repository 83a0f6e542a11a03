"""The papers' equalities: a covering-paper section in words, a table in the
Executive paper, both from the gaps the snapshot carries."""

from __future__ import annotations

import json
from typing import Any

from services.reporting.reports import render
from services.reporting.reports.group_gaps import framework_gaps
from services.reporting.reports.narrative import covering_text, equalities_section
from services.reporting.reports.paper import build_paper

from .snapshots import snapshot as full_snapshot


def attainment() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    definition = {
        "code": "NI 73",
        "title": "Achievement at level 4 in English and maths at KS2",
        "unit": "percent",
        "polarity": "higher_is_better",
    }
    results = [
        {
            "period_end": f"{year}-03-31",
            "value": 72.0,
            "breakdowns": {"fsm": fsm, "not_fsm": 76.0, "looked_after": 40.0},
            "breakdown_counts": {"looked_after": {"n": 4}},
        }
        for year, fsm in ((2008, 54.0), (2009, 52.0), (2010, 50.0))
    ]
    return definition, results


def with_gaps(kind: str) -> dict[str, Any]:
    return {**full_snapshot(kind), "equalities": framework_gaps([attainment()], 5)}


def test_the_covering_paper_names_the_groups_behind_without_figures() -> None:
    section = equalities_section(with_gaps("board"))
    text = " ".join(section.paragraphs)
    assert text.startswith(
        "Results for one indicator came with a breakdown by group of children; "
        "in the latest breakdowns one group is behind all children, and the gap "
        "widened since the period before for one of them."
    )
    assert (
        "Eligible for free school meals in NI 73 (widened two periods in a row "
        "and wide)" in text
    )
    assert "do not change any status" in text
    assert "Looked after" not in text  # four children: withheld, so never named
    assert not any(ch.isdigit() for ch in text.replace("NI 73", ""))
    headings = [s.heading for s in covering_text(with_gaps("board")).summary]
    assert headings[-1] == "Equalities"


def test_a_snapshot_without_breakdowns_has_no_equalities_section() -> None:
    assert equalities_section(full_snapshot("board")).paragraphs == ()
    assert "Equalities" not in [
        s.heading for s in covering_text(full_snapshot("board")).summary
    ]


def test_the_executive_paper_tabulates_the_gaps() -> None:
    html = render(with_gaps("executive"), "html").decode()
    assert 'id="equalities-h">4. Equalities: groups behind all children' in html
    assert "5. Indicator detail" in html
    table = html[html.index('<table class="equalities">') :]
    table = table[: table.index("</table>")]
    assert "Eligible for free school meals" in table
    assert "-22" in table and "Widening" in table
    assert "Looked after" not in table


def test_the_board_paper_tabulates_the_gaps_in_appendix_b() -> None:
    """The Board sees the gaps in its own paper, not in indicator detail it
    no longer carries: in HTML (and so PDF) and in Word alike."""
    from .reading import docx_text

    html = render(with_gaps("board"), "html").decode()
    appendix = html[html.index('id="appendix-b-h">Appendix B') :]
    table = appendix[appendix.index('<table class="equalities">') :]
    table = table[: table.index("</table>")]
    assert "Eligible for free school meals" in table
    assert "-22" in table and "Widening" in table
    assert "Looked after" not in table
    paragraphs, tables = docx_text(render(with_gaps("board"), "docx"))
    captions = [text for style, text in paragraphs if style == "Caption"]
    rows = tables[captions.index("Groups behind all children")]
    assert rows[1][:2] == [
        "NI 73 Achievement at level 4 in English and maths at KS2",
        "Eligible for free school meals (Free school meals and disadvantage)",
    ]


def test_a_board_paper_without_breakdowns_says_so() -> None:
    html = render(full_snapshot("board"), "html").decode()
    assert "No result in this round came with a breakdown by group" in html
    covered = {
        **full_snapshot("board"),
        "equalities": {"indicators_with_breakdowns": 3},
    }
    html = render(covered, "html").decode()
    assert "No group of children is behind all children" in html


def with_few_looked_after(kind: str) -> tuple[dict[str, Any], str]:
    data = full_snapshot(kind)
    chosen = next(
        i
        for i in data["indicators"]
        if i.get("unit") == "percent" and i.get("latest_result")
    )
    chosen["latest_result"]["breakdowns"] = {"looked_after": 41.3, "Boys": 70.2}
    chosen["latest_result"]["breakdown_counts"] = {"looked_after": {"n": 3}}
    return data, str(chosen["code"])


def test_a_group_of_few_children_is_withheld_in_every_paper() -> None:
    data, code = with_few_looked_after("executive")
    html = render(data, "html").decode()
    assert "41.3" not in html and "70.2%" in html
    published = json.loads(render(data, "json"))
    latest = next(i for i in published["indicators"] if i["code"] == code)[
        "latest_result"
    ]
    assert latest["breakdowns"] == {"looked_after": "c", "Boys": 70.2}
    assert "breakdown_counts" not in latest  # a count of three is itself small
    shown = next(i for i in build_paper(data).indicators if i.code == code)
    views = {b.group: b for b in shown.breakdowns}
    assert views["Looked after"].value.text == "c"
    assert views["Looked after"].gap.text == "c"
    assert views["Boys"].value.text == "70.2%"


def test_the_word_and_excel_executive_papers_carry_the_gaps_too() -> None:
    import io

    from openpyxl import load_workbook

    from .reading import docx_text

    headings, tables = docx_text(render(with_gaps("executive"), "docx"))
    titles = [text for _style, text in headings]
    assert "4. Equalities: groups behind all children" in titles
    assert "5. Indicator detail" in titles
    gaps = next(t for t in tables if t[0][:2] == ["Indicator", "Group"])
    rows = [" | ".join(r) for r in gaps[1:]]
    assert any("Eligible for free school meals" in r and "Widening" in r for r in rows)
    assert not any("Looked after" in r for r in rows)

    book = load_workbook(io.BytesIO(render(with_gaps("executive"), "xlsx")))
    sheet = book["Equalities"]
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    assert cells[0][:4] == ["Code", "Indicator", "Dimension", "Group"]
    assert any(r[0] == "NI 73" and "free school meals" in str(r[3]) for r in cells[1:])
    assert not any("Looked after" in str(r[3]) for r in cells[1:])
    plain = load_workbook(io.BytesIO(render(full_snapshot("executive"), "xlsx")))
    assert "Equalities" not in plain.sheetnames
