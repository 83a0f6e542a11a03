"""The HTML papers: what they say, and an accessibility smoke check."""

from __future__ import annotations

from collections import Counter

from .conftest import Rendered
from .reading import between, codes_in_order, html_tree, squash
from .snapshots import AREAS_OF_CONCERN

STATUS_WORDS = {"On target", "Off target", "Amber: close to target", "Not assessed"}


def text_of(rendered: Rendered, kind: str) -> str:
    """The text of the paper's main content (the contents list left out)."""
    return html_tree(rendered(kind, "html")).iter("main")[0].text()


def test_the_board_paper_lists_areas_of_concern_worst_first(rendered: Rendered) -> None:
    html = rendered("board", "html").decode()
    section = between(html, 'id="concerns"', 'id="very-good"')
    codes = [a for a in AREAS_OF_CONCERN]
    assert codes_in_order(squash(html_tree(section.encode()).text()), codes) == codes


def test_the_board_paper_covers_everything_the_board_reads(rendered: Rendered) -> None:
    text = text_of(rendered, "board")
    for heading in (
        "1. Purpose of the report",
        "2. Recommendations",
        "3. Summary",
        "4. Areas of concern",
        "5. Very good performance",
        "6. Significantly improved performance",
        "7. The Executive's challenge outcomes",
        "8. Corrective actions due and overdue",
        "Appendix A: the framework by outcome",
        "Appendix B: equalities and commentary in full",
    ):
        assert heading in text
    concerns = between(text, "4. Areas of concern", "5. Very good performance")
    assert "NI 65" not in concerns
    # indicator detail (charts, results, breakdowns) is the Executive paper's
    assert "Trend:" not in text and "<svg" not in rendered("board", "html").decode()
    very_good = between(text, "5. Very good performance", "6. Significantly")
    framework_order = ["NI 57", "LOCAL 02", "NI 111"]
    assert codes_in_order(very_good, framework_order) == framework_order


def test_challenge_outcomes_show_computed_and_decided_status(
    rendered: Rendered,
) -> None:
    tree = html_tree(rendered("board", "html"))
    table = next(t for t in tree.iter("table") if t.has_class("challenge-outcomes"))
    rows = {r.iter("th")[0].text(): r.text() for r in table.iter("tr")[1:]}
    sibling = next(v for k, v in rows.items() if k.startswith("NI 65"))
    assert "Off target Off target" not in sibling
    assert "Lead's view accepted" in sibling
    assert "Sibling groups explain the rise" in sibling
    assert sibling.index("Off target") < sibling.index("On target")
    obesity = next(v for k, v in rows.items() if k.startswith("NI 55"))
    assert "Upheld: the computed status stands" in obesity
    assert "No evidence yet that the programme has started." in obesity
    poverty = next(v for k, v in rows.items() if k.startswith("NI 116"))
    assert "No decision recorded" in poverty


def test_actions_due_come_overdue_first_then_by_date(rendered: Rendered) -> None:
    text = text_of(rendered, "board")
    due = between(text, "Open corrective actions", "Corrective actions completed")
    assert due.index("Review the healthy schools") < due.index("Attendance plan")
    assert due.index("Attendance plan") < due.index("Road safety education")
    assert "Overdue" in due
    completed = between(text, "Corrective actions completed", "Appendix A")
    assert "Audit of repeat child protection plans" in completed
    assert "Completed on 15 February 2010" in completed


def test_the_executive_paper_groups_flagged_predictions_by_flag(
    rendered: Rendered,
) -> None:
    tree = html_tree(rendered("executive", "html"))
    text = text_of(rendered, "executive")
    challenge = between(text, "3. Flagged predictions for challenge", "4. Indicator")
    headings = [
        h.text() for h in tree.iter("h3") if h.attrs.get("id", "").startswith("flag-")
    ]
    assert headings == [
        "Prediction conflicts with the assessment (3 indicators)",
        "No prediction (1 indicator)",
        "Missing return (1 indicator)",
        "No target (1 indicator)",
        "No lead (3 indicators)",
        "Stale result (1 indicator)",
        "Volatile result (2 indicators)",
    ]
    conflicts = between(challenge, "Prediction conflicts", "No prediction (")
    framework_order = ["NI 55", "NI 87", "NI 65"]
    assert codes_in_order(conflicts, framework_order) == framework_order
    assert "Lead's commentary" in text
    assert "Three large sibling groups returned to plans" in text


def test_small_numbers_print_as_c_and_gaps_with_them(rendered: Rendered) -> None:
    tree = html_tree(rendered("executive", "html"))
    rows = {
        (
            table.iter("caption")[0].text().split(" equalities")[0],
            row.iter("th")[0].text(),
        ): [td.text() for td in row.iter("td")]
        for table in tree.iter("table")
        if table.has_class("breakdowns")
        for row in table.iter("tr")[1:]
    }
    hidden = ["c", "c", "Not shown (small numbers)"]
    assert rows["NI 48", "Cyclists"] == hidden
    assert rows["NI 48", "Pedestrians"] == ["14", "-13", "13 below overall"]
    assert rows["LOCAL 02", "Boys"] == hidden
    assert rows["NI 55", "Boys"] == [
        "10.9%",
        "+0.8",
        "0.8 percentage points above overall",
    ]
    assert rows["NI 117", "Looked after"] == [
        "21.4%",
        "+15.3",
        "15.3 percentage points above overall",
    ]
    detail = next(
        s for s in tree.iter("section") if s.attrs.get("id") == "ind-local-02"
    )
    assert "Latest result c (31 Mar 2010" in detail.text()
    assert "Projected c at March 2011 against a target of c" in detail.text()
    assert "Projected 2.1" not in tree.text()


def test_html_is_accessible_in_the_ways_a_checker_can_see(rendered: Rendered) -> None:
    for kind in ("executive", "board"):
        tree = html_tree(rendered(kind, "html"))
        html = tree.iter("html")[0]
        assert html.attrs["lang"] == "en-GB"
        assert tree.iter("title")[0].text()
        assert len(tree.iter("h1")) == 1
        for th in tree.iter("th"):
            assert th.attrs.get("scope") in ("col", "row"), th.text()
        for table in tree.iter("table"):
            assert table.iter("caption"), "every table has a caption"
        statuses = [s for s in tree.iter("span") if s.has_class("status")]
        assert statuses
        assert {s.text() for s in statuses} <= STATUS_WORDS
        for svg in tree.iter("svg"):
            assert svg.attrs["role"] == "img"
            assert svg.attrs["aria-label"].startswith("Trend chart for ")
            assert svg.iter("title")[0].text() == svg.attrs["aria-label"]
        for arrow in [s for s in tree.iter("span") if s.has_class("direction")]:
            hidden = [s for s in arrow.iter("span") if s.attrs.get("aria-hidden")]
            assert arrow.text().split()[-1] in {
                "Improving",
                "Worsening",
                "change",
                "result",
            }
            assert all(h.text() in {"↑", "↓", "→"} for h in hidden)
        ids = Counter(e.attrs["id"] for e in tree.iter() if "id" in e.attrs)
        assert [i for i, n in ids.items() if n > 1] == []
        for link in tree.iter("a"):
            target = link.attrs["href"]
            assert target.startswith("#") and target[1:] in ids, target
